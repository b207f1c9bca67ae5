// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "LiveLinkRetargetAsset.h"

#include "FtalkCurveRemap.h"

#include "FantasyTalkingLiveLinkRetarget.generated.h"

class UFantasyTalkingCurveRemap;

/**
 * Retarget asset for the Live Link Pose node: puts the <Name>_Joints subject on any rig (each
 * joint's rotation is applied relative to its parent, whatever the bones' rest orientations)
 * and passes the <Name> curves through an optional remap table for rigs that do not use
 * Live Link Face names. MetaHumans need none of this: their ARKit mapping pose reads the curves.
 */
UCLASS(Blueprintable, meta = (DisplayName = "FantasyTalking Live Link Retarget"))
class FANTASYTALKINGLIVELINK_API UFantasyTalkingLiveLinkRetarget : public ULiveLinkRetargetAsset
{
	GENERATED_BODY()

public:
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Joints")
	FName JawBone = TEXT("jaw");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Joints")
	FName NeckBone = TEXT("neck");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Joints")
	FName HeadBone = TEXT("head");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Joints")
	FName LeftEyeBone = TEXT("eye_L");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Joints")
	FName RightEyeBone = TEXT("eye_R");

	/** Curve names and scaling for this rig; empty: Live Link Face names, unchanged. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Curves")
	TObjectPtr<UFantasyTalkingCurveRemap> Remap;

	/** Also flag the curves as morph targets. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Curves")
	bool bDriveMorphTargets = true;

	virtual void BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
		const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose) override;

	virtual void BuildPoseAndCurveFromBaseData(float DeltaTime, const FLiveLinkBaseStaticData* InBaseStaticData,
		const FLiveLinkBaseFrameData* InBaseFrameData, FCompactPose& OutPose, FBlendedCurve& OutCurve) override;

private:
	FName BoneFor(FName Joint) const;

	FantasyTalking::FCurveRemapper Remapper;
	TArray<FName> SourceNames;
	TArray<FName> TargetNames;
	TArray<float> TargetValues;
	const UFantasyTalkingCurveRemap* BuiltRemap = nullptr;
	int32 BuiltRevision = -1;
};
