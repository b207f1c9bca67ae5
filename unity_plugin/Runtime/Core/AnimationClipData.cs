// A whole animation in managed memory (the answer of AnimateClip, or a Speak stream recorded to
// the end), and the sampler that reads it at any time on the audio's clock. The sampler follows the
// native core's rules (linear weights, slerped joints, the nearer frame held outside the range,
// exact frames within 1e-6 of a frame interval), so a baked clip, a Timeline clip and a live stream
// show the same face at the same audio time.
using System;
using System.Collections.Generic;

namespace FantasyTalking
{
    /// <summary>How a sample was made (ftalk_sample_kind).</summary>
    public enum SampleKind { Exact = 0, Interpolated = 1, HeldLast = 2, HeldFirst = 3, Neutral = 4 }

    /// <summary>Curve and joint names, sent once per stream or clip.</summary>
    [Serializable]
    public sealed class AnimationHeader
    {
        public string[] CurveNames = new string[0];
        public string[] JointNames = new string[0];
        public int Fps;
        public int LookaheadMs;
        public string Engine = "";

        public int CurveIndex(string name)
        {
            return Array.IndexOf(CurveNames, name);
        }

        public int JointIndex(string name)
        {
            return Array.IndexOf(JointNames, name);
        }
    }

    /// <summary>A viseme decided by the engine.</summary>
    [Serializable]
    public struct VisemeEvent
    {
        public int VisemeId;
        public string Viseme;
        public string Phoneme;
        public double StartSeconds;
        public double EndSeconds;

        public override string ToString()
        {
            return string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0} {1:F3}-{2:F3}s {3}", Viseme, StartSeconds, EndSeconds, Phoneme);
        }
    }

    /// <summary>One sampled pose: weights in header order (0..1), joint rotations, the nine Live Link angles.
    /// Allocate once per character and reuse every frame.</summary>
    public sealed class FrameSample
    {
        public float[] Weights;
        public Quat[] Joints;
        public float[] Angles = new float[9];
        public SampleKind Kind = SampleKind.Neutral;
        /// <summary>Time asked for, seconds on the audio clock.</summary>
        public double Time;
        /// <summary>Index of the frame at or before the time (the earlier of the two blended).</summary>
        public long FrameIndex;
        /// <summary>Blend factor towards the next frame.</summary>
        public float Alpha;
        public bool Idle;

        public FrameSample(int curveCount, int jointCount)
        {
            Weights = new float[curveCount];
            Joints = new Quat[jointCount];
            for (int i = 0; i < jointCount; i++) Joints[i] = Quat.Identity;
        }

        public static FrameSample For(AnimationHeader header)
        {
            return new FrameSample(header.CurveNames.Length, header.JointNames.Length);
        }

        /// <summary>Zero weights and angles, identity joints.</summary>
        public void SetNeutral()
        {
            Array.Clear(Weights, 0, Weights.Length);
            Array.Clear(Angles, 0, Angles.Length);
            for (int i = 0; i < Joints.Length; i++) Joints[i] = Quat.Identity;
            Kind = SampleKind.Neutral;
            Alpha = 0f;
            Idle = false;
        }
    }

    /// <summary>Every frame of an animation as plain arrays: frame i's weights are
    /// Weights[i * CurveCount ..], its joints Joints[i * JointCount ..].</summary>
    [Serializable]
    public sealed class AnimationClipData
    {
        /// <summary>Frames closer than this fraction of a frame interval to a frame's time return that frame.</summary>
        public const double Snap = 1e-6;

        public AnimationHeader Header = new AnimationHeader();
        public double[] Times = new double[0];
        public float[] Weights = new float[0];
        public Quat[] Joints = new Quat[0];
        /// <summary>9 per frame, or empty when the server sent none.</summary>
        public float[] Angles = new float[0];
        public bool[] Idle = new bool[0];
        public VisemeEvent[] Visemes = new VisemeEvent[0];
        public double DurationSeconds;

        public int FrameCount { get { return Times.Length; } }
        public int CurveCount { get { return Header.CurveNames.Length; } }
        public int JointCount { get { return Header.JointNames.Length; } }
        public int AngleCount { get { return Times.Length == 0 ? 0 : Angles.Length / Times.Length; } }

        /// <summary>Checks that the arrays agree with each other and with the header; throws with the reason.</summary>
        public void Validate()
        {
            int n = Times.Length;
            if (Weights.Length != n * CurveCount) throw new InvalidOperationException("clip has " + Weights.Length + " weights for " + n + " frames of " + CurveCount + " curves");
            if (Joints.Length != n * JointCount) throw new InvalidOperationException("clip has " + Joints.Length + " joint rotations for " + n + " frames of " + JointCount + " joints");
            if (Idle.Length != n) throw new InvalidOperationException("clip has " + Idle.Length + " idle flags for " + n + " frames");
            if (n > 0 && Angles.Length % n != 0) throw new InvalidOperationException("clip angles are not whole frames");
            for (int i = 1; i < n; i++)
                if (!(Times[i] > Times[i - 1])) throw new InvalidOperationException("clip frame times are not increasing at frame " + i);
        }

        /// <summary>The weight of curve <paramref name="curve"/> in frame <paramref name="frame"/>.</summary>
        public float Weight(int frame, int curve)
        {
            return Weights[frame * CurveCount + curve];
        }

        public Quat Joint(int frame, int joint)
        {
            return Joints[frame * JointCount + joint];
        }

        /// <summary>Samples the clip at <paramref name="t"/> seconds on the audio's clock into <paramref name="into"/>.</summary>
        public SampleKind Sample(double t, FrameSample into)
        {
            if (double.IsNaN(t) || double.IsInfinity(t)) throw new ArgumentException("sample time must be finite", "t");
            into.Time = t;
            int n = Times.Length;
            if (n == 0)
            {
                into.SetNeutral();
                into.FrameIndex = 0;
                return into.Kind;
            }
            // The first frame later than t; the one before it is at or before t.
            int later = UpperBound(t);
            if (later == 0) return Write(0, SampleKind.HeldFirst, into);
            if (later == n) return Write(n - 1, Times[n - 1] == t ? SampleKind.Exact : SampleKind.HeldLast, into);
            int a = later - 1, b = later;
            double span = Times[b] - Times[a];
            double alpha = span > 0 ? (t - Times[a]) / span : 0.0;
            if (alpha <= Snap) return Write(a, SampleKind.Exact, into);
            if (alpha >= 1.0 - Snap) return Write(b, SampleKind.Exact, into);
            Blend(a, b, (float)alpha, into);
            return into.Kind;
        }

        int UpperBound(double t)
        {
            int lo = 0, hi = Times.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (t < Times[mid]) hi = mid; else lo = mid + 1;
            }
            return lo;
        }

        SampleKind Write(int frame, SampleKind kind, FrameSample into)
        {
            int c = CurveCount, j = JointCount, g = AngleCount;
            int nc = Math.Min(c, into.Weights.Length);
            Array.Copy(Weights, frame * c, into.Weights, 0, nc);
            Array.Clear(into.Weights, nc, into.Weights.Length - nc);
            for (int i = 0; i < into.Joints.Length; i++) into.Joints[i] = i < j ? Joints[frame * j + i] : Quat.Identity;
            for (int i = 0; i < into.Angles.Length; i++) into.Angles[i] = i < g ? Angles[frame * g + i] : 0f;
            into.Kind = kind;
            into.FrameIndex = frame;
            into.Alpha = 0f;
            into.Idle = Idle[frame];
            return kind;
        }

        void Blend(int a, int b, float alpha, FrameSample into)
        {
            int c = CurveCount, j = JointCount, g = AngleCount;
            for (int i = 0; i < into.Weights.Length; i++)
            {
                if (i >= c) { into.Weights[i] = 0f; continue; }
                float wa = Weights[a * c + i], wb = Weights[b * c + i];
                into.Weights[i] = wa + alpha * (wb - wa);
            }
            for (int i = 0; i < into.Joints.Length; i++)
                into.Joints[i] = i < j ? Quat.Slerp(Joints[a * j + i], Joints[b * j + i], alpha) : Quat.Identity;
            for (int i = 0; i < into.Angles.Length; i++)
            {
                if (i >= g) { into.Angles[i] = 0f; continue; }
                float va = Angles[a * g + i], vb = Angles[b * g + i];
                into.Angles[i] = va + alpha * (vb - va);
            }
            into.Kind = SampleKind.Interpolated;
            into.FrameIndex = a;
            into.Alpha = alpha;
            into.Idle = alpha < 0.5f ? Idle[a] : Idle[b];
        }

        /// <summary>Builds a clip frame by frame (from a recorded stream, or in tests).</summary>
        public sealed class Builder
        {
            readonly AnimationHeader header;
            readonly List<double> times = new List<double>();
            readonly List<float> weights = new List<float>();
            readonly List<Quat> joints = new List<Quat>();
            readonly List<float> angles = new List<float>();
            readonly List<bool> idle = new List<bool>();
            readonly List<VisemeEvent> visemes = new List<VisemeEvent>();

            public Builder(AnimationHeader header)
            {
                this.header = header;
            }

            public int Count { get { return times.Count; } }

            public void Add(double time, IList<float> frameWeights, IList<Quat> frameJoints, IList<float> frameAngles, bool isIdle)
            {
                if (frameWeights.Count != header.CurveNames.Length) throw new ArgumentException("frame has " + frameWeights.Count + " weights, header names " + header.CurveNames.Length);
                if (frameJoints.Count != header.JointNames.Length) throw new ArgumentException("frame has " + frameJoints.Count + " joints, header names " + header.JointNames.Length);
                times.Add(time);
                weights.AddRange(frameWeights);
                joints.AddRange(frameJoints);
                if (frameAngles != null) angles.AddRange(frameAngles);
                idle.Add(isIdle);
            }

            public void AddViseme(VisemeEvent v)
            {
                visemes.Add(v);
            }

            public AnimationClipData Build(double durationSeconds)
            {
                var clip = new AnimationClipData
                {
                    Header = header,
                    Times = times.ToArray(),
                    Weights = weights.ToArray(),
                    Joints = joints.ToArray(),
                    Angles = angles.Count == times.Count * 9 ? angles.ToArray() : new float[0],
                    Idle = idle.ToArray(),
                    Visemes = visemes.ToArray(),
                    DurationSeconds = durationSeconds,
                };
                clip.Validate();
                return clip;
            }
        }
    }
}
