// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingClip.h"

#include "FantasyTalkingConversions.h"

float UFantasyTalkingClip::GetDuration() const
{
	return static_cast<float>(Track.GetEndTime() - Track.GetStartTime());
}

FFantasyTalkingPose UFantasyTalkingClip::SamplePose(float Time, EFantasyTalkingFacing Facing) const
{
	FFantasyTalkingPose Pose;
	FantasyTalking::FPose Sampled;
	if (!Track.Sample(Time, Sampled))
	{
		return Pose;
	}
	std::vector<float> Values;
	FantasyTalking::MakeSourceValues(Sampled, true, Values);
	Pose.CurveNames = FantasyTalking::ToNames(FantasyTalking::MakeSourceNames(Track.GetCurveNames(), true));
	Pose.CurveValues.Append(Values.data(), static_cast<int32>(Values.size()));
	Pose.JointNames = FantasyTalking::ToNames(Track.GetJointNames());
	const FantasyTalking::FAxisConversion Axes(FantasyTalking::ToCore(Facing));
	for (const FantasyTalking::FQuatd& Joint : Sampled.Joints)
	{
		Pose.JointRotations.Add(FantasyTalking::ToUnreal(Axes.ToUnreal(Joint)));
	}
	Pose.AudioTime = Time;
	Pose.bIdle = Sampled.bIdle;
	return Pose;
}
