// A Timeline track for cutscenes: bound to a SpeechAnimator, its clips either play baked speech
// (BakedSpeech assets) or stream an AudioClip to the server when the Timeline starts and show the
// frames at the clip's local time, which is the audio's time when the same AudioClip sits on an
// Audio track at the same start. Overlapping clips blend.
using System.ComponentModel;
using UnityEngine;
using UnityEngine.Playables;
using UnityEngine.Timeline;

namespace FantasyTalking.Timeline
{
    [TrackColor(0.93f, 0.45f, 0.32f)]
    [TrackClipType(typeof(FantasyTalkingClip))]
    [TrackBindingType(typeof(SpeechAnimator))]
    [DisplayName("FantasyTalking/Speech Track")]
    public sealed class FantasyTalkingTrack : TrackAsset
    {
        public override Playable CreateTrackMixer(PlayableGraph graph, GameObject go, int inputCount)
        {
            foreach (TimelineClip c in GetClips())
            {
                var asset = c.asset as FantasyTalkingClip;
                if (asset == null) continue;
                c.displayName = asset.DisplayName;
            }
            return ScriptPlayable<FantasyTalkingMixer>.Create(graph, inputCount);
        }
    }
}
