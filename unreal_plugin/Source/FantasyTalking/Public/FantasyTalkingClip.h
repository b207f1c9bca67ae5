// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "FantasyTalkingTypes.h"
#include "UObject/Object.h"

#include "FtalkFrameTrack.h"

#include "FantasyTalkingClip.generated.h"

/**
 * A finished animation (Animate Sound Wave, Speak Text), optionally with its audio: play it on
 * a UFantasyTalkingComponent as often as you like without the server, sample it yourself, or
 * bake it into an AnimSequence in the editor.
 */
UCLASS(BlueprintType)
class FANTASYTALKING_API UFantasyTalkingClip : public UObject
{
	GENERATED_BODY()

public:
	/** Seconds from the first frame to the last. */
	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	float GetDuration() const;

	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	int32 GetNumFrames() const { return static_cast<int32>(Track.Num()); }

	/** Whether the clip carries its audio (Speak Text always does; Animate Sound Wave does). */
	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	bool HasAudio() const { return AudioSamples.Num() > 0; }

	/** The pose at Time seconds (weights linear, joints slerped between frames), joints for the given facing. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	FFantasyTalkingPose SamplePose(float Time, EFantasyTalkingFacing Facing = EFantasyTalkingFacing::PlusY) const;

	/** The frames, on the audio's clock. */
	FantasyTalking::FFrameTrack Track;

	/** 16-bit PCM of the audio, interleaved; empty when the clip has none. */
	TArray<int16> AudioSamples;
	int32 AudioSampleRate = 0;
	int32 AudioChannels = 0;
};
