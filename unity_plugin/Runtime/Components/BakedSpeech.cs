// Baked speech animation as an asset: every frame the server sent for one line, with the audio clip
// it belongs to. The Timeline clip plays it, the bake window writes it next to the AnimationClip,
// and it can be re-targeted to any character later (the frames carry curve names, not bindings).
using UnityEngine;

namespace FantasyTalking
{
    [CreateAssetMenu(menuName = "FantasyTalking/Baked Speech", fileName = "BakedSpeech")]
    public sealed class BakedSpeech : ScriptableObject
    {
        [SerializeField] AnimationClipData data = new AnimationClipData();
        [SerializeField] AudioClip audio;
        [TextArea] [SerializeField] string transcript = "";

        public AnimationClipData Data { get { return data; } set { data = value; } }
        public AudioClip Audio { get { return audio; } set { audio = value; } }
        public string Transcript { get { return transcript; } set { transcript = value; } }

        public double Duration { get { return data != null ? data.DurationSeconds : 0.0; } }
    }
}
