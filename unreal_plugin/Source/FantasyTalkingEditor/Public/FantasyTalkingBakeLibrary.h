// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "FantasyTalkingTypes.h"
#include "Kismet/BlueprintFunctionLibrary.h"

#include "FantasyTalkingBakeLibrary.generated.h"

class UAnimSequence;
class UFantasyTalkingClip;
class UFantasyTalkingCurveRemap;
class USkeleton;
class USoundWave;

/** What a bake makes. */
USTRUCT(BlueprintType)
struct FANTASYTALKINGEDITOR_API FFantasyTalkingBakeOptions
{
	GENERATED_BODY()

	/** The skeleton the sequence animates (a MetaHuman face, a Ready Player Me avatar, a FantasyTalking head). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bake")
	TObjectPtr<USkeleton> Skeleton;

	/** Keys per second. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bake", meta = (ClampMin = "1", ClampMax = "240"))
	int32 FrameRate = 30;

	/** Curve names for the rig; empty: Live Link Face names. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bake")
	TObjectPtr<UFantasyTalkingCurveRemap> Remap;

	/** Bake HeadYaw ... RightEyeRoll curves (Live Link normalised) too. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bake")
	bool bIncludeAngleCurves = true;

	/** Drop curve keys that linear interpolation reproduces within this (0 keeps every key). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bake", meta = (ClampMin = "0", ClampMax = "0.1"))
	float KeyReductionTolerance = 0.001f;

	/** Bake the five joints onto these bones (skipped when a bone is None or not in the skeleton). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	bool bBakeBones = true;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	FName JawBone = TEXT("jaw");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	FName NeckBone = TEXT("neck");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	FName HeadBone = TEXT("head");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	FName LeftEyeBone = TEXT("eye_L");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	FName RightEyeBone = TEXT("eye_R");

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Bones")
	EFantasyTalkingFacing Facing = EFantasyTalkingFacing::PlusY;

	/** Options for the server (fps is the server's rate; the bake resamples to FrameRate). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Animation")
	FFantasyTalkingAnimationOptions Animation;
};

/**
 * Editor Utility functions (usable from Editor Utility Blueprints and Python, e.g. for render-farm
 * batch jobs): sound wave → server (AnimateClip) → AnimSequence with curves and bone tracks.
 * The sampling, remapping, key reduction and joint maths are FantasyTalking::BakeTrack.
 */
UCLASS()
class FANTASYTALKINGEDITOR_API UFantasyTalkingBakeLibrary : public UBlueprintFunctionLibrary
{
	GENERATED_BODY()

public:
	/** Animates Sound on the server and saves an AnimSequence at PackagePath (e.g. /Game/Faces/Line01_Face). Blocking. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking|Bake")
	static UAnimSequence* BakeSoundWave(USoundWave* Sound, const FFantasyTalkingBakeOptions& Options, const FString& PackagePath, FString& OutError);

	/** Saves a clip you already have (Animate Sound Wave, Speak Text) as an AnimSequence. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking|Bake")
	static UAnimSequence* BakeClip(UFantasyTalkingClip* Clip, const FFantasyTalkingBakeOptions& Options, const FString& PackagePath, FString& OutError);
};
