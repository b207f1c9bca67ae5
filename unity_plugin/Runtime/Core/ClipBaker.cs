// An animation (AnimateClip's answer, or a recorded Speak stream) baked into engine-neutral curves:
// one curve per driven blend shape (Unity's 0..100 weights) and four per driven bone (its local
// rotation as a quaternion, kept in one hemisphere so that interpolation never takes the long way).
// The Editor turns a BakedClip into an AnimationClip with one call per curve; everything that
// decides a value lives here, where the tests reach it.
using System;
using System.Collections.Generic;

namespace FantasyTalking
{
    /// <summary>One animated property: a path below the animated root, a component type and a property name.</summary>
    public sealed class BakedCurve
    {
        /// <summary>Transform path from the animated root ("" for the root, "Armature/Head").</summary>
        public string Path;
        /// <summary>"SkinnedMeshRenderer" or "Transform".</summary>
        public string ComponentType;
        /// <summary>"blendShape.jawOpen" or "m_LocalRotation.x".</summary>
        public string Property;
        public float[] Times;
        public float[] Values;

        public int KeyCount { get { return Times.Length; } }

        /// <summary>Linear interpolation between keys (what the Editor's linear tangents reproduce).</summary>
        public float Evaluate(float t)
        {
            if (Times.Length == 0) return 0f;
            if (t <= Times[0]) return Values[0];
            int n = Times.Length;
            if (t >= Times[n - 1]) return Values[n - 1];
            int lo = 0, hi = n - 1;
            while (hi - lo > 1)
            {
                int mid = (lo + hi) >> 1;
                if (Times[mid] <= t) lo = mid; else hi = mid;
            }
            float a = (t - Times[lo]) / (Times[hi] - Times[lo]);
            return Values[lo] + a * (Values[hi] - Values[lo]);
        }
    }

    /// <summary>A baked animation: curves, length and frame rate.</summary>
    public sealed class BakedClip
    {
        public readonly List<BakedCurve> Curves = new List<BakedCurve>();
        public float LengthSeconds;
        public float FrameRate;
        /// <summary>Curves that found no blend shape (for the bake window's report).</summary>
        public string[] MissingCurves = new string[0];

        public BakedCurve Find(string path, string property)
        {
            foreach (BakedCurve c in Curves) if (c.Path == path && c.Property == property) return c;
            return null;
        }

        public int KeyCount
        {
            get
            {
                int n = 0;
                foreach (BakedCurve c in Curves) n += c.KeyCount;
                return n;
            }
        }
    }

    /// <summary>A mesh to bake: its path and its blend shape names, with how curves find them.</summary>
    public sealed class BakeMeshTarget
    {
        public string Path = "";
        public string[] BlendShapeNames = new string[0];
        public NameMatchMode Mode = NameMatchMode.Auto;
        public CurveRemapTable Remap;
        public float Intensity = 1f;
    }

    /// <summary>A bone to bake: the joint that drives it ("jaw", "neck", "head", "eye_L", "eye_R"), its path and binding.</summary>
    public sealed class BakeBoneTarget
    {
        public string Joint = "";
        public string Path = "";
        public BoneBinding Binding = new BoneBinding { Axes = BoneAxisMap.UnityFacingPositiveZ, Weight = 1f, Rest = Quat.Identity };
    }

    /// <summary>Settings of a bake.</summary>
    public sealed class BakeSettings
    {
        public readonly List<BakeMeshTarget> Meshes = new List<BakeMeshTarget>();
        public readonly List<BakeBoneTarget> Bones = new List<BakeBoneTarget>();
        /// <summary>Keys per second; 0 bakes one key per animation frame at the frame times.</summary>
        public float SampleRate;
        /// <summary>Largest error a removed key may leave, in Unity weight units (0..100); 0 keeps every key.</summary>
        public float WeightTolerance = 0.5f;
        /// <summary>Largest quaternion-component error a removed rotation key may leave (0.0005 ≈ 0.06°); 0 keeps every key.</summary>
        public float RotationTolerance = 0.0005f;
        /// <summary>Drop curves that stay at 0 the whole clip.</summary>
        public bool SkipConstantZero = true;
    }

    /// <summary>Turns an AnimationClipData into a BakedClip.</summary>
    public static class ClipBaker
    {
        public static BakedClip Bake(AnimationClipData clip, BakeSettings settings)
        {
            if (clip == null) throw new ArgumentNullException("clip");
            if (settings == null) throw new ArgumentNullException("settings");
            clip.Validate();
            if (clip.FrameCount == 0) throw new ArgumentException("the animation has no frames (was the audio empty?)");

            double[] times = SampleTimes(clip, settings.SampleRate);
            var sample = FrameSample.For(clip.Header);
            var result = new BakedClip
            {
                LengthSeconds = (float)Math.Max(clip.DurationSeconds, clip.Times[clip.FrameCount - 1]),
                FrameRate = settings.SampleRate > 0 ? settings.SampleRate : clip.Header.Fps,
            };
            var missing = new List<string>();

            // Precompute the per-mesh mappings and the value tables (time × target).
            var meshValues = new List<float[][]>();
            var mappings = new List<BlendshapeMapping>();
            foreach (BakeMeshTarget m in settings.Meshes)
            {
                BlendshapeMapping map = BlendshapeMapping.Build(clip.Header.CurveNames, m.BlendShapeNames, m.Mode, m.Remap);
                mappings.Add(map);
                foreach (string s in map.MissingCurves) if (!missing.Contains(s)) missing.Add(s);
                var table = new float[m.BlendShapeNames.Length][];
                for (int t = 0; t < table.Length; t++) table[t] = map.Driven[t] ? new float[times.Length] : null;
                meshValues.Add(table);
            }
            var jointIndex = new int[settings.Bones.Count];
            var boneValues = new Quat[settings.Bones.Count][];
            for (int b = 0; b < settings.Bones.Count; b++)
            {
                jointIndex[b] = clip.Header.JointIndex(settings.Bones[b].Joint);
                if (jointIndex[b] < 0) throw new ArgumentException("the animation has no joint named '" + settings.Bones[b].Joint + "' (it has " + string.Join(", ", clip.Header.JointNames) + ")");
                boneValues[b] = new Quat[times.Length];
            }

            var weights = new float[0];
            for (int k = 0; k < times.Length; k++)
            {
                clip.Sample(times[k], sample);
                for (int m = 0; m < settings.Meshes.Count; m++)
                {
                    BlendshapeMapping map = mappings[m];
                    if (weights.Length < map.TargetNames.Length) weights = new float[map.TargetNames.Length];
                    map.Apply(sample.Weights, weights, settings.Meshes[m].Intensity, 100f);
                    float[][] table = meshValues[m];
                    for (int t = 0; t < table.Length; t++) if (table[t] != null) table[t][k] = weights[t];
                }
                for (int b = 0; b < settings.Bones.Count; b++)
                {
                    Quat q = settings.Bones[b].Binding.Evaluate(sample.Joints[jointIndex[b]]);
                    // One hemisphere: q and -q are the same rotation, but curves interpolate componentwise.
                    if (k > 0 && Quat.Dot(q, boneValues[b][k - 1]) < 0f) q = q.Negated();
                    boneValues[b][k] = q;
                }
            }

            var ftimes = Array.ConvertAll(times, t => (float)t);
            for (int m = 0; m < settings.Meshes.Count; m++)
            {
                BakeMeshTarget target = settings.Meshes[m];
                float[][] table = meshValues[m];
                for (int t = 0; t < table.Length; t++)
                {
                    if (table[t] == null) continue;
                    if (settings.SkipConstantZero && AllZero(table[t])) continue;
                    int[] keep = Reduce(ftimes, new[] { table[t] }, settings.WeightTolerance);
                    result.Curves.Add(MakeCurve(target.Path, "SkinnedMeshRenderer", "blendShape." + target.BlendShapeNames[t], ftimes, table[t], keep));
                }
            }
            for (int b = 0; b < settings.Bones.Count; b++)
            {
                Quat[] q = boneValues[b];
                var x = new float[q.Length]; var y = new float[q.Length]; var z = new float[q.Length]; var w = new float[q.Length];
                for (int k = 0; k < q.Length; k++) { x[k] = q[k].x; y[k] = q[k].y; z[k] = q[k].z; w[k] = q[k].w; }
                // The four components share key times, so Unity's quaternion curves stay consistent.
                int[] keep = Reduce(ftimes, new[] { x, y, z, w }, settings.RotationTolerance);
                string path = settings.Bones[b].Path;
                result.Curves.Add(MakeCurve(path, "Transform", "m_LocalRotation.x", ftimes, x, keep));
                result.Curves.Add(MakeCurve(path, "Transform", "m_LocalRotation.y", ftimes, y, keep));
                result.Curves.Add(MakeCurve(path, "Transform", "m_LocalRotation.z", ftimes, z, keep));
                result.Curves.Add(MakeCurve(path, "Transform", "m_LocalRotation.w", ftimes, w, keep));
            }
            result.MissingCurves = missing.ToArray();
            return result;
        }

        static double[] SampleTimes(AnimationClipData clip, float rate)
        {
            if (rate <= 0) return (double[])clip.Times.Clone();
            double end = Math.Max(clip.DurationSeconds, clip.Times[clip.FrameCount - 1]);
            int n = (int)Math.Floor(end * rate + 1e-9) + 1;
            var times = new double[n];
            for (int i = 0; i < n; i++) times[i] = i / (double)rate;
            return times;
        }

        static bool AllZero(float[] v)
        {
            foreach (float f in v) if (f != 0f) return false;
            return true;
        }

        static BakedCurve MakeCurve(string path, string type, string property, float[] times, float[] values, int[] keep)
        {
            var t = new float[keep.Length];
            var v = new float[keep.Length];
            for (int i = 0; i < keep.Length; i++) { t[i] = times[keep[i]]; v[i] = values[keep[i]]; }
            return new BakedCurve { Path = path, ComponentType = type, Property = property, Times = t, Values = v };
        }

        /// <summary>
        /// Ramer–Douglas–Peucker on time series that share key times: keeps the first and last keys,
        /// and any key whose removal would leave some series further than <paramref name="tolerance"/>
        /// from the line between its neighbouring kept keys. Returns the kept indexes in order.
        /// </summary>
        public static int[] Reduce(float[] times, float[][] series, float tolerance)
        {
            int n = times.Length;
            if (n <= 2 || tolerance <= 0f)
            {
                var all = new int[n];
                for (int i = 0; i < n; i++) all[i] = i;
                return all;
            }
            var keep = new bool[n];
            keep[0] = keep[n - 1] = true;
            var stack = new Stack<KeyValuePair<int, int>>();
            stack.Push(new KeyValuePair<int, int>(0, n - 1));
            while (stack.Count > 0)
            {
                KeyValuePair<int, int> seg = stack.Pop();
                int a = seg.Key, b = seg.Value;
                if (b - a < 2) continue;
                float worst = 0f;
                int at = -1;
                float span = times[b] - times[a];
                for (int i = a + 1; i < b; i++)
                {
                    float u = span > 0 ? (times[i] - times[a]) / span : 0f;
                    foreach (float[] s in series)
                    {
                        float err = Math.Abs(s[i] - (s[a] + u * (s[b] - s[a])));
                        if (err > worst) { worst = err; at = i; }
                    }
                }
                if (worst > tolerance)
                {
                    keep[at] = true;
                    stack.Push(new KeyValuePair<int, int>(a, at));
                    stack.Push(new KeyValuePair<int, int>(at, b));
                }
            }
            var kept = new List<int>();
            for (int i = 0; i < n; i++) if (keep[i]) kept.Add(i);
            return kept.ToArray();
        }
    }
}
