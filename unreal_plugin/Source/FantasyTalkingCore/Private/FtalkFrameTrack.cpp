// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkFrameTrack.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace FantasyTalking
{
	namespace
	{
		bool AllFinite(const FFrame& Frame)
		{
			if (!std::isfinite(Frame.TimeSeconds))
			{
				return false;
			}
			for (float Value : Frame.Weights)
			{
				if (!std::isfinite(Value))
				{
					return false;
				}
			}
			for (float Value : Frame.Angles)
			{
				if (!std::isfinite(Value))
				{
					return false;
				}
			}
			for (const FQuatd& Q : Frame.Joints)
			{
				if (!std::isfinite(Q.X) || !std::isfinite(Q.Y) || !std::isfinite(Q.Z) || !std::isfinite(Q.W))
				{
					return false;
				}
			}
			return true;
		}

		void CopyFrame(const FFrame& Frame, FPose& Out)
		{
			Out.Weights = Frame.Weights;
			Out.Joints = Frame.Joints;
			Out.Angles = Frame.Angles;
			Out.bIdle = Frame.bIdle;
		}
	}

	void FFrameTrack::SetLayout(std::vector<std::string> InCurveNames, std::vector<std::string> InJointNames)
	{
		CurveNames = std::move(InCurveNames);
		JointNames = std::move(InJointNames);
		Frames.clear();
	}

	bool FFrameTrack::Append(FFrame Frame, std::string* OutError)
	{
		auto Fail = [OutError](const char* Reason)
		{
			if (OutError)
			{
				*OutError = Reason;
			}
			return false;
		};
		if (Frame.Weights.size() != CurveNames.size())
		{
			return Fail("frame has a different number of weights than the header has curve names");
		}
		if (Frame.Joints.size() != JointNames.size())
		{
			return Fail("frame has a different number of joints than the header has joint names");
		}
		if (!Frame.Angles.empty() && Frame.Angles.size() != 9)
		{
			return Fail("frame angles must be the nine Live Link angles or none");
		}
		if (!AllFinite(Frame))
		{
			return Fail("frame holds a non-finite number");
		}
		if (!Frames.empty() && !(Frame.TimeSeconds > Frames.back().TimeSeconds))
		{
			return Fail("frame time does not advance");
		}
		for (FQuatd& Q : Frame.Joints)
		{
			Q = Normalize(Q);
		}
		Frames.push_back(std::move(Frame));
		return true;
	}

	bool FFrameTrack::Sample(double TimeSeconds, FPose& Out) const
	{
		if (Frames.empty())
		{
			return false;
		}
		if (!(TimeSeconds > Frames.front().TimeSeconds))
		{
			CopyFrame(Frames.front(), Out);
			return true;
		}
		if (TimeSeconds >= Frames.back().TimeSeconds)
		{
			CopyFrame(Frames.back(), Out);
			return true;
		}
		// First frame strictly after TimeSeconds; the one before it is at or before.
		const auto After = std::upper_bound(Frames.begin(), Frames.end(), TimeSeconds,
			[](double Time, const FFrame& Frame) { return Time < Frame.TimeSeconds; });
		const FFrame& B = *After;
		const FFrame& A = *(After - 1);
		if (TimeSeconds == A.TimeSeconds)
		{
			CopyFrame(A, Out);
			return true;
		}
		const double Alpha = (TimeSeconds - A.TimeSeconds) / (B.TimeSeconds - A.TimeSeconds);
		const float AlphaF = static_cast<float>(Alpha);
		Out.Weights.resize(A.Weights.size());
		for (size_t Index = 0; Index < A.Weights.size(); ++Index)
		{
			Out.Weights[Index] = A.Weights[Index] + (B.Weights[Index] - A.Weights[Index]) * AlphaF;
		}
		Out.Angles.resize(std::min(A.Angles.size(), B.Angles.size()));
		for (size_t Index = 0; Index < Out.Angles.size(); ++Index)
		{
			Out.Angles[Index] = A.Angles[Index] + (B.Angles[Index] - A.Angles[Index]) * AlphaF;
		}
		Out.Joints.resize(A.Joints.size());
		for (size_t Index = 0; Index < A.Joints.size(); ++Index)
		{
			Out.Joints[Index] = Slerp(A.Joints[Index], B.Joints[Index], Alpha);
		}
		// A frame is idle only when both neighbours are: speech fading in or out counts as speech.
		Out.bIdle = A.bIdle && B.bIdle;
		return true;
	}

	void FFrameTrack::DiscardBefore(double TimeSeconds)
	{
		// Keep the last frame at or before TimeSeconds: it is the left neighbour of any later sample.
		const auto After = std::upper_bound(Frames.begin(), Frames.end(), TimeSeconds,
			[](double Time, const FFrame& Frame) { return Time < Frame.TimeSeconds; });
		if (After - Frames.begin() > 1)
		{
			Frames.erase(Frames.begin(), After - 1);
		}
	}

	void FFrameTrack::Reset()
	{
		Frames.clear();
	}
}
