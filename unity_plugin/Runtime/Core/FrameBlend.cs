// Blending sampled frames by weights, for Timeline clips that overlap or ease in and out: weights
// and angles are the weighted sum (so a clip easing in rises from rest), joints are blended with
// slerp between the clips and then from rest by the total weight.
using System;

namespace FantasyTalking
{
    public static class FrameBlend
    {
        /// <summary>Adds <paramref name="frame"/> with <paramref name="weight"/> to <paramref name="mixed"/>, which holds
        /// the blend of earlier frames whose weights sum to <paramref name="totalBefore"/> (start from SetNeutral and 0).
        /// Call <see cref="Finish"/> with the final total afterwards.</summary>
        public static void Accumulate(FrameSample mixed, FrameSample frame, float weight, float totalBefore)
        {
            if (weight <= 0f) return;
            int n = Math.Min(mixed.Weights.Length, frame.Weights.Length);
            for (int i = 0; i < n; i++) mixed.Weights[i] += weight * frame.Weights[i];
            int g = Math.Min(mixed.Angles.Length, frame.Angles.Length);
            for (int i = 0; i < g; i++) mixed.Angles[i] += weight * frame.Angles[i];
            int j = Math.Min(mixed.Joints.Length, frame.Joints.Length);
            float share = weight / (totalBefore + weight);
            for (int i = 0; i < j; i++)
                mixed.Joints[i] = totalBefore <= 0f ? frame.Joints[i] : Quat.Slerp(mixed.Joints[i], frame.Joints[i], share);
            mixed.Idle = totalBefore <= 0f ? frame.Idle : mixed.Idle && frame.Idle;
            mixed.Time = frame.Time;
            mixed.Kind = frame.Kind;
        }

        /// <summary>Eases the blended joints from rest when the weights sum to less than 1 (a clip fading in or out).</summary>
        public static void Finish(FrameSample mixed, float total)
        {
            if (total >= 1f) return;
            float t = Math.Max(0f, total);
            for (int i = 0; i < mixed.Joints.Length; i++) mixed.Joints[i] = Quat.Slerp(Quat.Identity, mixed.Joints[i], t);
        }
    }
}
