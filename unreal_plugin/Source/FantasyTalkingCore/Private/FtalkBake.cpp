// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkBake.h"

#include <cmath>

namespace FantasyTalking
{
	namespace
	{
		float Interpolate(const FCurveKey& A, const FCurveKey& B, float Time)
		{
			if (B.TimeSeconds <= A.TimeSeconds)
			{
				return A.Value;
			}
			const float Alpha = (Time - A.TimeSeconds) / (B.TimeSeconds - A.TimeSeconds);
			return A.Value + (B.Value - A.Value) * Alpha;
		}

		/** Whether a straight line from Keys[From] to Keys[To] passes within Tolerance of every key between. */
		bool SpanFits(const std::vector<FCurveKey>& Keys, size_t From, size_t To, float Tolerance)
		{
			for (size_t Index = From + 1; Index < To; ++Index)
			{
				if (std::fabs(Interpolate(Keys[From], Keys[To], Keys[Index].TimeSeconds) - Keys[Index].Value) > Tolerance)
				{
					return false;
				}
			}
			return true;
		}
	}

	void ReduceKeys(std::vector<FCurveKey>& Keys, float Tolerance)
	{
		if (Keys.size() < 3 || !(Tolerance > 0.0f))
		{
			return;
		}
		std::vector<FCurveKey> Kept;
		Kept.push_back(Keys.front());
		size_t Anchor = 0;
		size_t Candidate = 2;
		while (Candidate < Keys.size())
		{
			if (!SpanFits(Keys, Anchor, Candidate, Tolerance))
			{
				// The line to Candidate misses a key: keep the last key the line still reached.
				Anchor = Candidate - 1;
				Kept.push_back(Keys[Anchor]);
			}
			++Candidate;
		}
		Kept.push_back(Keys.back());
		Keys = std::move(Kept);
	}

	bool BakeTrack(const FFrameTrack& Track, const FBakeSettings& Settings, FBakedAnimation& Out, std::string* OutError)
	{
		auto Fail = [OutError](const std::string& Reason)
		{
			if (OutError)
			{
				*OutError = Reason;
			}
			return false;
		};
		if (Track.Num() == 0)
		{
			return Fail("there are no frames to bake");
		}
		if (!(Settings.FrameRate >= 1.0 && Settings.FrameRate <= 240.0))
		{
			return Fail("the bake frame rate must be between 1 and 240");
		}
		FCurveRemapper Remapper;
		const std::vector<std::string> SourceNames = MakeSourceNames(Track.GetCurveNames(), Settings.bIncludeAngleCurves);
		if (!Remapper.Build(SourceNames, Settings.Remap, OutError))
		{
			return false;
		}

		const double Start = Track.GetStartTime();
		const double Span = Track.GetEndTime() - Start;
		// A frame time that lands within a microsecond of a key counts as on it (floating-point slack).
		const int32_t NumFrames = static_cast<int32_t>(std::floor(Span * Settings.FrameRate + 1e-6)) + 1;

		Out = FBakedAnimation();
		Out.FrameRate = Settings.FrameRate;
		Out.NumFrames = NumFrames;
		Out.DurationSeconds = (NumFrames - 1) / Settings.FrameRate;
		Out.Curves.resize(Remapper.NumTargets());
		for (size_t Index = 0; Index < Remapper.NumTargets(); ++Index)
		{
			Out.Curves[Index].Name = Remapper.GetTargetNames()[Index];
			Out.Curves[Index].Keys.reserve(NumFrames);
		}
		Out.Joints.resize(Track.GetJointNames().size());
		for (size_t Index = 0; Index < Out.Joints.size(); ++Index)
		{
			Out.Joints[Index].Name = Track.GetJointNames()[Index];
			Out.Joints[Index].Rotations.reserve(NumFrames);
		}

		const FAxisConversion Axes(Settings.Facing);
		FPose Pose;
		std::vector<float> SourceValues;
		std::vector<float> TargetValues;
		for (int32_t Frame = 0; Frame < NumFrames; ++Frame)
		{
			const double Time = Frame / Settings.FrameRate;
			Track.Sample(Start + Time, Pose);
			MakeSourceValues(Pose, Settings.bIncludeAngleCurves, SourceValues);
			Remapper.Apply(SourceValues, TargetValues);
			for (size_t Index = 0; Index < TargetValues.size(); ++Index)
			{
				Out.Curves[Index].Keys.push_back({static_cast<float>(Time), TargetValues[Index]});
			}
			for (size_t Index = 0; Index < Pose.Joints.size(); ++Index)
			{
				Out.Joints[Index].Rotations.push_back(Axes.ToUnreal(Pose.Joints[Index]));
			}
		}
		for (FBakedCurve& Curve : Out.Curves)
		{
			ReduceKeys(Curve.Keys, Settings.KeyReductionTolerance);
		}
		return true;
	}
}
