// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"
#include "FtalkCurveRemap.h"
#include "FtalkFrameTrack.h"
#include "FtalkMath.h"

#include <string>
#include <vector>

namespace FantasyTalking
{
	struct FBakeSettings
	{
		/** Keys per second of the baked sequence. */
		double FrameRate = 30.0;
		/** Also bake the nine head and eye angle curves (Live Link normalised, radians / pi). */
		bool bIncludeAngleCurves = true;
		/** Curves whose linear interpolation stays within this of every sample lose their inner keys. 0 keeps every key. */
		float KeyReductionTolerance = 0.0f;
		/** Curve names and values as the target rig wants them. */
		FCurveRemapSettings Remap;
		/** How the character faces in its mesh, for the bone tracks. */
		EFacing Facing = EFacing::PlusY;
	};

	struct FCurveKey
	{
		float TimeSeconds = 0.0f;
		float Value = 0.0f;
	};

	struct FBakedCurve
	{
		std::string Name;
		std::vector<FCurveKey> Keys;
	};

	/** One rotation per baked frame, in Unreal component axes, relative to the joint's parent (see ApplyJointDelta). */
	struct FBakedJoint
	{
		std::string Name;
		std::vector<FQuatd> Rotations;
	};

	/** Engine-neutral result of a bake; the editor module writes it into a UAnimSequence. */
	struct FBakedAnimation
	{
		double FrameRate = 30.0;
		/** Frames sampled; frame k is at k / FrameRate. */
		int32_t NumFrames = 0;
		/** (NumFrames - 1) / FrameRate. */
		double DurationSeconds = 0.0;
		std::vector<FBakedCurve> Curves;
		std::vector<FBakedJoint> Joints;
	};

	/**
	 * Samples Track at FrameRate from its first to its last frame (times relative to the first),
	 * remaps the curves and converts the joints. False with a reason for an empty track, a frame
	 * rate outside 1..240, or a remap that does not build.
	 */
	FTALKCORE_API bool BakeTrack(const FFrameTrack& Track, const FBakeSettings& Settings, FBakedAnimation& Out, std::string* OutError = nullptr);

	/**
	 * Drops inner keys that linear interpolation between the kept neighbours reproduces within
	 * Tolerance at every dropped key (a greedy pass; the first and last key always stay).
	 */
	FTALKCORE_API void ReduceKeys(std::vector<FCurveKey>& Keys, float Tolerance);
}
