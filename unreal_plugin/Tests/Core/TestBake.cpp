// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkBake.h"
#include "TestHarness.h"

using namespace FantasyTalking;

namespace
{
	/** 2 s at 30 fps: JawOpen a sine, MouthClose zero, jaw joint following JawOpen, HeadYaw a ramp. */
	FFrameTrack MakeTrack(double Start = 0.0)
	{
		FFrameTrack Track;
		Track.SetLayout({"JawOpen", "MouthClose"}, {"jaw", "neck", "head", "eye_L", "eye_R"});
		for (int Index = 0; Index <= 60; ++Index)
		{
			const double Time = Index / 30.0;
			FFrame Frame;
			Frame.TimeSeconds = Start + Time;
			const float Jaw = static_cast<float>(0.5 + 0.5 * std::sin(Time * 5.0));
			Frame.Weights = {Jaw, 0.0f};
			Frame.Joints = {FromAxisAngle(FVec3d{1, 0, 0}, 0.42 * Jaw), FQuatd(), FQuatd(), FQuatd(), FQuatd()};
			Frame.Angles = std::vector<float>(9, 0.0f);
			Frame.Angles[0] = static_cast<float>(0.1 * Time);
			CHECK(Track.Append(Frame));
		}
		return Track;
	}

	const FBakedCurve* FindCurve(const FBakedAnimation& Anim, const std::string& Name)
	{
		for (const FBakedCurve& Curve : Anim.Curves)
		{
			if (Curve.Name == Name)
			{
				return &Curve;
			}
		}
		return nullptr;
	}
}

TEST_CASE("a bake at the stream's own rate reproduces every frame, times from zero")
{
	const FFrameTrack Track = MakeTrack(5.0);
	FBakedAnimation Anim;
	std::string Error;
	CHECK(BakeTrack(Track, FBakeSettings(), Anim, &Error));
	CHECK(Anim.NumFrames == 61);
	CHECK_NEAR(Anim.DurationSeconds, 2.0, 1e-12);
	const FBakedCurve* Jaw = FindCurve(Anim, "JawOpen");
	const FBakedCurve* Yaw = FindCurve(Anim, "HeadYaw");
	CHECK(Jaw && Yaw && Jaw->Keys.size() == 61);
	if (!Jaw || !Yaw)
	{
		return;
	}
	for (int Index = 0; Index <= 60; ++Index)
	{
		CHECK_NEAR(Jaw->Keys[Index].TimeSeconds, Index / 30.0, 1e-6);
		CHECK(Jaw->Keys[Index].Value == Track.GetFrame(Index).Weights[0]);
		CHECK_NEAR(Yaw->Keys[Index].Value, Track.GetFrame(Index).Angles[0] / 3.14159265358979, 1e-7);
	}
	CHECK(Anim.Joints.size() == 5 && Anim.Joints[0].Name == "jaw" && Anim.Joints[0].Rotations.size() == 61);
}

TEST_CASE("bone tracks are in Unreal component axes for the chosen facing")
{
	const FFrameTrack Track = MakeTrack();
	FBakeSettings Settings;
	Settings.Facing = EFacing::PlusY;
	FBakedAnimation Anim;
	CHECK(BakeTrack(Track, Settings, Anim));
	const FAxisConversion Axes(EFacing::PlusY);
	for (int Index = 0; Index <= 60; Index += 7)
	{
		const FQuatd Expected = Axes.ToUnreal(Track.GetFrame(Index).Joints[0]);
		CHECK_NEAR(std::fabs(Dot(Anim.Joints[0].Rotations[Index], Expected)), 1.0, 1e-12);
		// A +X (left-axis) rotation becomes a rotation about Unreal X for a +Y-facing mesh.
		CHECK_NEAR(Anim.Joints[0].Rotations[Index].Y, 0.0, 1e-12);
		CHECK_NEAR(Anim.Joints[0].Rotations[Index].Z, 0.0, 1e-12);
	}
}

TEST_CASE("resampling to 60 fps interpolates; remapping renames")
{
	const FFrameTrack Track = MakeTrack();
	FBakeSettings Settings;
	Settings.FrameRate = 60.0;
	Settings.bIncludeAngleCurves = false;
	Settings.Remap = MakeRemapPreset(ERemapPreset::ReadyPlayerMe);
	FBakedAnimation Anim;
	CHECK(BakeTrack(Track, Settings, Anim));
	CHECK(Anim.NumFrames == 121);
	const FBakedCurve* Jaw = FindCurve(Anim, "jawOpen");
	const FBakedCurve* MouthOpen = FindCurve(Anim, "mouthOpen");
	CHECK(Jaw && MouthOpen && !FindCurve(Anim, "HeadYaw") && !FindCurve(Anim, "headYaw"));
	if (!Jaw || !MouthOpen)
	{
		return;
	}
	// Key 7 at 60 fps lies halfway between stream frames 3 and 4.
	const float Mid = 0.5f * (Track.GetFrame(3).Weights[0] + Track.GetFrame(4).Weights[0]);
	CHECK_NEAR(Jaw->Keys[7].Value, Mid, 1e-6);
	CHECK(MouthOpen->Keys[7].Value == Jaw->Keys[7].Value);
}

TEST_CASE("key reduction keeps every sample within tolerance and drops flat curves to two keys")
{
	const FFrameTrack Track = MakeTrack();
	FBakeSettings Settings;
	Settings.KeyReductionTolerance = 0.01f;
	FBakedAnimation Full;
	FBakedAnimation Reduced;
	CHECK(BakeTrack(Track, FBakeSettings(), Full));
	CHECK(BakeTrack(Track, Settings, Reduced));
	const FBakedCurve* FullJaw = FindCurve(Full, "JawOpen");
	const FBakedCurve* Jaw = FindCurve(Reduced, "JawOpen");
	CHECK(FindCurve(Reduced, "MouthClose")->Keys.size() == 2);
	CHECK(FindCurve(Reduced, "HeadYaw")->Keys.size() == 2); // a straight ramp
	CHECK(Jaw->Keys.size() < FullJaw->Keys.size() && Jaw->Keys.size() > 2);
	size_t Segment = 0;
	for (const FCurveKey& Key : FullJaw->Keys)
	{
		while (Segment + 2 < Jaw->Keys.size() && Jaw->Keys[Segment + 1].TimeSeconds <= Key.TimeSeconds)
		{
			++Segment;
		}
		const FCurveKey& A = Jaw->Keys[Segment];
		const FCurveKey& B = Jaw->Keys[Segment + 1];
		const float Value = A.Value + (B.Value - A.Value) * (Key.TimeSeconds - A.TimeSeconds) / (B.TimeSeconds - A.TimeSeconds);
		CHECK(std::fabs(Value - Key.Value) <= 0.01f + 1e-6f);
	}
	std::printf("  JawOpen: %zu of %zu keys kept at tolerance 0.01\n", Jaw->Keys.size(), FullJaw->Keys.size());
}

TEST_CASE("bad bakes say why")
{
	FBakedAnimation Anim;
	std::string Error;
	FFrameTrack Empty;
	CHECK(!BakeTrack(Empty, FBakeSettings(), Anim, &Error));
	CHECK(Error.find("no frames") != std::string::npos);
	FBakeSettings Settings;
	Settings.FrameRate = 0.0;
	CHECK(!BakeTrack(MakeTrack(), Settings, Anim, &Error));
	CHECK(Error.find("frame rate") != std::string::npos);
	Settings = FBakeSettings();
	Settings.Remap.Rules.push_back({"JawOpen", "x", std::nanf(""), 0.0f});
	CHECK(!BakeTrack(MakeTrack(), Settings, Anim, &Error));
}

TEST_MAIN()
