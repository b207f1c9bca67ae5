// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "BoneIndices.h"

struct FCompactPose;

namespace FantasyTalking
{
	/**
	 * Rotates bones of Pose by joint deltas (Unreal component axes, relative to each joint's parent),
	 * each about its own pivot: the bone's component rotation becomes Delta * (the same for every
	 * driven ancestor) * its incoming rotation (FantasyTalking::ApplyJointDelta, tested in CTest).
	 * Invalid indices are skipped. Weight 0..1 blends each delta from identity.
	 */
	FANTASYTALKING_API void ApplyJointRotations(FCompactPose& Pose, TConstArrayView<FCompactPoseBoneIndex> Bones, TConstArrayView<FQuat> Deltas, float Weight);
}
