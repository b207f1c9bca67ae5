// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"

#include "FantasyTalkingTypes.generated.h"

/** Which curves the server sends (fantasytalking.v1.RigProfile). */
UENUM(BlueprintType)
enum class EFantasyTalkingRigProfile : uint8
{
	/** The 52 ARKit curves under Live Link Face names. */
	Arkit52 UMETA(DisplayName = "ARKit 52"),
	/** ARKit 52 plus TongueTipUp, TongueBackUp, TongueBetweenTeeth, TongueWide. */
	Arkit52Tongue UMETA(DisplayName = "ARKit 52 + Tongue"),
	/** ARKit 52 plus the 15 Oculus visemes (viseme_sil ... viseme_U). */
	Arkit52Visemes UMETA(DisplayName = "ARKit 52 + Visemes"),
};

/** How a rig spells the ARKit curves (see FantasyTalking::ECurveNaming). */
UENUM(BlueprintType)
enum class EFantasyTalkingCurveNaming : uint8
{
	/** EyeBlinkLeft, JawOpen: Live Link Face, MetaHuman's ARKit mapping pose, FantasyTalking heads. */
	LiveLinkFace,
	/** eyeBlinkLeft, jawOpen: Ready Player Me and most glTF avatars. */
	ArkitCamelCase UMETA(DisplayName = "ARKit camelCase"),
	/** eyeBlink_L, jawOpen: Apple's ARBlendShapeLocation names. */
	AppleArkit UMETA(DisplayName = "Apple ARKit"),
};

/** Ready-made remap tables. */
UENUM(BlueprintType)
enum class EFantasyTalkingRemapPreset : uint8
{
	MetaHuman,
	ReadyPlayerMe,
	AppleArkit UMETA(DisplayName = "Apple ARKit"),
};

/** Which way a character looks in its mesh's component space. */
UENUM(BlueprintType)
enum class EFantasyTalkingFacing : uint8
{
	/** +Y: the Unreal Mannequin, MetaHumans, meshes imported from FBX or glTF with default settings. */
	PlusY UMETA(DisplayName = "+Y"),
	MinusY UMETA(DisplayName = "-Y"),
	PlusX UMETA(DisplayName = "+X"),
	MinusX UMETA(DisplayName = "-X"),
};

/** fantasytalking.v1.AnimationOptions for Blueprints. Negative values mean the server's default. */
USTRUCT(BlueprintType)
struct FANTASYTALKING_API FFantasyTalkingAnimationOptions
{
	GENERATED_BODY()

	/** Frames per second the server produces, 1 to 120. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (ClampMin = "1", ClampMax = "120"))
	int32 Fps = 30;

	/** How far the engine may look ahead, in milliseconds (0 to 500); -1 for the server's 100. More look-ahead, better anticipation, more latency. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (ClampMin = "-1", ClampMax = "500"))
	int32 LookaheadMs = -1;

	/** BCP-47 language hint ("en-US", "zh-CN"); empty when unknown. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	FString Language;

	/** Head and neck motion, 0 to 2; -1 for the default 1. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (ClampMin = "-1", ClampMax = "2"))
	float HeadMotion = -1.0f;

	/** Blink rate, 0 (never) to 2; -1 for the default 1. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (ClampMin = "-1", ClampMax = "2"))
	float Blink = -1.0f;

	/** Brows, cheeks and smile following prosody, 0 to 2; -1 for the default 1. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (ClampMin = "-1", ClampMax = "2"))
	float Expression = -1.0f;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	EFantasyTalkingRigProfile Rig = EFantasyTalkingRigProfile::Arkit52;

	/** Seed of blinks, gaze and head drift: equal seeds, equal animation. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	int32 Seed = 0;

	/** Held emotions by name (amazement, anger, cheekiness, disgust, fear, grief, joy, outofbreath, pain, sadness), 0 to 1. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	TMap<FName, float> Emotions;
};

/**
 * The face at one instant, as the component sampled it on the audio clock.
 *
 * Curves carry Live Link Face names (the server's curves, then the nine head and eye angles as
 * Live Link normalises them: radians / pi). Joint rotations are deltas relative to each joint's
 * parent, already in Unreal component axes for the component's facing (see ApplyJointDelta).
 */
USTRUCT(BlueprintType)
struct FANTASYTALKING_API FFantasyTalkingPose
{
	GENERATED_BODY()

	UPROPERTY(BlueprintReadOnly, Category = "FantasyTalking")
	TArray<FName> CurveNames;

	UPROPERTY(BlueprintReadOnly, Category = "FantasyTalking")
	TArray<float> CurveValues;

	/** jaw, neck, head, eye_L, eye_R. */
	UPROPERTY(BlueprintReadOnly, Category = "FantasyTalking")
	TArray<FName> JointNames;

	UPROPERTY(BlueprintReadOnly, Category = "FantasyTalking")
	TArray<FQuat> JointRotations;

	/** The audio time this pose was sampled at, in seconds. */
	UPROPERTY(BlueprintReadOnly, Category = "FantasyTalking")
	double AudioTime = 0.0;

	/** True when no speech drives this pose (idle motion only). */
	UPROPERTY(BlueprintReadOnly, Category = "FantasyTalking")
	bool bIdle = true;

	/** Bumped whenever CurveNames change, so consumers rebuild their name tables only then. */
	int32 LayoutVersion = 0;
};
