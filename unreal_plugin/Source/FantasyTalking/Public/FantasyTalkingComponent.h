// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Components/ActorComponent.h"
#include "FantasyTalkingTypes.h"

#include <string>
#include <vector>

#include "FantasyTalkingComponent.generated.h"

class UAudioComponent;
class USoundWave;
class USoundWaveProcedural;
class UFantasyTalkingClip;
struct FFantasyTalkingStreamState;

/** What drives the face now. */
UENUM(BlueprintType)
enum class EFantasyTalkingSource : uint8
{
	None,
	/** PlaySoundWave: a USoundWave, decoded and played by this component. */
	SoundWave,
	/** StartProceduralAudio / PushProceduralAudio: PCM your code produces (network voice, another TTS). */
	ProceduralAudio,
	/** SpeakText: the server's speech synthesis. */
	Speech,
	/** StartMicrophone: live capture, mirrored on the face (not played back). */
	Microphone,
	/** PlayClip: a finished clip and its audio, no server involved. */
	Clip,
};

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnFantasyTalkingFinished, bool, bInterrupted);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FOnFantasyTalkingError, const FString&, Message);

/**
 * Animates a face from audio: streams the audio to the server, plays it, and every tick samples
 * the server's frames at the audio's playback time (the audio is the clock, so the face never
 * drifts). The pose feeds the "Apply FantasyTalking Curves" anim node and, when
 * bPublishToLiveLink is set, a Live Link subject (FantasyTalkingLiveLink module).
 *
 * Audio is played through this component's audio component as a procedural sound, which lets
 * the component know exactly how much audio the mixer has consumed: that count, minus a short
 * lead-in of silence that gives the server its look-ahead, is the playback time. The stream holds
 * exactly the audio that is played (the server is told not to fill gaps on its own; when pushed
 * audio runs late the component plays and sends the same silence), so both clocks stay equal.
 */
UCLASS(ClassGroup = (FantasyTalking), meta = (BlueprintSpawnableComponent), HideCategories = (Activation, Collision, Cooking))
class FANTASYTALKING_API UFantasyTalkingComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	UFantasyTalkingComponent();

	/** Use the project's default animation options (Project Settings > Plugins > FantasyTalking) instead of Animation. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	bool bUseProjectAnimationOptions = true;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (EditCondition = "!bUseProjectAnimationOptions"))
	FFantasyTalkingAnimationOptions Animation;

	/** Plays the audio. Created at BeginPlay, attached to the owner's root, when left empty. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	TObjectPtr<UAudioComponent> AudioComponent;

	/** Which way the character faces in its mesh (for the joint rotations). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	EFantasyTalkingFacing Facing = EFantasyTalkingFacing::PlusY;

	/** Silence played before the audio, so the server's look-ahead frames are there when the audio is heard. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking|Timing", meta = (ClampMin = "0", ClampMax = "1", Units = "s"))
	float LeadInSeconds = 0.15f;

	/** How long after the mixer consumes audio it leaves the speakers; shifts every sample back. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking|Timing", meta = (ClampMin = "0", ClampMax = "0.5", Units = "s"))
	float OutputLatencySeconds = 0.0f;

	/** The microphone face lags the voice by this much (the server's look-ahead plus the network). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking|Timing", meta = (ClampMin = "0", ClampMax = "1", Units = "s"))
	float MicrophoneDelaySeconds = 0.15f;

	/** Sample rate of SpeakText's audio. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking", meta = (ClampMin = "8000", ClampMax = "48000"))
	int32 SpeechSampleRate = 24000;

	/** Publish the pose as Live Link subjects: <Name> (Basic role, 61 Live Link Face curves) and <Name>_Joints (Animation role). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking|Live Link")
	bool bPublishToLiveLink = false;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking|Live Link", meta = (EditCondition = "bPublishToLiveLink"))
	FName LiveLinkSubjectName = TEXT("FantasyTalking");

	/** The audio finished playing and its last frame is shown (bInterrupted after Interrupt). */
	UPROPERTY(BlueprintAssignable, Category = "FantasyTalking")
	FOnFantasyTalkingFinished OnFinished;

	/** The server, the library or the audio failed; the message says what to do. */
	UPROPERTY(BlueprintAssignable, Category = "FantasyTalking")
	FOnFantasyTalkingError OnError;

	/** Decodes Sound, streams it, and plays it when the first frames are ready. False (and OnError) when it cannot start. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool PlaySoundWave(USoundWave* Sound);

	/** Opens a stream for PCM you push with PushProceduralAudio (1 or 2 channels, 8-48 kHz) and plays it. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool StartProceduralAudio(int32 SampleRate = 16000, int32 NumChannels = 1);

	/** Interleaved float samples in [-1, 1]. False when no procedural stream is open or it refused them. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool PushProceduralAudio(const TArray<float>& Samples);

	/** PushProceduralAudio for C++, callable from any thread (an audio or network thread) while the component lives. */
	bool PushProceduralAudioSamples(const float* Samples, int32 NumSamples);

	/** No more procedural audio: the last frames are flushed, OnFinished follows when it has played. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	void EndProceduralAudio();

	/** Server text-to-speech: plays the voice and animates the face from the synthesiser's own phone timings. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool SpeakText(const FString& Text, const FString& Language = TEXT("en-US"), const FString& Voice = TEXT(""));

	/** Plays a clip from Animate Sound Wave or Speak Text with its audio; needs no server. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool PlayClip(UFantasyTalkingClip* Clip);

	/** Captures a microphone (-1: the default device) and mirrors it on the face, MicrophoneDelaySeconds behind. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool StartMicrophone(int32 DeviceIndex = -1);

	/** Stops the audio now; the server settles the face to rest over 200 ms. The component is then idle. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	void Interrupt();

	/** Stops everything at once and closes the stream; the pose holds where it was. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	void Stop();

	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	EFantasyTalkingSource GetSource() const { return Source; }

	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	FFantasyTalkingPose GetCurrentPose() const { return Pose; }

	/** A curve of the current pose by its Live Link name (JawOpen, HeadYaw); 0 when absent. */
	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	float GetCurveValue(FName LiveLinkName) const;

	/** The pose sampled this tick (C++; the anim node copies it in PreUpdate). */
	const FFantasyTalkingPose& GetPose() const { return Pose; }

	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type EndPlayReason) override;
	virtual void TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) override;

private:
	bool Fail(const FString& Message);
	FFantasyTalkingAnimationOptions GetEffectiveOptions() const;
	bool EnsureAudioComponent();
	bool StartPlayback(int32 SampleRate, int32 NumChannels);
	void QueuePlayback(const int16* Samples, int32 NumSamples);
	void OnSoundWaveDecoded(const int16* Samples, int32 NumSamples, int32 NumChannels, int32 SampleRate);
	void PumpPendingAudio();
	void KeepProceduralAudioGapless();
	void PumpSpeechAudio();
	void UpdateLayout();
	void SetLayout(const std::vector<std::string>& CurveNames, const std::vector<std::string>& JointNames);
	void SamplePose(double AudioTime);
	void CheckFinished();

	UPROPERTY(Transient)
	TObjectPtr<USoundWaveProcedural> PlaybackWave;

	UPROPERTY(Transient)
	TObjectPtr<USoundWave> LoadingSound;

	UPROPERTY(Transient)
	TObjectPtr<UFantasyTalkingClip> PlayingClip;

	EFantasyTalkingSource Source = EFantasyTalkingSource::None;
	FFantasyTalkingPose Pose;
	TSharedPtr<FFantasyTalkingStreamState, ESPMode::ThreadSafe> State;
};
