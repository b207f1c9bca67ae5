// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Animation/AnimNodeBase.h"
#include "BoneContainer.h"
#include "FantasyTalkingTypes.h"

#include "FtalkCurveRemap.h"

#include "AnimNode_ApplyFantasyTalkingCurves.generated.h"

class UFantasyTalkingComponent;
class UFantasyTalkingCurveRemap;

/** Which bones of the rig the five FantasyTalking joints drive (leave a bone empty to skip it). */
USTRUCT(BlueprintType)
struct FANTASYTALKING_API FFantasyTalkingJointBones
{
	GENERATED_BODY()

	UPROPERTY(EditAnywhere, Category = "Joints")
	FBoneReference Jaw;

	UPROPERTY(EditAnywhere, Category = "Joints")
	FBoneReference Neck;

	UPROPERTY(EditAnywhere, Category = "Joints")
	FBoneReference Head;

	UPROPERTY(EditAnywhere, Category = "Joints")
	FBoneReference LeftEye;

	UPROPERTY(EditAnywhere, Category = "Joints")
	FBoneReference RightEye;
};

/**
 * Apply FantasyTalking Curves: writes the face of a UFantasyTalkingComponent into the pose, for
 * rigs without Live Link. Curves go through a remap table (names, multiplier, offset; Ready
 * Player Me, Apple or custom names) and are flagged as morph targets; the five joints rotate the
 * chosen bones relative to the incoming pose. The pose is copied from the component on the game
 * thread (PreUpdate), so evaluation on worker threads touches no UObject.
 */
USTRUCT(BlueprintInternalUseOnly)
struct FANTASYTALKING_API FAnimNode_ApplyFantasyTalkingCurves : public FAnimNode_Base
{
	GENERATED_BODY()

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Links")
	FPoseLink Source;

	/** The component to read; empty: the first UFantasyTalkingComponent on the owning actor. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Settings", meta = (PinHiddenByDefault))
	TObjectPtr<UFantasyTalkingComponent> Component;

	/** Curve names and scaling for this rig; empty: Live Link Face names, unchanged (MetaHuman, FantasyTalking heads). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Settings", meta = (PinHiddenByDefault))
	TObjectPtr<UFantasyTalkingCurveRemap> Remap;

	/** Blend of the face over the incoming pose, 0 to 1. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Settings", meta = (PinShownByDefault, ClampMin = "0", ClampMax = "1"))
	float Alpha = 1.0f;

	UPROPERTY(EditAnywhere, Category = "Settings")
	bool bApplyCurves = true;

	/** Also flag the curves as morph targets, so a mesh's morphs follow without curve metadata on the skeleton. */
	UPROPERTY(EditAnywhere, Category = "Settings", meta = (EditCondition = "bApplyCurves"))
	bool bDriveMorphTargets = true;

	UPROPERTY(EditAnywhere, Category = "Settings")
	bool bApplyJoints = false;

	UPROPERTY(EditAnywhere, Category = "Settings", meta = (EditCondition = "bApplyJoints"))
	FFantasyTalkingJointBones Bones;

	// FAnimNode_Base
	virtual void Initialize_AnyThread(const FAnimationInitializeContext& Context) override;
	virtual void CacheBones_AnyThread(const FAnimationCacheBonesContext& Context) override;
	virtual void Update_AnyThread(const FAnimationUpdateContext& Context) override;
	virtual void Evaluate_AnyThread(FPoseContext& Output) override;
	virtual void GatherDebugData(FNodeDebugData& DebugData) override;
	virtual bool HasPreUpdate() const override { return true; }
	virtual void PreUpdate(const UAnimInstance* InAnimInstance) override;

private:
	void RebuildRemap();

	/** Copied from the component in PreUpdate. */
	FFantasyTalkingPose Pose;
	/** The remap compiled against Pose's curve names. */
	FantasyTalking::FCurveRemapper Remapper;
	FantasyTalking::FCurveRemapSettings RemapSettings;
	TArray<FName> TargetNames;
	TArray<float> TargetValues;
	int32 BuiltLayoutVersion = -1;
	int32 BuiltRemapRevision = -1;
	const UFantasyTalkingCurveRemap* BuiltRemap = nullptr;
	bool bHasPose = false;
};
