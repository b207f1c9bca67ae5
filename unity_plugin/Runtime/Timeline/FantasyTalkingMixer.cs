using UnityEngine;
using UnityEngine.Playables;

namespace FantasyTalking.Timeline
{
    /// <summary>Blends the active clips' samples by their Timeline weights and puts the result on the bound SpeechAnimator.</summary>
    public sealed class FantasyTalkingMixer : PlayableBehaviour
    {
        AnimationHeader header;
        FrameSample mixed, scratch;

        public override void ProcessFrame(Playable playable, FrameData info, object playerData)
        {
            var animator = playerData as SpeechAnimator;
            if (animator == null) return;
            bool any = false;
            float total = 0f;
            int inputs = playable.GetInputCount();
            for (int i = 0; i < inputs; i++)
            {
                float weight = playable.GetInputWeight(i);
                if (weight <= 0f) continue;
                var input = (ScriptPlayable<FantasyTalkingBehaviour>)playable.GetInput(i);
                FantasyTalkingBehaviour clip = input.GetBehaviour();
                AnimationHeader h = clip.Header;
                if (h == null) continue;
                if (!ReferenceEquals(h, header) && (header == null || !SameNames(h, header)))
                {
                    header = h;
                    mixed = FrameSample.For(h);
                    scratch = FrameSample.For(h);
                }
                if (!clip.Sample(input.GetTime(), scratch)) continue;
                if (!any) mixed.SetNeutral();
                FrameBlend.Accumulate(mixed, scratch, weight, total);
                total += weight;
                any = true;
            }
            if (!any) return;
            FrameBlend.Finish(mixed, total);
            animator.ApplyFrame(header, mixed);
        }

        static bool SameNames(AnimationHeader a, AnimationHeader b)
        {
            if (a.CurveNames.Length != b.CurveNames.Length || a.JointNames.Length != b.JointNames.Length) return false;
            for (int i = 0; i < a.CurveNames.Length; i++) if (a.CurveNames[i] != b.CurveNames[i]) return false;
            return true;
        }
    }
}
