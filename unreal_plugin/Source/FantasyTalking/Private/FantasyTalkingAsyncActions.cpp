// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingAsyncActions.h"

#include "Async/Async.h"
#include "FantasyTalkingClip.h"
#include "FantasyTalkingConversions.h"
#include "FantasyTalkingModule.h"
#include "FantasyTalkingSubsystem.h"
#include "Misc/FileHelper.h"
#include "Misc/Paths.h"
#include "Sound/SampleBufferIO.h"
#include "Sound/SoundWave.h"

#include "FtalkPcm.h"

#if WITH_FANTASYTALKING_GLTFRUNTIME
#include "glTFRuntimeAsset.h"
#include "glTFRuntimeFunctionLibrary.h"
#endif

namespace
{
	/** The client for a node, or null with the reason. */
	std::shared_ptr<FantasyTalking::FClient> ClientFor(FString& OutError)
	{
		UFantasyTalkingSubsystem* Subsystem = UFantasyTalkingSubsystem::Get();
		if (!Subsystem)
		{
			OutError = TEXT("FantasyTalking: the engine subsystem is not available yet");
			return nullptr;
		}
		return Subsystem->GetClient(OutError);
	}

	/** Decodes a sound wave to 16-bit PCM on the game thread. */
	bool DecodeSoundWave(USoundWave* Sound, TArray<int16>& OutSamples, int32& OutSampleRate, int32& OutChannels)
	{
		Audio::FSoundWavePCMLoader Loader;
		bool bLoaded = false;
		Loader.LoadSoundWave(Sound, [&](const USoundWave*, const Audio::FSampleBuffer& Buffer)
		{
			OutSamples.Append(Buffer.GetData(), Buffer.GetNumSamples());
			OutSampleRate = Buffer.GetSampleRate();
			OutChannels = Buffer.GetNumChannels();
			bLoaded = true;
		}, true);
		Loader.Update();
		return bLoaded && OutSamples.Num() > 0;
	}
}

// Animate Sound Wave ---------------------------------------------------------------------------------

UFantasyTalkingAnimateSoundWave* UFantasyTalkingAnimateSoundWave::AnimateSoundWave(USoundWave* InSound, const FFantasyTalkingAnimationOptions& InOptions)
{
	UFantasyTalkingAnimateSoundWave* Action = NewObject<UFantasyTalkingAnimateSoundWave>();
	Action->Sound = InSound;
	Action->Options = InOptions;
	return Action;
}

void UFantasyTalkingAnimateSoundWave::Activate()
{
	if (!Sound)
	{
		Finish(nullptr, TEXT("Animate Sound Wave: no sound wave"));
		return;
	}
	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = ClientFor(Error);
	if (!Client)
	{
		Finish(nullptr, Error);
		return;
	}
	TArray<int16> Samples;
	int32 SampleRate = 0;
	int32 Channels = 0;
	if (!DecodeSoundWave(Sound, Samples, SampleRate, Channels))
	{
		Finish(nullptr, FString::Printf(TEXT("Animate Sound Wave: %s could not be decoded"), *Sound->GetName()));
		return;
	}
	std::vector<int16_t> ForServer;
	const int32 ServerChannels = FantasyTalking::PrepareForServer(Samples.GetData(), static_cast<size_t>(Samples.Num()), Channels, ForServer);
	if (ServerChannels == 0)
	{
		Finish(nullptr, FString::Printf(TEXT("Animate Sound Wave: %s has a partial sample frame"), *Sound->GetName()));
		return;
	}

	AddToRoot(); // alive until Finish, whatever the Blueprint holds
	TWeakObjectPtr<UFantasyTalkingAnimateSoundWave> WeakThis(this);
	const FantasyTalking::FAnimationSettings Settings = FantasyTalking::ToCore(Options);
	Async(EAsyncExecution::ThreadPool, [WeakThis, Client, Settings, ForServer = MoveTemp(ForServer), Samples = MoveTemp(Samples), SampleRate, Channels, ServerChannels]() mutable
	{
		FantasyTalking::FFrameTrack Track;
		const FantasyTalking::FResult Result = FantasyTalking::AnimatePcm(*Client, ForServer.data(), ForServer.size() * sizeof(int16_t),
			FTALK_AUDIO_PCM_S16LE, static_cast<uint32_t>(SampleRate), static_cast<uint32_t>(ServerChannels), Settings, Track);
		AsyncTask(ENamedThreads::GameThread, [WeakThis, Result, Track = MoveTemp(Track), Samples = MoveTemp(Samples), SampleRate, Channels]() mutable
		{
			UFantasyTalkingAnimateSoundWave* This = WeakThis.Get();
			if (!This)
			{
				return;
			}
			if (Result.IsError())
			{
				This->Finish(nullptr, FantasyTalking::ToUnreal(Result.Message));
				return;
			}
			UFantasyTalkingClip* Clip = NewObject<UFantasyTalkingClip>();
			Clip->Track = MoveTemp(Track);
			Clip->AudioSamples = MoveTemp(Samples);
			Clip->AudioSampleRate = SampleRate;
			Clip->AudioChannels = Channels;
			This->Finish(Clip, FString());
		});
	});
}

void UFantasyTalkingAnimateSoundWave::Finish(UFantasyTalkingClip* Clip, const FString& Error)
{
	if (Clip)
	{
		OnSuccess.Broadcast(Clip, FString());
	}
	else
	{
		UE_LOG(LogFantasyTalking, Warning, TEXT("%s"), *Error);
		OnFailure.Broadcast(nullptr, Error);
	}
	RemoveFromRoot();
	SetReadyToDestroy();
}

// Speak Text -------------------------------------------------------------------------------------------

UFantasyTalkingSpeakText* UFantasyTalkingSpeakText::SpeakText(const FString& InText, const FString& InLanguage, const FString& InVoice,
	const FFantasyTalkingAnimationOptions& InOptions, int32 InSampleRate)
{
	UFantasyTalkingSpeakText* Action = NewObject<UFantasyTalkingSpeakText>();
	Action->Text = InText;
	Action->Language = InLanguage;
	Action->Voice = InVoice;
	Action->Options = InOptions;
	Action->SampleRate = FMath::Clamp(InSampleRate, 8000, 48000);
	return Action;
}

void UFantasyTalkingSpeakText::Activate()
{
	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = ClientFor(Error);
	if (!Client)
	{
		Finish(nullptr, Error);
		return;
	}
	AddToRoot();
	TWeakObjectPtr<UFantasyTalkingSpeakText> WeakThis(this);
	Async(EAsyncExecution::ThreadPool, [WeakThis, Client, Text = FantasyTalking::ToStd(Text), Language = FantasyTalking::ToStd(Language),
		Voice = FantasyTalking::ToStd(Voice), Settings = FantasyTalking::ToCore(Options), Rate = SampleRate]()
	{
		std::unique_ptr<FantasyTalking::FStream> Stream;
		FantasyTalking::FResult Result = FantasyTalking::FStream::OpenSpeak(Client, Text, Language, Voice, static_cast<uint32_t>(Rate), Settings, Stream);
		std::vector<int16_t> Audio;
		FantasyTalking::FFrameTrack Track;
		if (Result.IsOk())
		{
			// Read the audio as it comes until the stream is done and every byte is read.
			for (;;)
			{
				const FantasyTalking::FResult Read = Stream->ReadAudio(Audio);
				if (Read.Status == FTALK_DONE || Read.IsError())
				{
					break;
				}
				Stream->Wait(20);
			}
			Stream->Wait(Client->GetSettings().CallTimeoutMs);
			std::string Message;
			const ftalk_stream_result Outcome = Stream->GetResult(&Message);
			Result = Outcome.state == FTALK_STREAM_FAILED ? FantasyTalking::FResult::Error(Outcome.error, Message) : Stream->CopyFramesTo(Track);
		}
		AsyncTask(ENamedThreads::GameThread, [WeakThis, Result, Track = MoveTemp(Track), Audio = MoveTemp(Audio), Rate]() mutable
		{
			UFantasyTalkingSpeakText* This = WeakThis.Get();
			if (!This)
			{
				return;
			}
			if (Result.IsError())
			{
				This->Finish(nullptr, FantasyTalking::ToUnreal(Result.Message));
				return;
			}
			UFantasyTalkingClip* Clip = NewObject<UFantasyTalkingClip>();
			Clip->Track = MoveTemp(Track);
			Clip->AudioSamples.Append(Audio.data(), static_cast<int32>(Audio.size()));
			Clip->AudioSampleRate = Rate;
			Clip->AudioChannels = 1;
			This->Finish(Clip, FString());
		});
	});
}

void UFantasyTalkingSpeakText::Finish(UFantasyTalkingClip* Clip, const FString& Error)
{
	if (Clip)
	{
		OnSuccess.Broadcast(Clip, FString());
	}
	else
	{
		UE_LOG(LogFantasyTalking, Warning, TEXT("%s"), *Error);
		OnFailure.Broadcast(nullptr, Error);
	}
	RemoveFromRoot();
	SetReadyToDestroy();
}

// Create Head From Image -------------------------------------------------------------------------------

UFantasyTalkingCreateHead* UFantasyTalkingCreateHead::CreateHeadFromImage(const FString& InImagePath, const FString& InSavePath, int32 InTextureSize,
	const FString& InHair, int32 InLod)
{
	UFantasyTalkingCreateHead* Action = NewObject<UFantasyTalkingCreateHead>();
	Action->ImagePath = InImagePath;
	Action->SavePath = InSavePath;
	Action->TextureSize = InTextureSize;
	Action->Hair = InHair;
	Action->Lod = InLod;
	return Action;
}

void UFantasyTalkingCreateHead::Activate()
{
	TArray<uint8> Image;
	if (!FFileHelper::LoadFileToArray(Image, *ImagePath))
	{
		Finish({}, FString::Printf(TEXT("Create Head From Image: cannot read %s"), *ImagePath));
		return;
	}
	FString Error;
	const std::shared_ptr<FantasyTalking::FClient> Client = ClientFor(Error);
	if (!Client)
	{
		Finish({}, Error);
		return;
	}
	if (Lod < 0)
	{
		Finish({}, FString::Printf(TEXT("Create Head From Image: Lod must be 0-3, got %d"), Lod));
		return;
	}
	FantasyTalking::FHeadSettings Settings;
	Settings.TextureSize = static_cast<uint32_t>(FMath::Max(TextureSize, 0));
	Settings.Hair = TCHAR_TO_UTF8(*Hair);
	Settings.Lod = static_cast<uint32_t>(Lod);
	AddToRoot();
	TWeakObjectPtr<UFantasyTalkingCreateHead> WeakThis(this);
	Async(EAsyncExecution::ThreadPool, [WeakThis, Client, Image = MoveTemp(Image), Settings = MoveTemp(Settings)]() mutable
	{
		FantasyTalking::FHeadResult Head;
		const FantasyTalking::FHeadProgress Progress = [WeakThis](const char* Stage, float Fraction)
		{
			AsyncTask(ENamedThreads::GameThread, [WeakThis, StageName = FString(UTF8_TO_TCHAR(Stage)), Fraction]()
			{
				if (UFantasyTalkingCreateHead* This = WeakThis.Get())
				{
					This->OnProgress.Broadcast(StageName, Fraction);
				}
			});
			return WeakThis.IsValid();
		};
		const FantasyTalking::FResult Result = FantasyTalking::CreateHead(*Client, Image.GetData(), static_cast<size_t>(Image.Num()), Settings, Progress, Head);
		AsyncTask(ENamedThreads::GameThread, [WeakThis, Result, Glb = MoveTemp(Head.Glb)]() mutable
		{
			if (UFantasyTalkingCreateHead* This = WeakThis.Get())
			{
				TArray<uint8> Bytes;
				Bytes.Append(Glb.data(), static_cast<int32>(Glb.size()));
				This->Finish(MoveTemp(Bytes), Result.IsError() ? FantasyTalking::ToUnreal(Result.Message) : FString());
			}
		});
	});
}

void UFantasyTalkingCreateHead::Finish(TArray<uint8> Glb, const FString& Error)
{
	FString Problem = Error;
	FString Saved;
	USkeletalMesh* Mesh = nullptr;
	if (Problem.IsEmpty() && !SavePath.IsEmpty())
	{
		if (FFileHelper::SaveArrayToFile(Glb, *SavePath))
		{
			Saved = FPaths::ConvertRelativePathToFull(SavePath);
		}
		else
		{
			Problem = FString::Printf(TEXT("Create Head From Image: cannot write %s"), *SavePath);
		}
	}
#if WITH_FANTASYTALKING_GLTFRUNTIME
	if (Problem.IsEmpty())
	{
		FglTFRuntimeConfig LoaderConfig;
		// Our GLBs face +Z (glTF's forward); glTFRuntime turns that into Unreal's +Y-facing mesh convention.
		LoaderConfig.TransformBaseType = EglTFRuntimeTransformBaseType::YForward;
		if (UglTFRuntimeAsset* Asset = UglTFRuntimeFunctionLibrary::glTFLoadAssetFromData(Glb, LoaderConfig))
		{
			FglTFRuntimeSkeletalMeshConfig MeshConfig;
			Mesh = Asset->LoadSkeletalMesh(0, 0, MeshConfig);
		}
		if (!Mesh)
		{
			UE_LOG(LogFantasyTalking, Warning, TEXT("Create Head From Image: glTFRuntime did not build a skeletal mesh from the GLB; the bytes are still returned"));
		}
	}
#endif
	if (Problem.IsEmpty())
	{
		OnSuccess.Broadcast(Mesh, Glb, Saved, FString());
	}
	else
	{
		UE_LOG(LogFantasyTalking, Warning, TEXT("%s"), *Problem);
		OnFailure.Broadcast(nullptr, TArray<uint8>(), FString(), Problem);
	}
	RemoveFromRoot();
	SetReadyToDestroy();
}
