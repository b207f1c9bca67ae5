// Copyright FantasyTalking contributors. Apache-2.0.

#include "AnimGraphNode_ApplyFantasyTalkingCurves.h"

#include "Animation/Skeleton.h"
#include "Kismet2/CompilerResultsLog.h"

#define LOCTEXT_NAMESPACE "FantasyTalkingAnimGraph"

FText UAnimGraphNode_ApplyFantasyTalkingCurves::GetNodeTitle(ENodeTitleType::Type TitleType) const
{
	return LOCTEXT("NodeTitle", "Apply FantasyTalking Curves");
}

FText UAnimGraphNode_ApplyFantasyTalkingCurves::GetTooltipText() const
{
	return LOCTEXT("NodeTooltip", "Writes the face of the owner's FantasyTalking component into the pose: ARKit curves through a remap table "
		"(names, multiplier, offset) and, optionally, jaw, neck, head and eye rotations onto the bones you pick.");
}

FLinearColor UAnimGraphNode_ApplyFantasyTalkingCurves::GetNodeTitleColor() const
{
	return FLinearColor(0.75f, 0.4f, 0.9f);
}

FString UAnimGraphNode_ApplyFantasyTalkingCurves::GetNodeCategory() const
{
	return TEXT("FantasyTalking");
}

void UAnimGraphNode_ApplyFantasyTalkingCurves::ValidateAnimNodeDuringCompilation(USkeleton* ForSkeleton, FCompilerResultsLog& MessageLog)
{
	Super::ValidateAnimNodeDuringCompilation(ForSkeleton, MessageLog);
	if (!Node.bApplyCurves && !Node.bApplyJoints)
	{
		MessageLog.Warning(*LOCTEXT("NothingApplied", "@@ applies neither curves nor joints").ToString(), this);
	}
	if (Node.bApplyJoints && ForSkeleton)
	{
		const FReferenceSkeleton& Reference = ForSkeleton->GetReferenceSkeleton();
		const FBoneReference* Bones[] = {&Node.Bones.Jaw, &Node.Bones.Neck, &Node.Bones.Head, &Node.Bones.LeftEye, &Node.Bones.RightEye};
		for (const FBoneReference* Bone : Bones)
		{
			if (!Bone->BoneName.IsNone() && Reference.FindBoneIndex(Bone->BoneName) == INDEX_NONE)
			{
				MessageLog.Warning(*FText::Format(LOCTEXT("MissingBone", "@@: bone {0} is not in the skeleton"), FText::FromName(Bone->BoneName)).ToString(), this);
			}
		}
	}
}

#undef LOCTEXT_NAMESPACE
