// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingPoseUtils.h"

#include "BonePose.h"
#include "FantasyTalkingConversions.h"

namespace FantasyTalking
{
	void ApplyJointRotations(FCompactPose& Pose, TConstArrayView<FCompactPoseBoneIndex> Bones, TConstArrayView<FQuat> Deltas, float Weight)
	{
		const FBoneContainer& RequiredBones = Pose.GetBoneContainer();
		// Every parent rotation comes from the incoming pose, as ApplyJointDelta expects.
		FCSPose<FCompactPose> ComponentPose;
		ComponentPose.InitPose(Pose);
		const int32 Count = FMath::Min(Bones.Num(), Deltas.Num());
		for (int32 Index = 0; Index < Count; ++Index)
		{
			const FCompactPoseBoneIndex Bone = Bones[Index];
			if (!Bone.IsValid() || Bone.GetInt() >= Pose.GetNumBones())
			{
				continue;
			}
			const FCompactPoseBoneIndex Parent = RequiredBones.GetParentBoneIndex(Bone);
			const FQuat ParentRotation = Parent.IsValid() ? ComponentPose.GetComponentSpaceTransform(Parent).GetRotation() : FQuat::Identity;
			const FQuat Delta = FQuat::Slerp(FQuat::Identity, Deltas[Index], FMath::Clamp(Weight, 0.0f, 1.0f));
			const FQuatd Local = ApplyJointDelta(ToCore(ParentRotation), ToCore(Pose[Bone].GetRotation()), ToCore(Delta));
			Pose[Bone].SetRotation(ToUnreal(Local));
		}
	}
}
