// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkFrameTrack.h"
#include "TestHarness.h"

using namespace FantasyTalking;

namespace
{
	FFrame MakeFrame(double Time, float Weight, double JawAngle, float Yaw, bool bIdle = false)
	{
		FFrame Frame;
		Frame.TimeSeconds = Time;
		Frame.Weights = {Weight, 1.0f - Weight};
		Frame.Joints = {FromAxisAngle(FVec3d{1, 0, 0}, JawAngle), FQuatd()};
		Frame.Angles = std::vector<float>(9, 0.0f);
		Frame.Angles[0] = Yaw;
		Frame.bIdle = bIdle;
		return Frame;
	}

	FFrameTrack MakeTrack()
	{
		FFrameTrack Track;
		Track.SetLayout({"JawOpen", "MouthClose"}, {"jaw", "head"});
		for (int Index = 0; Index < 31; ++Index)
		{
			std::string Error;
			CHECK(Track.Append(MakeFrame(Index / 30.0, Index / 30.0f, Index * 0.01, Index * 0.02f, Index < 10), &Error));
		}
		return Track;
	}
}

TEST_CASE("sampling at a frame's time returns that frame exactly")
{
	const FFrameTrack Track = MakeTrack();
	FPose Pose;
	for (size_t Index = 0; Index < Track.Num(); ++Index)
	{
		const FFrame& Frame = Track.GetFrame(Index);
		CHECK(Track.Sample(Frame.TimeSeconds, Pose));
		CHECK(Pose.Weights == Frame.Weights);
		CHECK(Pose.Angles == Frame.Angles);
		CHECK(Pose.Joints[0].X == Frame.Joints[0].X && Pose.Joints[0].W == Frame.Joints[0].W);
		CHECK(Pose.bIdle == Frame.bIdle);
	}
}

TEST_CASE("between frames: weights and angles linear, joints slerped")
{
	const FFrameTrack Track = MakeTrack();
	FPose Pose;
	const double Time = (4 + 0.25) / 30.0;
	CHECK(Track.Sample(Time, Pose));
	CHECK_NEAR(Pose.Weights[0], 4.25 / 30.0, 1e-6);
	CHECK_NEAR(Pose.Weights[1], 1.0 - 4.25 / 30.0, 1e-6);
	CHECK_NEAR(Pose.Angles[0], 4.25 * 0.02, 1e-6);
	const FQuatd Expected = FromAxisAngle(FVec3d{1, 0, 0}, 4.25 * 0.01);
	CHECK_NEAR(std::fabs(Dot(Pose.Joints[0], Expected)), 1.0, 1e-12);
	// Idle only when both neighbours are idle: frame 9 is idle, frame 10 is speech.
	CHECK(Track.Sample(9.5 / 30.0, Pose) && !Pose.bIdle);
	CHECK(Track.Sample(8.5 / 30.0, Pose) && Pose.bIdle);
}

TEST_CASE("before the first frame and after the last, the end frames hold")
{
	const FFrameTrack Track = MakeTrack();
	FPose Pose;
	CHECK(Track.Sample(-5.0, Pose));
	CHECK(Pose.Weights[0] == 0.0f);
	CHECK(Track.Sample(99.0, Pose));
	CHECK(Pose.Weights[0] == 1.0f);
	FFrameTrack Empty;
	CHECK(!Empty.Sample(0.0, Pose));
}

TEST_CASE("bad frames are refused with a reason and leave the track as it was")
{
	FFrameTrack Track = MakeTrack();
	std::string Error;
	FFrame Frame = MakeFrame(2.0, 0.5f, 0.0, 0.0f);
	Frame.Weights.push_back(0.1f);
	CHECK(!Track.Append(Frame, &Error));
	CHECK(Error.find("weights") != std::string::npos);
	Frame = MakeFrame(0.5, 0.5f, 0.0, 0.0f);
	CHECK(!Track.Append(Frame, &Error));
	CHECK(Error.find("advance") != std::string::npos);
	Frame = MakeFrame(2.0, std::nanf(""), 0.0, 0.0f);
	CHECK(!Track.Append(Frame, &Error));
	CHECK(Error.find("non-finite") != std::string::npos);
	Frame = MakeFrame(2.0, 0.5f, 0.0, 0.0f);
	Frame.Joints.pop_back();
	CHECK(!Track.Append(Frame, &Error));
	CHECK(Track.Num() == 31);
}

TEST_CASE("discarding old frames does not change later samples")
{
	FFrameTrack Track = MakeTrack();
	const FFrameTrack Full = MakeTrack();
	Track.DiscardBefore(0.5);
	CHECK(Track.Num() < Full.Num());
	FPose A;
	FPose B;
	for (double Time = 0.5; Time <= 1.05; Time += 0.0123)
	{
		CHECK(Track.Sample(Time, A) && Full.Sample(Time, B));
		CHECK(A.Weights == B.Weights);
	}
}

TEST_MAIN()
