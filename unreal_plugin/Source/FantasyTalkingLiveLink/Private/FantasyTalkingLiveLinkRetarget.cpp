// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingLiveLinkRetarget.h"

#include "BonePose.h"
#include "FantasyTalkingConversions.h"
#include "FantasyTalkingCurveRemap.h"
#include "FantasyTalkingPoseUtils.h"
#include "Roles/LiveLinkAnimationTypes.h"

FName UFantasyTalkingLiveLinkRetarget::BoneFor(FName Joint) const
{
	switch (FantasyTalking::FindJoint(TCHAR_TO_UTF8(*Joint.ToString())))
	{
	case 0:
		return JawBone;
	case 1:
		return NeckBone;
	case 2:
		return HeadBone;
	case 3:
		return LeftEyeBone;
	case 4:
		return RightEyeBone;
	default:
		return NAME_None;
	}
}

void UFantasyTalkingLiveLinkRetarget::BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
	const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose)
{
	if (!InSkeletonData || !InFrameData)
	{
		return;
	}
	const FBoneContainer& RequiredBones = OutPose.GetBoneContainer();
	const TArray<FName>& Joints = InSkeletonData->GetBoneNames();
	const int32 Count = FMath::Min(Joints.Num(), InFrameData->Transforms.Num());
	TArray<FCompactPoseBoneIndex, TInlineAllocator<8>> Bones;
	TArray<FQuat, TInlineAllocator<8>> Deltas;
	for (int32 Index = 0; Index < Count; ++Index)
	{
		const FName Bone = BoneFor(Joints[Index]);
		const int32 MeshIndex = Bone.IsNone() ? INDEX_NONE : RequiredBones.GetPoseBoneIndexForBoneName(Bone);
		if (MeshIndex == INDEX_NONE)
		{
			continue;
		}
		const FCompactPoseBoneIndex CompactIndex = RequiredBones.MakeCompactPoseIndex(FMeshPoseBoneIndex(MeshIndex));
		if (CompactIndex.IsValid())
		{
			Bones.Add(CompactIndex);
			Deltas.Add(InFrameData->Transforms[Index].GetRotation());
		}
	}
	FantasyTalking::ApplyJointRotations(OutPose, Bones, Deltas, 1.0f);
}

void UFantasyTalkingLiveLinkRetarget::BuildPoseAndCurveFromBaseData(float DeltaTime, const FLiveLinkBaseStaticData* InBaseStaticData,
	const FLiveLinkBaseFrameData* InBaseFrameData, FCompactPose& OutPose, FBlendedCurve& OutCurve)
{
	if (!InBaseStaticData || !InBaseFrameData || InBaseStaticData->PropertyNames.Num() != InBaseFrameData->PropertyValues.Num())
	{
		return;
	}
	const int32 Revision = Remap ? Remap->GetRevision() : -1;
	if (InBaseStaticData->PropertyNames != SourceNames || Remap != BuiltRemap || Revision != BuiltRevision)
	{
		SourceNames = InBaseStaticData->PropertyNames;
		std::vector<std::string> Names;
		for (const FName& Name : SourceNames)
		{
			Names.push_back(FantasyTalking::ToStd(Name.ToString()));
		}
		if (!Remapper.Build(Names, Remap ? Remap->ToCore() : FantasyTalking::FCurveRemapSettings()))
		{
			Remapper.Build(Names, FantasyTalking::FCurveRemapSettings());
		}
		TargetNames = FantasyTalking::ToNames(Remapper.GetTargetNames());
		TargetValues.SetNumZeroed(TargetNames.Num());
		BuiltRemap = Remap;
		BuiltRevision = Revision;
	}
	Remapper.Apply(InBaseFrameData->PropertyValues.GetData(), static_cast<size_t>(InBaseFrameData->PropertyValues.Num()), TargetValues.GetData());
	for (int32 Index = 0; Index < TargetNames.Num(); ++Index)
	{
		OutCurve.Set(TargetNames[Index], TargetValues[Index]);
		if (bDriveMorphTargets)
		{
			OutCurve.SetFlags(TargetNames[Index], UE::Anim::ECurveElementFlags::MorphTarget);
		}
	}
}
