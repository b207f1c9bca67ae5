// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingComponent.h"

#include "AudioCaptureCore.h"
#include "Components/AudioComponent.h"
#include "Components/SkeletalMeshComponent.h"
#include "FantasyTalkingClip.h"
#include "FantasyTalkingConversions.h"
#include "FantasyTalkingModule.h"
#include "FantasyTalkingSettings.h"
#include "FantasyTalkingSubsystem.h"
#include "GameFramework/Actor.h"
#include "HAL/PlatformTime.h"
#include "Misc/ScopeLock.h"
#include "Sound/SampleBufferIO.h"
#include "Sound/SoundWave.h"
#include "Sound/SoundWaveProcedural.h"

#include "FtalkCurveRemap.h"
#include "FtalkPcm.h"
#include "FtalkPlaybackClock.h"

#include <atomic>

/**
 * Everything the component shares with other threads (the microphone callback, C++ callers of
 * PushProceduralAudio). Held through a shared pointer so a late callback never outlives it.
 */
struct FFantasyTalkingStreamState
{
	/** Guards Stream and PlaybackBytesQueued against pushers on other threads. */
	FCriticalSection Lock;
	std::shared_ptr<FantasyTalking::FStream> Stream;
	bool bEnded = false;
	bool bInterrupted = false;
	bool bErrorReported = false;

	FantasyTalking::FPlaybackClock Clock;
	FantasyTalking::FAnimationLayout Layout;
	bool bHasLayout = false;
	FantasyTalking::FPose Sampled;
	std::vector<float> SourceValues;

	/** Playback through the procedural wave: bytes queued (lead-in included) and the lead-in's size. */
	std::atomic<int64> PlaybackBytesQueued{0};
	int64 LeadInBytes = 0;
	double PlaybackBytesPerSecond = 0.0;

	/** PCM still to push (sound waves are pushed as fast as the library's queue takes them). */
	std::vector<int16_t> PendingPush;
	size_t PendingOffset = 0;
	int32 ServerChannels = 1;
	int32 ServerSampleRate = 16000;

	/** Speech: all synthesised audio read from the library. */
	bool bSpeechAudioDone = false;

	TUniquePtr<Audio::FSoundWavePCMLoader> Loader;

	TUniquePtr<Audio::FAudioCapture> Capture;
	std::atomic<int64> CapturedFrames{0};
	int32 CaptureRate = 0;

	std::shared_ptr<FantasyTalking::FStream> GetStream()
	{
		FScopeLock ScopeLock(&Lock);
		return Stream;
	}
};

UFantasyTalkingComponent::UFantasyTalkingComponent()
{
	PrimaryComponentTick.bCanEverTick = true;
	PrimaryComponentTick.TickGroup = TG_PrePhysics;
	State = MakeShared<FFantasyTalkingStreamState, ESPMode::ThreadSafe>();
}

void UFantasyTalkingComponent::BeginPlay()
{
	Super::BeginPlay();
	EnsureAudioComponent();
	// Sample before the meshes animate, so the anim node reads this tick's pose, not the last one's.
	if (AActor* Owner = GetOwner())
	{
		TArray<USkeletalMeshComponent*> Meshes;
		Owner->GetComponents(Meshes);
		for (USkeletalMeshComponent* Mesh : Meshes)
		{
			Mesh->AddTickPrerequisiteComponent(this);
		}
	}
}

void UFantasyTalkingComponent::EndPlay(const EEndPlayReason::Type EndPlayReason)
{
	Stop();
	Super::EndPlay(EndPlayReason);
}

bool UFantasyTalkingComponent::Fail(const FString& Message)
{
	UE_LOG(LogFantasyTalking, Warning, TEXT("%s: %s"), *GetPathName(), *Message);
	OnError.Broadcast(Message);
	return false;
}

FFantasyTalkingAnimationOptions UFantasyTalkingComponent::GetEffectiveOptions() const
{
	return bUseProjectAnimationOptions ? UFantasyTalkingSettings::Get()->DefaultAnimation : Animation;
}

bool UFantasyTalkingComponent::EnsureAudioComponent()
{
	if (AudioComponent)
	{
		return true;
	}
	AActor* Owner = GetOwner();
	if (!Owner)
	{
		return false;
	}
	AudioComponent = NewObject<UAudioComponent>(Owner, TEXT("FantasyTalkingAudio"));
	AudioComponent->bAutoActivate = false;
	AudioComponent->bAutoDestroy = false;
	if (USceneComponent* Root = Owner->GetRootComponent())
	{
		AudioComponent->SetupAttachment(Root);
	}
	AudioComponent->RegisterComponent();
	return true;
}

bool UFantasyTalkingComponent::StartPlayback(int32 SampleRate, int32 NumChannels)
{
	if (!EnsureAudioComponent())
	{
		return Fail(TEXT("no audio component and no owner to create one on"));
	}
	PlaybackWave = NewObject<USoundWaveProcedural>(this);
	PlaybackWave->SetSampleRate(SampleRate);
	PlaybackWave->NumChannels = NumChannels;
	PlaybackWave->Duration = INDEFINITELY_LOOPING_DURATION;
	PlaybackWave->SoundGroup = SOUNDGROUP_Voice;
	PlaybackWave->bLooping = false;
	if (LoadingSound)
	{
		// Keep the original's mix and attenuation: only the decoding moved here.
		PlaybackWave->SoundClassObject = LoadingSound->SoundClassObject;
		PlaybackWave->AttenuationSettings = LoadingSound->AttenuationSettings;
	}

	State->PlaybackBytesPerSecond = FantasyTalking::Int16BytesPerSecond(SampleRate, NumChannels);
	const int32 LeadInFrames = FMath::RoundToInt(FMath::Max(LeadInSeconds, 0.0f) * SampleRate);
	State->LeadInBytes = static_cast<int64>(LeadInFrames) * NumChannels * 2;
	State->PlaybackBytesQueued = 0;
	TArray<int16> Silence;
	Silence.SetNumZeroed(LeadInFrames * NumChannels);
	QueuePlayback(Silence.GetData(), Silence.Num());

	AudioComponent->SetSound(PlaybackWave);
	AudioComponent->Play();
	return true;
}

void UFantasyTalkingComponent::QueuePlayback(const int16* Samples, int32 NumSamples)
{
	if (PlaybackWave && NumSamples > 0)
	{
		PlaybackWave->QueueAudio(reinterpret_cast<const uint8*>(Samples), NumSamples * static_cast<int32>(sizeof(int16)));
		State->PlaybackBytesQueued += static_cast<int64>(NumSamples) * 2;
	}
}

bool UFantasyTalkingComponent::PlaySoundWave(USoundWave* Sound)
{
	Stop();
	if (!Sound)
	{
		return Fail(TEXT("PlaySoundWave: no sound wave"));
	}
	if (!FFantasyTalkingModule::IsLibraryLoaded())
	{
		return Fail(FFantasyTalkingModule::GetLibraryError());
	}
	LoadingSound = Sound;
	Source = EFantasyTalkingSource::SoundWave;
	State->Loader = MakeUnique<Audio::FSoundWavePCMLoader>();
	TWeakObjectPtr<UFantasyTalkingComponent> WeakThis(this);
	State->Loader->LoadSoundWave(Sound, [WeakThis](const USoundWave*, const Audio::FSampleBuffer& Buffer)
	{
		if (UFantasyTalkingComponent* This = WeakThis.Get())
		{
			This->OnSoundWaveDecoded(Buffer.GetData(), Buffer.GetNumSamples(), Buffer.GetNumChannels(), Buffer.GetSampleRate());
		}
	});
	return true;
}

void UFantasyTalkingComponent::OnSoundWaveDecoded(const int16* Samples, int32 NumSamples, int32 NumChannels, int32 SampleRate)
{
	if (Source != EFantasyTalkingSource::SoundWave)
	{
		return; // stopped while decoding
	}
	if (NumSamples <= 0 || Samples == nullptr)
	{
		Source = EFantasyTalkingSource::None;
		Fail(FString::Printf(TEXT("%s decoded to no audio"), *GetNameSafe(LoadingSound)));
		return;
	}
	if (SampleRate < 8000 || SampleRate > 48000)
	{
		Source = EFantasyTalkingSource::None;
		Fail(FString::Printf(TEXT("%s is %d Hz; the server takes 8000 to 48000 Hz (resample it on import)"), *GetNameSafe(LoadingSound), SampleRate));
		return;
	}
	std::vector<int16_t> ForServer;
	const int32 ServerChannels = FantasyTalking::PrepareForServer(Samples, static_cast<size_t>(NumSamples), NumChannels, ForServer);
	if (ServerChannels == 0)
	{
		Source = EFantasyTalkingSource::None;
		Fail(FString::Printf(TEXT("%s has %d channels and %d samples: not whole frames"), *GetNameSafe(LoadingSound), NumChannels, NumSamples));
		return;
	}

	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = UFantasyTalkingSubsystem::Get() ? UFantasyTalkingSubsystem::Get()->GetClient(Error) : nullptr;
	if (!Client)
	{
		Source = EFantasyTalkingSource::None;
		Fail(Error);
		return;
	}
	std::unique_ptr<FantasyTalking::FStream> Opened;
	const FantasyTalking::FResult Result = FantasyTalking::FStream::OpenLive(Client, FTALK_AUDIO_PCM_S16LE, static_cast<uint32_t>(SampleRate),
		static_cast<uint32_t>(ServerChannels), FantasyTalking::ToCore(GetEffectiveOptions()), Opened, FantasyTalking::FStream::MaxIdleAfterMs);
	if (Result.IsError())
	{
		Source = EFantasyTalkingSource::None;
		Fail(FantasyTalking::ToUnreal(Result.Message));
		return;
	}
	{
		FScopeLock ScopeLock(&State->Lock);
		State->Stream = std::move(Opened);
	}
	State->PendingPush = std::move(ForServer);
	State->PendingOffset = 0;
	State->ServerChannels = ServerChannels;
	State->ServerSampleRate = SampleRate;
	State->Clock.Reset(-LeadInSeconds);
	State->Clock.OutputLatency = OutputLatencySeconds;
	PumpPendingAudio();
	if (StartPlayback(SampleRate, NumChannels))
	{
		QueuePlayback(Samples, NumSamples);
	}
}

void UFantasyTalkingComponent::PumpPendingAudio()
{
	const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream();
	if (!Stream || State->bEnded || State->PendingPush.empty())
	{
		return;
	}
	// Half a second per push keeps each call small; stop when the library's queue is full.
	const size_t Chunk = static_cast<size_t>(State->ServerSampleRate / 2) * static_cast<size_t>(State->ServerChannels);
	while (State->PendingOffset < State->PendingPush.size())
	{
		const size_t Count = FMath::Min(Chunk, State->PendingPush.size() - State->PendingOffset);
		const FantasyTalking::FResult Result = Stream->PushInt16(State->PendingPush.data() + State->PendingOffset, Count);
		if (Result.Status == FTALK_E_BUSY)
		{
			return;
		}
		if (Result.IsError())
		{
			Fail(FantasyTalking::ToUnreal(Result.Message));
			State->PendingPush.clear();
			return;
		}
		State->PendingOffset += Count;
	}
	State->PendingPush.clear();
	State->PendingOffset = 0;
	Stream->End();
	State->bEnded = true;
}

bool UFantasyTalkingComponent::StartProceduralAudio(int32 SampleRate, int32 NumChannels)
{
	Stop();
	if (SampleRate < 8000 || SampleRate > 48000 || NumChannels < 1 || NumChannels > 2)
	{
		return Fail(FString::Printf(TEXT("StartProceduralAudio: %d Hz, %d channels; the server takes 8000-48000 Hz, 1 or 2 channels"), SampleRate, NumChannels));
	}
	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = UFantasyTalkingSubsystem::Get() ? UFantasyTalkingSubsystem::Get()->GetClient(Error) : nullptr;
	if (!Client)
	{
		return Fail(Error);
	}
	std::unique_ptr<FantasyTalking::FStream> Opened;
	const FantasyTalking::FResult Result = FantasyTalking::FStream::OpenLive(Client, FTALK_AUDIO_PCM_S16LE, static_cast<uint32_t>(SampleRate),
		static_cast<uint32_t>(NumChannels), FantasyTalking::ToCore(GetEffectiveOptions()), Opened, FantasyTalking::FStream::MaxIdleAfterMs);
	if (Result.IsError())
	{
		return Fail(FantasyTalking::ToUnreal(Result.Message));
	}
	{
		FScopeLock ScopeLock(&State->Lock);
		State->Stream = std::move(Opened);
	}
	State->ServerChannels = NumChannels;
	State->ServerSampleRate = SampleRate;
	State->Clock.Reset(-LeadInSeconds);
	State->Clock.OutputLatency = OutputLatencySeconds;
	Source = EFantasyTalkingSource::ProceduralAudio;
	return StartPlayback(SampleRate, NumChannels);
}

bool UFantasyTalkingComponent::PushProceduralAudio(const TArray<float>& Samples)
{
	return PushProceduralAudioSamples(Samples.GetData(), Samples.Num());
}

bool UFantasyTalkingComponent::PushProceduralAudioSamples(const float* Samples, int32 NumSamples)
{
	if (NumSamples <= 0)
	{
		return true;
	}
	std::vector<int16_t> Pcm;
	FantasyTalking::FloatToInt16(Samples, static_cast<size_t>(NumSamples), Pcm);
	FScopeLock ScopeLock(&State->Lock);
	if (!State->Stream || State->bEnded)
	{
		return false;
	}
	// The stream first: a push it refuses (not whole frames, after end) is not played either.
	if (State->Stream->PushInt16(Pcm.data(), Pcm.size()).IsError())
	{
		return false;
	}
	QueuePlayback(Pcm.data(), NumSamples);
	return true;
}

void UFantasyTalkingComponent::KeepProceduralAudioGapless()
{
	// The server was asked not to fill gaps (its filler would move its clock ahead of what we play).
	// So when the producer falls behind, we play silence and send the very same silence: both
	// clocks advance together, and the face rests and blinks through the pause.
	if (Source != EFantasyTalkingSource::ProceduralAudio || State->bEnded || !PlaybackWave)
	{
		return;
	}
	const int64 FrameBytes = 2 * static_cast<int64>(State->ServerChannels);
	const int64 Target = FMath::Max<int64>(State->LeadInBytes, static_cast<int64>(0.05 * State->PlaybackBytesPerSecond));
	const int64 TopUp = FantasyTalking::GaplessTopUpBytes(PlaybackWave->GetAvailableAudioByteCount(), Target, FrameBytes);
	if (TopUp <= 0)
	{
		return;
	}
	TArray<int16> Silence;
	Silence.SetNumZeroed(static_cast<int32>(TopUp / 2));
	FScopeLock ScopeLock(&State->Lock);
	if (State->Stream && State->Stream->PushInt16(Silence.GetData(), static_cast<size_t>(Silence.Num())).IsOk())
	{
		QueuePlayback(Silence.GetData(), Silence.Num());
	}
}

void UFantasyTalkingComponent::EndProceduralAudio()
{
	const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream();
	if (Stream && !State->bEnded && Source == EFantasyTalkingSource::ProceduralAudio)
	{
		Stream->End();
		State->bEnded = true;
	}
}

bool UFantasyTalkingComponent::SpeakText(const FString& Text, const FString& Language, const FString& Voice)
{
	Stop();
	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = UFantasyTalkingSubsystem::Get() ? UFantasyTalkingSubsystem::Get()->GetClient(Error) : nullptr;
	if (!Client)
	{
		return Fail(Error);
	}
	const int32 Rate = FMath::Clamp(SpeechSampleRate, 8000, 48000);
	std::unique_ptr<FantasyTalking::FStream> Opened;
	const FantasyTalking::FResult Result = FantasyTalking::FStream::OpenSpeak(Client, FantasyTalking::ToStd(Text), FantasyTalking::ToStd(Language),
		FantasyTalking::ToStd(Voice), static_cast<uint32_t>(Rate), FantasyTalking::ToCore(GetEffectiveOptions()), Opened);
	if (Result.IsError())
	{
		return Fail(FantasyTalking::ToUnreal(Result.Message));
	}
	{
		FScopeLock ScopeLock(&State->Lock);
		State->Stream = std::move(Opened);
	}
	State->bEnded = true; // nothing to push: the server speaks
	State->bSpeechAudioDone = false;
	State->Clock.Reset(-LeadInSeconds);
	State->Clock.OutputLatency = OutputLatencySeconds;
	Source = EFantasyTalkingSource::Speech;
	return StartPlayback(Rate, 1);
}

void UFantasyTalkingComponent::PumpSpeechAudio()
{
	const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream();
	if (!Stream || State->bSpeechAudioDone)
	{
		return;
	}
	std::vector<int16_t> Audio;
	const FantasyTalking::FResult Result = Stream->ReadAudio(Audio);
	QueuePlayback(Audio.data(), static_cast<int32>(Audio.size()));
	if (Result.Status == FTALK_DONE || Result.IsError())
	{
		State->bSpeechAudioDone = true;
	}
}

bool UFantasyTalkingComponent::PlayClip(UFantasyTalkingClip* Clip)
{
	Stop();
	if (!Clip || Clip->GetNumFrames() == 0)
	{
		return Fail(TEXT("PlayClip: no clip, or a clip without frames"));
	}
	if (!Clip->HasAudio() || Clip->AudioChannels < 1)
	{
		return Fail(TEXT("PlayClip: the clip carries no audio"));
	}
	PlayingClip = Clip;
	SetLayout(Clip->Track.GetCurveNames(), Clip->Track.GetJointNames());
	State->bHasLayout = true;
	State->bEnded = true;
	State->Clock.Reset(-LeadInSeconds);
	State->Clock.OutputLatency = OutputLatencySeconds;
	Source = EFantasyTalkingSource::Clip;
	if (!StartPlayback(Clip->AudioSampleRate, Clip->AudioChannels))
	{
		Source = EFantasyTalkingSource::None;
		return false;
	}
	QueuePlayback(Clip->AudioSamples.GetData(), Clip->AudioSamples.Num());
	return true;
}

bool UFantasyTalkingComponent::StartMicrophone(int32 DeviceIndex)
{
	Stop();
	State->Capture = MakeUnique<Audio::FAudioCapture>();
	Audio::FCaptureDeviceInfo Info;
	if (!State->Capture->GetCaptureDeviceInfo(Info, DeviceIndex))
	{
		State->Capture.Reset();
		return Fail(FString::Printf(TEXT("StartMicrophone: no capture device %d"), DeviceIndex));
	}
	if (Info.PreferredSampleRate < 8000 || Info.PreferredSampleRate > 48000)
	{
		State->Capture.Reset();
		return Fail(FString::Printf(TEXT("StartMicrophone: %s runs at %d Hz; set it to 48000 Hz or less in the system's sound settings"),
			*Info.DeviceName, Info.PreferredSampleRate));
	}
	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = UFantasyTalkingSubsystem::Get() ? UFantasyTalkingSubsystem::Get()->GetClient(Error) : nullptr;
	if (!Client)
	{
		State->Capture.Reset();
		return Fail(Error);
	}
	const int32 ServerChannels = FMath::Clamp(Info.InputChannels, 1, 2) == Info.InputChannels ? Info.InputChannels : 1;
	std::unique_ptr<FantasyTalking::FStream> Opened;
	const FantasyTalking::FResult Result = FantasyTalking::FStream::OpenLive(Client, FTALK_AUDIO_PCM_S16LE, static_cast<uint32_t>(Info.PreferredSampleRate),
		static_cast<uint32_t>(ServerChannels), FantasyTalking::ToCore(GetEffectiveOptions()), Opened, FantasyTalking::FStream::MaxIdleAfterMs);
	if (Result.IsError())
	{
		State->Capture.Reset();
		return Fail(FantasyTalking::ToUnreal(Result.Message));
	}
	{
		FScopeLock ScopeLock(&State->Lock);
		State->Stream = std::move(Opened);
	}
	State->CaptureRate = Info.PreferredSampleRate;
	State->CapturedFrames = 0;
	State->Clock.Reset(0.0);
	State->Clock.OutputLatency = MicrophoneDelaySeconds;

	// Runs on the capture thread; holds the state, never the component.
	TSharedPtr<FFantasyTalkingStreamState, ESPMode::ThreadSafe> Shared = State;
	const int32 ExpectedRate = Info.PreferredSampleRate;
	Audio::FOnAudioCaptureFunction OnCapture = [Shared, ExpectedRate](const void* InAudio, int32 NumFrames, int32 NumChannels, int32 SampleRate, double, bool)
	{
		if (SampleRate != ExpectedRate || NumFrames <= 0 || NumChannels <= 0)
		{
			return;
		}
		std::vector<int16_t> Pcm;
		FantasyTalking::FloatToInt16(static_cast<const float*>(InAudio), static_cast<size_t>(NumFrames) * NumChannels, Pcm);
		std::vector<int16_t> ForServer;
		FantasyTalking::PrepareForServer(Pcm.data(), Pcm.size(), NumChannels, ForServer);
		const std::shared_ptr<FantasyTalking::FStream> Stream = Shared->GetStream();
		if (Stream && !ForServer.empty())
		{
			Stream->PushInt16(ForServer.data(), ForServer.size());
		}
		Shared->CapturedFrames += NumFrames;
	};
	Audio::FAudioCaptureDeviceParams Params;
	Params.DeviceIndex = DeviceIndex;
	if (!State->Capture->OpenAudioCaptureStream(Params, MoveTemp(OnCapture), 1024) || !State->Capture->StartStream())
	{
		Stop();
		return Fail(TEXT("StartMicrophone: the capture stream did not open (is the microphone allowed in the system's privacy settings?)"));
	}
	Source = EFantasyTalkingSource::Microphone;
	return true;
}

void UFantasyTalkingComponent::Interrupt()
{
	if (State->Capture.IsValid())
	{
		State->Capture->StopStream();
		State->Capture->CloseStream();
		State->Capture.Reset();
	}
	if (AudioComponent)
	{
		AudioComponent->Stop();
	}
	if (PlaybackWave)
	{
		PlaybackWave->ResetAudio();
	}
	State->PendingPush.clear();
	if (const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream())
	{
		Stream->Interrupt();
		if (!State->bEnded)
		{
			Stream->End();
			State->bEnded = true;
		}
		// From now on the face follows the newest frames: the server's settle to rest.
		State->bInterrupted = true;
	}
	State->Loader.Reset();
	if (Source != EFantasyTalkingSource::None)
	{
		Source = EFantasyTalkingSource::None;
		OnFinished.Broadcast(true);
	}
}

void UFantasyTalkingComponent::Stop()
{
	if (State->Capture.IsValid())
	{
		// Returns once the capture thread has left the callback.
		State->Capture->StopStream();
		State->Capture->CloseStream();
		State->Capture.Reset();
	}
	if (AudioComponent)
	{
		AudioComponent->Stop();
	}
	PlaybackWave = nullptr;
	LoadingSound = nullptr;
	PlayingClip = nullptr;
	{
		FScopeLock ScopeLock(&State->Lock);
		State->Stream.reset();
	}
	State->Loader.Reset();
	State->PendingPush.clear();
	State->PendingOffset = 0;
	State->bEnded = false;
	State->bInterrupted = false;
	State->bErrorReported = false;
	State->bSpeechAudioDone = false;
	State->bHasLayout = false;
	State->PlaybackBytesQueued = 0;
	Source = EFantasyTalkingSource::None;
}

void UFantasyTalkingComponent::UpdateLayout()
{
	const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream();
	if (State->bHasLayout || !Stream || !Stream->GetLayout(State->Layout))
	{
		return;
	}
	State->bHasLayout = true;
	SetLayout(State->Layout.CurveNames, State->Layout.JointNames);
}

void UFantasyTalkingComponent::SetLayout(const std::vector<std::string>& CurveNames, const std::vector<std::string>& JointNames)
{
	const TArray<FName> Names = FantasyTalking::ToNames(FantasyTalking::MakeSourceNames(CurveNames, true));
	const TArray<FName> Joints = FantasyTalking::ToNames(JointNames);
	if (Names != Pose.CurveNames || Joints != Pose.JointNames)
	{
		Pose.CurveNames = Names;
		Pose.JointNames = Joints;
		Pose.CurveValues.Init(0.0f, Names.Num());
		Pose.JointRotations.Init(FQuat::Identity, Joints.Num());
		++Pose.LayoutVersion;
	}
}

void UFantasyTalkingComponent::SamplePose(double AudioTime)
{
	if (!State->bHasLayout)
	{
		return;
	}
	if (PlayingClip)
	{
		if (!PlayingClip->Track.Sample(AudioTime, State->Sampled))
		{
			return;
		}
	}
	else
	{
		const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream();
		if (!Stream || Stream->Sample(AudioTime, State->Sampled).IsError())
		{
			return;
		}
	}
	FantasyTalking::MakeSourceValues(State->Sampled, true, State->SourceValues);
	const int32 NumCurves = FMath::Min(Pose.CurveValues.Num(), static_cast<int32>(State->SourceValues.size()));
	for (int32 Index = 0; Index < NumCurves; ++Index)
	{
		Pose.CurveValues[Index] = State->SourceValues[Index];
	}
	const FantasyTalking::FAxisConversion Axes(FantasyTalking::ToCore(Facing));
	const int32 NumJoints = FMath::Min(Pose.JointRotations.Num(), static_cast<int32>(State->Sampled.Joints.size()));
	for (int32 Index = 0; Index < NumJoints; ++Index)
	{
		Pose.JointRotations[Index] = FantasyTalking::ToUnreal(Axes.ToUnreal(State->Sampled.Joints[Index]));
	}
	Pose.AudioTime = AudioTime;
	Pose.bIdle = State->Sampled.bIdle;
}

void UFantasyTalkingComponent::CheckFinished()
{
	bool bStreamDone = true;
	if (const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream())
	{
		std::string Message;
		const ftalk_stream_result Result = Stream->GetResult(&Message);
		if (Result.state == FTALK_STREAM_FAILED && !State->bErrorReported)
		{
			State->bErrorReported = true;
			Fail(FantasyTalking::ToUnreal(Message));
		}
		bStreamDone = Result.state == FTALK_STREAM_FINISHED || Result.state == FTALK_STREAM_FAILED;
	}
	if (Source == EFantasyTalkingSource::None || Source == EFantasyTalkingSource::Microphone || !PlaybackWave)
	{
		return;
	}
	const bool bAllAudioIn = Source == EFantasyTalkingSource::Speech ? State->bSpeechAudioDone : State->bEnded;
	const bool bAllPlayed = PlaybackWave->GetAvailableAudioByteCount() == 0;
	if (bStreamDone && bAllAudioIn && bAllPlayed)
	{
		Source = EFantasyTalkingSource::None;
		if (AudioComponent)
		{
			AudioComponent->Stop();
		}
		OnFinished.Broadcast(false);
	}
}

void UFantasyTalkingComponent::TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction)
{
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);

	if (State->Loader.IsValid())
	{
		State->Loader->Update(); // calls OnSoundWaveDecoded once the wave is decoded
	}
	if (State->Loader.IsValid() && State->GetStream())
	{
		State->Loader.Reset(); // decoded and handed over; free its buffer
	}
	if (!State->GetStream() && !PlayingClip)
	{
		return;
	}
	PumpPendingAudio();
	KeepProceduralAudioGapless();
	if (Source == EFantasyTalkingSource::Speech)
	{
		PumpSpeechAudio();
	}
	UpdateLayout();

	const double Now = FPlatformTime::Seconds();
	if (PlaybackWave && State->PlaybackBytesPerSecond > 0.0)
	{
		const int64 Consumed = State->PlaybackBytesQueued.load() - PlaybackWave->GetAvailableAudioByteCount();
		State->Clock.Report(static_cast<double>(Consumed - State->LeadInBytes) / State->PlaybackBytesPerSecond, Now);
	}
	else if (State->Capture.IsValid() && State->CaptureRate > 0)
	{
		State->Clock.Report(static_cast<double>(State->CapturedFrames.load()) / State->CaptureRate, Now);
	}

	double AudioTime = State->Clock.Now(Now);
	const std::shared_ptr<FantasyTalking::FStream> Stream = State->GetStream();
	if (State->bInterrupted && Stream)
	{
		AudioTime = Stream->GetResult().latest_frame_time_s;
	}
	SamplePose(AudioTime);
	CheckFinished();
	FFantasyTalkingModule::OnPoseSampled().Broadcast(this, Pose);
}

float UFantasyTalkingComponent::GetCurveValue(FName LiveLinkName) const
{
	const int32 Index = Pose.CurveNames.IndexOfByKey(LiveLinkName);
	return Index != INDEX_NONE && Pose.CurveValues.IsValidIndex(Index) ? Pose.CurveValues[Index] : 0.0f;
}
