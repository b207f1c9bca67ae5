// Tests of the package's plain C# logic: sampling at audio time, name mapping and remap tables,
// 0–100 weights, bone axis maps, baking, the audio clock, PCM conversion and the main-thread queue.
// They need no server and no native library. They run in Unity's Test Runner (NUnit 3) and under
// Mono's nunit-console (NUnit 2.6, compiled with -define:NUNIT2); see tools/test_unity.sh.
using System;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;

namespace FantasyTalking.Tests
{
    static class Synth
    {
        /// <summary>A clip of <paramref name="frames"/> frames at <paramref name="fps"/> whose curve c at frame i is a known function,
        /// and whose joints turn about X by a known angle.</summary>
        public static AnimationClipData Clip(int frames, int fps, string[] curves, string[] joints)
        {
            var header = new AnimationHeader { CurveNames = curves, JointNames = joints, Fps = fps, Engine = "test" };
            var b = new AnimationClipData.Builder(header);
            for (int i = 0; i < frames; i++)
            {
                var w = new float[curves.Length];
                for (int c = 0; c < curves.Length; c++) w[c] = Value(i, c);
                var q = new Quat[joints.Length];
                for (int j = 0; j < joints.Length; j++) q[j] = Quat.AxisAngle(1, 0, 0, Angle(i, j));
                var angles = new float[9];
                angles[0] = 0.01f * i;
                b.Add(i / (double)fps, w, q, angles, i % 7 == 0);
            }
            return b.Build(frames / (double)fps);
        }

        public static float Value(int frame, int curve)
        {
            return (float)(0.5 + 0.5 * Math.Sin(0.3 * frame + curve));
        }

        public static float Angle(int frame, int joint)
        {
            return (float)(0.3 * Math.Sin(0.2 * frame + joint));
        }

        /// <summary>Rotates vector v by q (q v q*).</summary>
        public static void Rotate(Quat q, float x, float y, float z, out float rx, out float ry, out float rz)
        {
            Quat v = new Quat(x, y, z, 0f);
            Quat r = q * v * new Quat(-q.x, -q.y, -q.z, q.w);
            rx = r.x; ry = r.y; rz = r.z;
        }
    }

    [TestFixture]
    public class QuatTests
    {
        [Test]
        public void SlerpEndpointsAndMidpoint()
        {
            Quat a = Quat.Identity, b = Quat.AxisAngle(0, 1, 0, 1.0f);
            Assert.That(Quat.Angle(Quat.Slerp(a, b, 0f), a), Is.LessThan(1e-6));
            Assert.That(Quat.Angle(Quat.Slerp(a, b, 1f), b), Is.LessThan(1e-6));
            Assert.That(Quat.Angle(Quat.Slerp(a, b, 0.5f), Quat.AxisAngle(0, 1, 0, 0.5f)), Is.LessThan(1e-5));
        }

        [Test]
        public void SlerpTakesTheShorterArc()
        {
            Quat a = Quat.AxisAngle(0, 0, 1, 0.2f), b = Quat.AxisAngle(0, 0, 1, 0.4f).Negated();
            Quat mid = Quat.Slerp(a, b, 0.5f);
            Assert.That(Quat.Angle(mid, Quat.AxisAngle(0, 0, 1, 0.3f)), Is.LessThan(1e-5));
        }
    }

    [TestFixture]
    public class ClipSamplingTests
    {
        static readonly string[] Curves = { "JawOpen", "MouthClose", "EyeBlinkLeft" };
        static readonly string[] Joints = { "jaw", "head" };

        [Test]
        public void FrameTimesReturnTheFramesExactly()
        {
            AnimationClipData clip = Synth.Clip(30, 30, Curves, Joints);
            var s = FrameSample.For(clip.Header);
            for (int i = 0; i < 30; i++)
            {
                Assert.AreEqual(SampleKind.Exact, clip.Sample(i / 30.0, s));
                Assert.AreEqual(i, s.FrameIndex);
                for (int c = 0; c < Curves.Length; c++) Assert.AreEqual(Synth.Value(i, c), s.Weights[c]);
                Assert.AreEqual(clip.Joint(i, 1), s.Joints[1]);
                Assert.AreEqual(i % 7 == 0, s.Idle);
            }
        }

        [Test]
        public void BetweenFramesWeightsAreLinearAndJointsSlerped()
        {
            AnimationClipData clip = Synth.Clip(30, 30, Curves, Joints);
            var s = FrameSample.For(clip.Header);
            double t = (10 + 0.25) / 30.0;
            Assert.AreEqual(SampleKind.Interpolated, clip.Sample(t, s));
            Assert.AreEqual(10, s.FrameIndex);
            Assert.That(s.Alpha, Is.EqualTo(0.25f).Within(1e-5));
            float expected = Synth.Value(10, 0) + 0.25f * (Synth.Value(11, 0) - Synth.Value(10, 0));
            Assert.That(s.Weights[0], Is.EqualTo(expected).Within(1e-6));
            float angle = Synth.Angle(10, 0) + 0.25f * (Synth.Angle(11, 0) - Synth.Angle(10, 0));
            Assert.That(Quat.Angle(s.Joints[0], Quat.AxisAngle(1, 0, 0, angle)), Is.LessThan(1e-5));
            Assert.That(s.Angles[0], Is.EqualTo(0.01f * 10.25f).Within(1e-6));
        }

        [Test]
        public void OutsideTheClipTheNearestFrameIsHeld()
        {
            AnimationClipData clip = Synth.Clip(10, 30, Curves, Joints);
            var s = FrameSample.For(clip.Header);
            Assert.AreEqual(SampleKind.HeldFirst, clip.Sample(-1.0, s));
            Assert.AreEqual(Synth.Value(0, 0), s.Weights[0]);
            Assert.AreEqual(SampleKind.HeldLast, clip.Sample(5.0, s));
            Assert.AreEqual(Synth.Value(9, 2), s.Weights[2]);
        }

        [Test]
        public void AnEmptyClipSamplesNeutralAndNanIsRefused()
        {
            var clip = new AnimationClipData { Header = new AnimationHeader { CurveNames = Curves, JointNames = Joints, Fps = 30 } };
            var s = FrameSample.For(clip.Header);
            s.Weights[0] = 0.7f;
            Assert.AreEqual(SampleKind.Neutral, clip.Sample(0.5, s));
            Assert.AreEqual(0f, s.Weights[0]);
            Assert.AreEqual(Quat.Identity, s.Joints[0]);
            Assert.Throws<ArgumentException>(() => clip.Sample(double.NaN, s));
        }

        [Test]
        public void InconsistentClipsAreRejectedWithTheReason()
        {
            var clip = Synth.Clip(5, 30, Curves, Joints);
            clip.Weights = new float[4];
            var e = Assert.Throws<InvalidOperationException>(() => clip.Validate());
            StringAssert.Contains("weights", e.Message);
        }
    }

    [TestFixture]
    public class NameMappingTests
    {
        static readonly string[] Curves = { "JawOpen", "MouthClose", "EyeBlinkLeft", "viseme_aa" };

        [Test]
        public void ExactNamesMatchOnlyExactly()
        {
            var m = BlendshapeMapping.Build(Curves, new[] { "JawOpen", "eyeBlinkLeft", "viseme_aa" }, NameMatchMode.Exact);
            CollectionAssert.AreEquivalent(new[] { "MouthClose", "EyeBlinkLeft" }, m.MissingCurves);
            Assert.AreEqual(2, m.LinkCount);
        }

        [Test]
        public void ReadyPlayerMeCamelCaseNamesMatch()
        {
            string[] rpm = { "viseme_sil", "viseme_aa", "jawOpen", "mouthClose", "eyeBlinkLeft", "mouthSmile" };
            var m = BlendshapeMapping.Build(Curves, rpm, NameMatchMode.ArkitCamelCase);
            Assert.AreEqual(0, m.MissingCurves.Length, string.Join(",", m.MissingCurves));
            Assert.AreEqual(Array.IndexOf(rpm, "jawOpen"), m.TargetIndex[Array.IndexOf(m.SourceIndex, 0)]);
            Assert.AreEqual(Array.IndexOf(rpm, "viseme_aa"), m.TargetIndex[Array.IndexOf(m.SourceIndex, 3)]);
            Assert.IsFalse(m.Driven[Array.IndexOf(rpm, "mouthSmile")]);
        }

        [Test]
        public void AutoFindsPrefixedAndCaseFoldedNames()
        {
            string[] targets = { "blendShape1.jawOpen", "Face_MOUTHCLOSE", "mouthclose", "Fcl_MTH_viseme_aa", "EYEBLINKLEFT" };
            var m = BlendshapeMapping.Build(Curves, targets, NameMatchMode.Auto);
            Assert.AreEqual(0, m.MissingCurves.Length, string.Join(",", m.MissingCurves));
            var pairs = new Dictionary<string, string>();
            for (int k = 0; k < m.LinkCount; k++) pairs[Curves[m.SourceIndex[k]]] = targets[m.TargetIndex[k]];
            Assert.AreEqual("blendShape1.jawOpen", pairs["JawOpen"]);
            Assert.AreEqual("mouthclose", pairs["MouthClose"]);  // a whole-name match beats a prefixed one
            Assert.AreEqual("Fcl_MTH_viseme_aa", pairs["viseme_aa"]);
            Assert.AreEqual("EYEBLINKLEFT", pairs["EyeBlinkLeft"]);
        }

        [Test]
        public void RemapTablesRenameScaleAndOffset()
        {
            CurveRemapTable table = CurveRemapTable.ParseCsv("curve,blendShape,multiplier,offset\n# a comment\nJawOpen,Mouth_Open,0.5,0.1\nmouthClose,Lips_Together\nEyeBlinkLeft,Blink_L,2\n");
            Assert.AreEqual(3, table.Entries.Count);
            Assert.AreEqual(0.5f, table.Entries[0].Multiplier);
            string[] targets = { "Mouth_Open", "Lips_Together", "Blink_L", "Unused" };
            var m = BlendshapeMapping.Build(Curves, targets, NameMatchMode.RemapOnly, table);
            CollectionAssert.AreEqual(new[] { "viseme_aa" }, m.MissingCurves);
            var into = new float[] { 0, 0, 0, 42f };
            m.Apply(new[] { 0.6f, 0.3f, 0.8f, 1f }, into, 1f, 100f);
            Assert.That(into[0], Is.EqualTo((0.6f * 0.5f + 0.1f) * 100f).Within(1e-4));
            Assert.That(into[1], Is.EqualTo(30f).Within(1e-4));
            Assert.That(into[2], Is.EqualTo(100f).Within(1e-4), "2 × 0.8 is clamped to full weight");
            Assert.AreEqual(42f, into[3], "blend shapes no curve drives are left alone");
            Assert.AreEqual(table.ToCsv(), CurveRemapTable.ParseCsv(table.ToCsv()).ToCsv());
        }

        [Test]
        public void RemapRowsForMissingBlendShapesAreReported()
        {
            var table = new CurveRemapTable();
            table.Entries.Add(new CurveRemapEntry("JawOpen", "NoSuchShape"));
            var m = BlendshapeMapping.Build(Curves, new[] { "mouthClose" }, NameMatchMode.Auto, table);
            string warning = m.Describe("Body");
            StringAssert.Contains("NoSuchShape", warning);
            StringAssert.Contains("JawOpen", warning);
        }

        [Test]
        public void BadRemapCsvSaysWhichLine()
        {
            var e = Assert.Throws<FormatException>(() => CurveRemapTable.ParseCsv("JawOpen,Open,lots\n"));
            StringAssert.Contains("line 1", e.Message);
        }

        [Test]
        public void WeightsAreScaledToUnitysHundredAndClamped()
        {
            var m = BlendshapeMapping.Build(ArkitNames.LiveLink, new[] { "jawOpen", "mouthClose" }, NameMatchMode.Auto);
            var w = new float[52];
            w[17] = 0.25f;  // JawOpen
            w[18] = 1.5f;   // MouthClose out of range
            var into = new float[2];
            m.Apply(w, into, 0.8f, 100f);
            Assert.That(into[0], Is.EqualTo(20f).Within(1e-4));
            Assert.That(into[1], Is.EqualTo(80f).Within(1e-4));
        }

        [Test]
        public void AMeshWithNoneOfTheShapesGetsAWarningListingWhatItHas()
        {
            var m = BlendshapeMapping.Build(ArkitNames.LiveLink, new[] { "Smile", "Frown" }, NameMatchMode.Auto);
            Assert.AreEqual(0, m.LinkCount);
            string warning = m.Describe("Body");
            StringAssert.Contains("none of the expected blend shapes", warning);
            StringAssert.Contains("Smile, Frown", warning);
        }

        [Test]
        public void APartialMeshGetsTheMissingNamesListed()
        {
            var names = new List<string>();
            foreach (string n in ArkitNames.LiveLink) names.Add(ArkitNames.ToCamelCase(n));
            names.Remove("cheekPuff");
            names.Remove("tongueOut");
            var m = BlendshapeMapping.Build(ArkitNames.LiveLink, names, NameMatchMode.Auto);
            string warning = m.Describe("Wolf3D_Head");
            StringAssert.Contains("lacks 2 of 52", warning);
            StringAssert.Contains("CheekPuff, TongueOut", warning);
            Assert.IsNull(BlendshapeMapping.Build(ArkitNames.LiveLink, names, NameMatchMode.Auto).Describe("x", new[] { "CheekPuff", "TongueOut" }));
        }

        [Test]
        public void CamelCaseRoundTrips()
        {
            foreach (string n in ArkitNames.LiveLink) Assert.AreEqual(n, ArkitNames.ToLiveLink(ArkitNames.ToCamelCase(n)));
            Assert.AreEqual("viseme_aa", ArkitNames.ToCamelCase("viseme_aa"));
            Assert.AreEqual(52, ArkitNames.LiveLink.Length);
        }
    }

    [TestFixture]
    public class BoneAxisMapTests
    {
        [Test]
        public void IdentityPassesRotationsThrough()
        {
            Quat q = Quat.AxisAngle(0.6f, 0.8f, 0f, 0.7f);
            Assert.AreEqual(q, BoneAxisMap.Identity.Apply(q));
            Assert.AreEqual(1f, BoneAxisMap.Identity.Determinant);
        }

        [Test]
        public void JawOpeningMovesTheChinDownInUnity()
        {
            // The API opens the jaw about +X (character's left) by a positive angle: the chin (+Z) moves to -Y.
            Quat open = Quat.AxisAngle(1, 0, 0, 0.4f);
            float x, y, z;
            Synth.Rotate(open, 0, 0, 1, out x, out y, out z);
            Assert.That(y, Is.LessThan(-0.3f));
            // Unity applies quaternions to coordinates with the same formula (Quaternion * Vector3 is q v q*);
            // its left-handedness is only how the axes are drawn. The chin (+Z) must go down there too.
            Quat u = BoneAxisMap.UnityFacingPositiveZ.Apply(open);
            Assert.AreEqual(-1f, BoneAxisMap.UnityFacingPositiveZ.Determinant);
            Assert.That(u.x, Is.GreaterThan(0f), "a positive X rotation in Unity, as Quaternion.Euler(+23, 0, 0)");
            Synth.Rotate(u, 0, 0, 1, out x, out y, out z);
            Assert.That(y, Is.LessThan(-0.3f), "chin goes down");
            Assert.That(Math.Abs(x), Is.LessThan(1e-5));
        }

        [Test]
        public void TurningToTheCharactersLeftTurnsTowardsUnityMinusX()
        {
            Quat turn = Quat.AxisAngle(0, 1, 0, 0.5f);  // API: +Z towards +X (character's left)
            Quat u = BoneAxisMap.UnityFacingPositiveZ.Apply(turn);
            float x, y, z;
            Synth.Rotate(u, 0, 0, 1, out x, out y, out z);
            Assert.That(x, Is.LessThan(-0.4f), "the face turns to Unity's -X, the character's left");
        }

        [Test]
        public void RemappedRotationsMatchRemappedVectors()
        {
            // For any axis map, mirrored or not: rotating a remapped vector by the remapped rotation
            // equals remapping the rotated vector (M R Mᵀ · M v = M R v).
            var maps = new[]
            {
                new BoneAxisMap(SignedAxis.PositiveY, SignedAxis.NegativeZ, SignedAxis.PositiveX),
                new BoneAxisMap(SignedAxis.NegativeX, SignedAxis.PositiveZ, SignedAxis.PositiveY),
                new BoneAxisMap(SignedAxis.PositiveZ, SignedAxis.PositiveX, SignedAxis.NegativeY),
            };
            Quat q = Quat.AxisAngle(0.267f, 0.534f, 0.802f, 0.9f).Normalized();
            foreach (BoneAxisMap m in maps)
            {
                float rx, ry, rz, ex, ey, ez, vx, vy, vz, ox, oy, oz;
                Synth.Rotate(q, 0.3f, -0.5f, 0.8f, out rx, out ry, out rz);
                m.ApplyToVector(rx, ry, rz, out ex, out ey, out ez);
                m.ApplyToVector(0.3f, -0.5f, 0.8f, out vx, out vy, out vz);
                Quat b = m.Apply(q);
                Synth.Rotate(b, vx, vy, vz, out ox, out oy, out oz);
                Assert.That(ox, Is.EqualTo(ex).Within(1e-5), m.ToString());
                Assert.That(oy, Is.EqualTo(ey).Within(1e-5), m.ToString());
                Assert.That(oz, Is.EqualTo(ez).Within(1e-5), m.ToString());
            }
        }

        [Test]
        public void AMapThatReusesAnAxisIsRefused()
        {
            var bad = new BoneAxisMap(SignedAxis.PositiveX, SignedAxis.NegativeX, SignedAxis.PositiveZ);
            Assert.IsFalse(bad.IsValid);
            Assert.Throws<InvalidOperationException>(() => bad.Apply(Quat.Identity));
        }

        [Test]
        public void BindingComposesRestAndScalesTheAngle()
        {
            Quat rest = Quat.AxisAngle(0, 1, 0, 1.0f);
            var binding = new BoneBinding { Axes = BoneAxisMap.Identity, Weight = 0.5f, Rest = rest };
            Quat r = binding.Evaluate(Quat.AxisAngle(1, 0, 0, 0.4f));
            Assert.That(Quat.Angle(r, rest * Quat.AxisAngle(1, 0, 0, 0.2f)), Is.LessThan(1e-5));
        }
    }

    [TestFixture]
    public class BakeTests
    {
        static readonly string[] Curves = { "JawOpen", "MouthClose", "TongueOut" };
        static readonly string[] Joints = { "jaw", "head" };

        static AnimationClipData ClipWithSilentTongue()
        {
            AnimationClipData clip = Synth.Clip(90, 30, Curves, Joints);
            for (int i = 0; i < clip.FrameCount; i++) clip.Weights[i * 3 + 2] = 0f;
            return clip;
        }

        [Test]
        public void BakedCurvesReproduceTheAnimationWithinTolerance()
        {
            AnimationClipData clip = ClipWithSilentTongue();
            var settings = new BakeSettings { WeightTolerance = 0.5f, RotationTolerance = 0.001f };
            settings.Meshes.Add(new BakeMeshTarget { Path = "Body", BlendShapeNames = new[] { "jawOpen", "mouthClose", "tongueOut", "browDownLeft" } });
            settings.Bones.Add(new BakeBoneTarget { Joint = "head", Path = "Armature/Neck/Head" });
            BakedClip baked = ClipBaker.Bake(clip, settings);

            BakedCurve jaw = baked.Find("Body", "blendShape.jawOpen");
            Assert.IsNotNull(jaw);
            Assert.AreEqual("SkinnedMeshRenderer", jaw.ComponentType);
            Assert.IsNull(baked.Find("Body", "blendShape.tongueOut"), "a curve that stays at zero is not baked");
            Assert.IsNull(baked.Find("Body", "blendShape.browDownLeft"), "no curve drives it");
            Assert.Less(jaw.KeyCount, clip.FrameCount, "keys are reduced");
            for (int i = 0; i < clip.FrameCount; i++)
                Assert.That(jaw.Evaluate((float)clip.Times[i]), Is.EqualTo(100f * clip.Weight(i, 0)).Within(0.5f + 1e-3f));

            var rx = baked.Find("Armature/Neck/Head", "m_LocalRotation.x");
            var rw = baked.Find("Armature/Neck/Head", "m_LocalRotation.w");
            Assert.AreEqual("Transform", rx.ComponentType);
            CollectionAssert.AreEqual(rx.Times, rw.Times, "the four components share key times");
            for (int i = 0; i < clip.FrameCount; i++)
            {
                Quat expected = BoneAxisMap.UnityFacingPositiveZ.Apply(clip.Joint(i, 1));
                Quat got = new Quat(rx.Evaluate((float)clip.Times[i]), baked.Find("Armature/Neck/Head", "m_LocalRotation.y").Evaluate((float)clip.Times[i]),
                                    baked.Find("Armature/Neck/Head", "m_LocalRotation.z").Evaluate((float)clip.Times[i]), rw.Evaluate((float)clip.Times[i]));
                Assert.That(Quat.Angle(got.Normalized(), expected), Is.LessThan(0.01));
            }
            Assert.That(baked.LengthSeconds, Is.EqualTo(3f).Within(1e-6));
            CollectionAssert.AreEqual(new string[0], baked.MissingCurves);
        }

        [Test]
        public void RotationKeysStayInOneHemisphere()
        {
            var header = new AnimationHeader { CurveNames = new[] { "JawOpen" }, JointNames = new[] { "head" }, Fps = 10 };
            var b = new AnimationClipData.Builder(header);
            for (int i = 0; i < 10; i++)
            {
                Quat q = Quat.AxisAngle(0, 1, 0, 0.1f * i);
                if (i % 2 == 1) q = q.Negated();  // the same rotations, signs flipping as a server may send them
                b.Add(i / 10.0, new[] { 0.5f }, new[] { q }, null, false);
            }
            var settings = new BakeSettings { RotationTolerance = 0f };
            settings.Bones.Add(new BakeBoneTarget { Joint = "head", Path = "Head", Binding = new BoneBinding { Axes = BoneAxisMap.Identity, Weight = 1f, Rest = Quat.Identity } });
            BakedClip baked = ClipBaker.Bake(b.Build(1.0), settings);
            float[] w = baked.Find("Head", "m_LocalRotation.w").Values;
            foreach (float v in w) Assert.That(v, Is.GreaterThan(0f));
        }

        [Test]
        public void FixedRateBakingAndMissingReports()
        {
            AnimationClipData clip = ClipWithSilentTongue();
            var settings = new BakeSettings { SampleRate = 60f, WeightTolerance = 0f, SkipConstantZero = false };
            settings.Meshes.Add(new BakeMeshTarget { Path = "", BlendShapeNames = new[] { "JawOpen" }, Mode = NameMatchMode.Exact });
            BakedClip baked = ClipBaker.Bake(clip, settings);
            BakedCurve jaw = baked.Find("", "blendShape.JawOpen");
            Assert.AreEqual(181, jaw.KeyCount);
            Assert.That(jaw.Values[1], Is.EqualTo(100f * (Synth.Value(0, 0) + 0.5f * (Synth.Value(1, 0) - Synth.Value(0, 0)))).Within(1e-3));
            CollectionAssert.AreEquivalent(new[] { "MouthClose", "TongueOut" }, baked.MissingCurves);
        }

        [Test]
        public void BakingNothingOrAnUnknownJointFailsClearly()
        {
            var empty = new AnimationClipData { Header = new AnimationHeader { CurveNames = Curves, JointNames = Joints, Fps = 30 } };
            var e = Assert.Throws<ArgumentException>(() => ClipBaker.Bake(empty, new BakeSettings()));
            StringAssert.Contains("no frames", e.Message);
            var settings = new BakeSettings();
            settings.Bones.Add(new BakeBoneTarget { Joint = "tail", Path = "Tail" });
            e = Assert.Throws<ArgumentException>(() => ClipBaker.Bake(Synth.Clip(3, 30, Curves, Joints), settings));
            StringAssert.Contains("tail", e.Message);
        }

        [Test]
        public void ReductionKeepsEveryKeyNeededForTheTolerance()
        {
            var times = new float[200];
            var values = new float[200];
            for (int i = 0; i < 200; i++) { times[i] = i / 100f; values[i] = (float)(50 * Math.Sin(i * 0.07)); }
            int[] keep = ClipBaker.Reduce(times, new[] { values }, 0.25f);
            Assert.Less(keep.Length, 100);
            var curve = new BakedCurve { Times = Array.ConvertAll(keep, k => times[k]), Values = Array.ConvertAll(keep, k => values[k]) };
            for (int i = 0; i < 200; i++) Assert.That(curve.Evaluate(times[i]), Is.EqualTo(values[i]).Within(0.25f + 1e-4f));
        }
    }

    [TestFixture]
    public class AudioClockTests
    {
        [Test]
        public void BeforeTheStartTheTimeIsNegative()
        {
            var c = new AudioClock();
            Assert.IsTrue(double.IsNaN(c.Now(1.0, 1.0)), "not started");
            c.Start(10.0);
            Assert.That(c.Now(9.8, 100.0), Is.EqualTo(-0.2).Within(1e-9));
        }

        [Test]
        public void BetweenDspStepsTheFrameClockFillsInButNeverRunsAway()
        {
            var c = new AudioClock { MaxExtrapolation = 0.05 };
            c.Start(10.0);
            Assert.That(c.Now(10.5, 100.0), Is.EqualTo(0.5).Within(1e-9));
            Assert.That(c.Now(10.5, 100.016), Is.EqualTo(0.516).Within(1e-9));
            Assert.That(c.Now(10.5, 100.2), Is.EqualTo(0.55).Within(1e-9), "capped at one mixer buffer past the DSP clock");
            // The DSP clock steps to 10.54: the extrapolation had run ahead (0.55), so the time holds rather than stepping back.
            Assert.That(c.Now(10.54, 100.21), Is.EqualTo(0.55).Within(1e-9));
            Assert.That(c.Now(10.54, 100.23), Is.EqualTo(0.56).Within(1e-9));
        }

        [Test]
        public void PauseHoldsAndResumeContinues()
        {
            var c = new AudioClock();
            c.Start(0.0, 1.0);
            Assert.That(c.Now(2.0, 2.0), Is.EqualTo(3.0).Within(1e-9));
            c.Pause(2.5);
            Assert.That(c.Now(7.0, 7.0), Is.EqualTo(3.5).Within(1e-9));
            c.Resume(8.0);
            Assert.That(c.Now(8.25, 9.0), Is.EqualTo(3.75).Within(1e-9));
        }

        [Test]
        public void ALongRunAccumulatesNoDrift()
        {
            // An hour of 1024-sample mixer buffers at 48 kHz, frames rendered at a jittery ~60 Hz:
            // the face's time stays within one mixer buffer of the DSP time, however long it runs.
            var c = new AudioClock();
            c.Start(0.0);
            double dsp = 0, real = 0, buffer = 1024.0 / 48000.0;
            var rng = new Random(1);
            double sum = 0;
            long n = 0;
            while (real < 3600)
            {
                real += 1.0 / 60 + (rng.NextDouble() - 0.5) * 0.004;
                dsp = Math.Floor(real / buffer) * buffer;
                double t = c.Now(dsp, real);
                Assert.That(t, Is.GreaterThanOrEqualTo(dsp - 1e-9));
                Assert.That(t, Is.LessThanOrEqualTo(dsp + c.MaxExtrapolation + 1e-9));
                sum += t - dsp;
                n++;
            }
            // The mean lead is about half a mixer buffer, after an hour as after a second.
            Assert.That(sum / n, Is.LessThan(buffer));
        }

        [Test]
        public void TheDelayLineHoldsSoundBackExactly()
        {
            var d = new AudioDelayLine(0.001, 8000, 2);  // 8 frames × 2 channels
            Assert.AreEqual(16, d.DelaySamples);
            var all = new List<float>();
            for (int block = 0; block < 5; block++)
            {
                var data = new float[10];
                for (int i = 0; i < 10; i++) data[i] = block * 10 + i + 1;
                d.Process(data, 10);
                all.AddRange(data);
            }
            for (int i = 0; i < 16; i++) Assert.AreEqual(0f, all[i]);
            for (int i = 16; i < 50; i++) Assert.AreEqual(i - 16 + 1, all[i]);
        }
    }

    [TestFixture]
    public class PcmAndDispatchTests
    {
        [Test]
        public void DownmixAveragesChannels()
        {
            CollectionAssert.AreEqual(new[] { 0.5f, -0.25f }, Pcm.DownmixToMono(new[] { 1f, 0f, -0.5f, 0f }, 2));
            CollectionAssert.AreEqual(new[] { 0.25f }, Pcm.DownmixToMono(new[] { 1f, 0f, 0.5f, 0f, -0.5f, 0.5f }, 6));
            var bytes = new byte[8];
            Pcm.DownmixToMonoF32LE(new[] { 9f, 1f, 0f, 1f, -1f, 0f }, 2, 4, 2, bytes);
            Assert.AreEqual(0.5f, BitConverter.ToSingle(bytes, 0));
            Assert.AreEqual(-0.5f, BitConverter.ToSingle(bytes, 4));
        }

        [Test]
        public void SixteenBitConversionClipsAndRounds()
        {
            byte[] b = Pcm.ToS16LE(new[] { 0f, 1f, -2f, 0.5f }, 0, 4);
            Assert.AreEqual(0, BitConverter.ToInt16(b, 0));
            Assert.AreEqual(32767, BitConverter.ToInt16(b, 2));
            Assert.AreEqual(-32767, BitConverter.ToInt16(b, 4));
            Assert.AreEqual(16384, BitConverter.ToInt16(b, 6));
            Assert.AreEqual(0.25f, BitConverter.ToSingle(Pcm.ToF32LE(new[] { 0.25f }, 0, 1), 0));
            Assert.IsTrue(Pcm.IsSilent(new float[100]));
        }

        [Test]
        public void PostedActionsRunOnThePumpingThread()
        {
            var d = new MainThreadDispatcher();
            int mainThread = Thread.CurrentThread.ManagedThreadId;
            var ranOn = new List<int>();
            var threads = new List<Thread>();
            for (int i = 0; i < 4; i++)
            {
                var t = new Thread(() => { for (int k = 0; k < 25; k++) d.Post(() => ranOn.Add(Thread.CurrentThread.ManagedThreadId)); });
                threads.Add(t);
                t.Start();
            }
            foreach (Thread t in threads) t.Join();
            Assert.AreEqual(0, ranOn.Count, "nothing runs until the main thread pumps");
            Assert.AreEqual(100, d.Pump());
            Assert.AreEqual(100, ranOn.Count);
            foreach (int id in ranOn) Assert.AreEqual(mainThread, id);
        }

        [Test]
        public void AThrowingActionDoesNotStopThePump()
        {
            var d = new MainThreadDispatcher();
            var errors = new List<Exception>();
            d.Error += errors.Add;
            int ran = 0;
            d.Post(() => { throw new InvalidOperationException("boom"); });
            d.Post(() => ran++);
            d.Pump();
            Assert.AreEqual(1, ran);
            Assert.AreEqual("boom", errors[0].Message);
        }
    }
}

namespace FantasyTalking.Tests
{
    [TestFixture]
    public class LiveInputTests
    {
        [Test]
        public void TheLiveClockFollowsTheNewestFrameSmoothly()
        {
            var c = new LiveFollowClock { Margin = 0.05 };
            Assert.AreEqual(0.0, c.Now(-1, 0.0), "no frames yet");
            Assert.That(c.Now(1.0, 10.0), Is.EqualTo(0.95).Within(1e-9));
            double previous = 0.95, latest = 1.0;
            for (int i = 1; i <= 300; i++)
            {
                double real = 10.0 + i / 60.0;
                if (i % 3 == 0) latest += 0.05;  // frames arrive in bursts, at real-time pace on average
                double t = c.Now(latest, real);
                Assert.That(t, Is.GreaterThanOrEqualTo(previous), "never backwards");
                Assert.That(t, Is.LessThanOrEqualTo(latest + 1e-9), "never beyond the newest frame");
                previous = t;
            }
            Assert.That(latest - previous, Is.InRange(0.0, 0.12), "stays close behind the stream");
        }

        [Test]
        public void ThePcmQueuePlaysSilenceAndCountsGaps()
        {
            var q = new PcmQueue(8);
            var out4 = new float[4];
            q.Read(out4);
            Assert.AreEqual(0, q.UnderrunSamples, "silence before the first sample is not a gap");
            Assert.AreEqual(6, q.Write(new float[] { 1, 2, 3, 4, 5, 6 }, 0, 6));
            Assert.AreEqual(2, q.Write(new float[] { 7, 8, 9 }, 0, 3), "only what fits");
            q.Read(out4);
            CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, out4);
            var out6 = new float[6];
            q.Read(out6);
            CollectionAssert.AreEqual(new float[] { 5, 6, 7, 8, 0, 0 }, out6);
            Assert.AreEqual(2, q.UnderrunSamples);
            Assert.AreEqual(8, q.PlayedSamples);
            q.Ended = true;
            q.Read(out4);
            Assert.AreEqual(2, q.UnderrunSamples, "after the end silence is not a gap");
        }
    }
}

namespace FantasyTalking.Tests
{
    [TestFixture]
    public class FrameBlendTests
    {
        static FrameSample Frame(float w, float angle)
        {
            var f = new FrameSample(1, 1);
            f.Weights[0] = w;
            f.Joints[0] = Quat.AxisAngle(0, 1, 0, angle);
            return f;
        }

        [Test]
        public void ACrossfadeBlendsWeightsAndJoints()
        {
            var mixed = new FrameSample(1, 1);
            mixed.SetNeutral();
            FrameBlend.Accumulate(mixed, Frame(0.2f, 0.2f), 0.25f, 0f);
            FrameBlend.Accumulate(mixed, Frame(0.6f, 0.6f), 0.75f, 0.25f);
            FrameBlend.Finish(mixed, 1f);
            Assert.That(mixed.Weights[0], Is.EqualTo(0.5f).Within(1e-6));
            Assert.That(Quat.Angle(mixed.Joints[0], Quat.AxisAngle(0, 1, 0, 0.5f)), Is.LessThan(1e-4));
        }

        [Test]
        public void AClipEasingInRisesFromRest()
        {
            var mixed = new FrameSample(1, 1);
            mixed.SetNeutral();
            FrameBlend.Accumulate(mixed, Frame(0.8f, 0.4f), 0.5f, 0f);
            FrameBlend.Finish(mixed, 0.5f);
            Assert.That(mixed.Weights[0], Is.EqualTo(0.4f).Within(1e-6));
            Assert.That(Quat.Angle(mixed.Joints[0], Quat.AxisAngle(0, 1, 0, 0.2f)), Is.LessThan(1e-4));
        }
    }
}
