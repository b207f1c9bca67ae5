using System;
using UnityEngine;
using UnityEngine.Playables;
using UnityEngine.Timeline;

namespace FantasyTalking.Timeline
{
    /// <summary>Where a clip's frames come from.</summary>
    public enum SpeechClipSource
    {
        /// <summary>A BakedSpeech asset: no server needed at playback.</summary>
        Baked = 0,
        /// <summary>An AudioClip streamed to the server when the Timeline plays, in sync with an Audio track playing the same clip.</summary>
        Streaming = 1,
    }

    [Serializable]
    public sealed class FantasyTalkingClip : PlayableAsset, ITimelineClipAsset
    {
        public SpeechClipSource source = SpeechClipSource.Baked;
        public BakedSpeech baked;
        public AudioClip audio;
        public AnimationOptions options = new AnimationOptions();

        public ClipCaps clipCaps { get { return ClipCaps.Blending | ClipCaps.ClipIn | ClipCaps.SpeedMultiplier; } }

        public override double duration
        {
            get
            {
                if (source == SpeechClipSource.Baked && baked != null && baked.Duration > 0) return baked.Duration;
                if (source == SpeechClipSource.Streaming && audio != null) return audio.length;
                return base.duration;
            }
        }

        public string DisplayName
        {
            get
            {
                if (source == SpeechClipSource.Baked) return baked != null ? baked.name : "(no baked speech)";
                return audio != null ? audio.name + " (streamed)" : "(no audio clip)";
            }
        }

        public override Playable CreatePlayable(PlayableGraph graph, GameObject owner)
        {
            var playable = ScriptPlayable<FantasyTalkingBehaviour>.Create(graph);
            playable.GetBehaviour().Clip = this;
            return playable;
        }
    }
}
