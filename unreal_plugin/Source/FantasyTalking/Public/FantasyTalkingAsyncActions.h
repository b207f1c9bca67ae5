// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "FantasyTalkingTypes.h"
#include "Kismet/BlueprintAsyncActionBase.h"

#include "FantasyTalkingAsyncActions.generated.h"

class UFantasyTalkingClip;
class USkeletalMesh;
class USoundWave;

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnFantasyTalkingClipResult, UFantasyTalkingClip*, Clip, const FString&, Error);

/**
 * Animate Sound Wave: the whole sound to the server at once (AnimateClip), frames back as a clip
 * that carries the audio too. Faster than real time; for dialogue known in advance.
 */
UCLASS()
class FANTASYTALKING_API UFantasyTalkingAnimateSoundWave : public UBlueprintAsyncActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking", meta = (BlueprintInternalUseOnly = "true", DisplayName = "Animate Sound Wave", AutoCreateRefTerm = "Options"))
	static UFantasyTalkingAnimateSoundWave* AnimateSoundWave(USoundWave* Sound, const FFantasyTalkingAnimationOptions& Options);

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingClipResult OnSuccess;

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingClipResult OnFailure;

	virtual void Activate() override;

private:
	void Finish(UFantasyTalkingClip* Clip, const FString& Error);

	UPROPERTY()
	TObjectPtr<USoundWave> Sound;

	FFantasyTalkingAnimationOptions Options;
};

/** Speak Text: the server's speech synthesis, audio and face together, as a clip. */
UCLASS()
class FANTASYTALKING_API UFantasyTalkingSpeakText : public UBlueprintAsyncActionBase
{
	GENERATED_BODY()

public:
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking", meta = (BlueprintInternalUseOnly = "true", DisplayName = "Speak Text", AutoCreateRefTerm = "Options"))
	static UFantasyTalkingSpeakText* SpeakText(const FString& Text, const FString& Language, const FString& Voice,
		const FFantasyTalkingAnimationOptions& Options, int32 SampleRate = 24000);

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingClipResult OnSuccess;

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingClipResult OnFailure;

	virtual void Activate() override;

private:
	void Finish(UFantasyTalkingClip* Clip, const FString& Error);

	FString Text;
	FString Language;
	FString Voice;
	FFantasyTalkingAnimationOptions Options;
	int32 SampleRate = 24000;
};

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FOnFantasyTalkingHeadProgress, const FString&, Stage, float, Fraction);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_FourParams(FOnFantasyTalkingHeadResult, USkeletalMesh*, Mesh, const TArray<uint8>&, Glb, const FString&, SavedPath, const FString&, Error);

/**
 * Create Head From Image: a portrait in, a GLB with 52 ARKit morph targets and a face skeleton
 * out. The GLB is written to SavePath (when given) and, when the glTFRuntime plugin is installed,
 * loaded as a USkeletalMesh at runtime (Docs/CreateHead.md).
 */
UCLASS()
class FANTASYTALKING_API UFantasyTalkingCreateHead : public UBlueprintAsyncActionBase
{
	GENERATED_BODY()

public:
	/**
	 * ImagePath: a JPEG, PNG or WebP file. SavePath: where to write the .glb (optional). TextureSize: 512-4096 (0: 1024).
	 * Hair: "" or "auto" (chosen from the photo), "none", or a style (short02, short04, bob02, long01, ponytail01, afro01).
	 * Lod: 0 the full head, 1-3 a half, a quarter, an eighth of its triangles (same morph targets and skeleton).
	 */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking", meta = (BlueprintInternalUseOnly = "true", DisplayName = "Create Head From Image"))
	static UFantasyTalkingCreateHead* CreateHeadFromImage(const FString& ImagePath, const FString& SavePath, int32 TextureSize = 1024,
		const FString& Hair = TEXT(""), int32 Lod = 0);

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingHeadProgress OnProgress;

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingHeadResult OnSuccess;

	UPROPERTY(BlueprintAssignable)
	FOnFantasyTalkingHeadResult OnFailure;

	virtual void Activate() override;

private:
	void Finish(TArray<uint8> Glb, const FString& Error);

	FString ImagePath;
	FString SavePath;
	int32 TextureSize = 1024;
	FString Hair;
	int32 Lod = 0;
};
