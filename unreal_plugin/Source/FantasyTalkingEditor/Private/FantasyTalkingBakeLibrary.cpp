// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingBakeLibrary.h"

#include "Animation/AnimData/IAnimationDataController.h"
#include "Animation/AnimSequence.h"
#include "Animation/Skeleton.h"
#include "AssetRegistry/AssetRegistryModule.h"
#include "FantasyTalkingClip.h"
#include "FantasyTalkingConversions.h"
#include "FantasyTalkingCurveRemap.h"
#include "FantasyTalkingModule.h"
#include "FantasyTalkingSubsystem.h"
#include "Misc/PackageName.h"
#include "Misc/ScopedSlowTask.h"
#include "Sound/SampleBufferIO.h"
#include "Sound/SoundWave.h"
#include "UObject/Package.h"

#include "FtalkBake.h"
#include "FtalkPcm.h"

#define LOCTEXT_NAMESPACE "FantasyTalkingBake"

namespace
{
	FantasyTalking::FBakeSettings MakeBakeSettings(const FFantasyTalkingBakeOptions& Options)
	{
		FantasyTalking::FBakeSettings Settings;
		Settings.FrameRate = FMath::Clamp(Options.FrameRate, 1, 240);
		Settings.bIncludeAngleCurves = Options.bIncludeAngleCurves;
		Settings.KeyReductionTolerance = FMath::Max(Options.KeyReductionTolerance, 0.0f);
		Settings.Remap = Options.Remap ? Options.Remap->ToCore() : FantasyTalking::FCurveRemapSettings();
		Settings.Facing = FantasyTalking::ToCore(Options.Facing);
		return Settings;
	}

	FName BoneForJoint(const FFantasyTalkingBakeOptions& Options, const std::string& Joint)
	{
		switch (FantasyTalking::FindJoint(Joint))
		{
		case 0:
			return Options.JawBone;
		case 1:
			return Options.NeckBone;
		case 2:
			return Options.HeadBone;
		case 3:
			return Options.LeftEyeBone;
		case 4:
			return Options.RightEyeBone;
		default:
			return NAME_None;
		}
	}

	/** Writes a baked animation into a new AnimSequence asset. */
	UAnimSequence* WriteSequence(const FantasyTalking::FBakedAnimation& Baked, const FFantasyTalkingBakeOptions& Options, const FString& PackagePath, FString& OutError)
	{
		FText Reason;
		if (!FPackageName::IsValidLongPackageName(PackagePath, false, &Reason))
		{
			OutError = FString::Printf(TEXT("Bake: %s is not a package path (%s)"), *PackagePath, *Reason.ToString());
			return nullptr;
		}
		UPackage* Package = CreatePackage(*PackagePath);
		const FName AssetName(*FPackageName::GetLongPackageAssetName(PackagePath));
		UAnimSequence* Sequence = NewObject<UAnimSequence>(Package, AssetName, RF_Public | RF_Standalone | RF_Transactional);
		Sequence->SetSkeleton(Options.Skeleton);

		IAnimationDataController& Controller = Sequence->GetController();
		Controller.OpenBracket(LOCTEXT("BakeBracket", "Bake FantasyTalking animation"));
		Controller.InitializeModel();
		Controller.SetFrameRate(FFrameRate(FMath::RoundToInt(Baked.FrameRate), 1));
		Controller.SetNumberOfFrames(FFrameNumber(FMath::Max(Baked.NumFrames - 1, 1)));

		for (const FantasyTalking::FBakedCurve& Curve : Baked.Curves)
		{
			const FName CurveName(FantasyTalking::ToUnreal(Curve.Name));
			const FAnimationCurveIdentifier CurveId(CurveName, ERawCurveTrackTypes::RCT_Float);
			Controller.AddCurve(CurveId);
			TArray<FRichCurveKey> Keys;
			Keys.Reserve(static_cast<int32>(Curve.Keys.size()));
			for (const FantasyTalking::FCurveKey& Key : Curve.Keys)
			{
				FRichCurveKey& Out = Keys.Add_GetRef(FRichCurveKey(Key.TimeSeconds, Key.Value));
				Out.InterpMode = RCIM_Linear;
			}
			Controller.SetCurveKeys(CurveId, Keys);
			// Curves named like the mesh's morph targets drive them.
			Options.Skeleton->AccumulateCurveMetaData(CurveName, false, true);
		}

		if (Options.bBakeBones)
		{
			const FReferenceSkeleton& Reference = Options.Skeleton->GetReferenceSkeleton();
			const TArray<FTransform>& RefPose = Reference.GetRefBonePose();
			TArray<FQuat> ComponentRotations;
			ComponentRotations.SetNum(Reference.GetNum());
			for (int32 Bone = 0; Bone < Reference.GetNum(); ++Bone)
			{
				const int32 Parent = Reference.GetParentIndex(Bone);
				ComponentRotations[Bone] = Parent == INDEX_NONE ? RefPose[Bone].GetRotation() : ComponentRotations[Parent] * RefPose[Bone].GetRotation();
			}
			for (const FantasyTalking::FBakedJoint& Joint : Baked.Joints)
			{
				const FName BoneName = BoneForJoint(Options, Joint.Name);
				const int32 Bone = BoneName.IsNone() ? INDEX_NONE : Reference.FindBoneIndex(BoneName);
				if (Bone == INDEX_NONE)
				{
					continue;
				}
				const int32 Parent = Reference.GetParentIndex(Bone);
				const FantasyTalking::FQuatd ParentRotation = FantasyTalking::ToCore(Parent == INDEX_NONE ? FQuat::Identity : ComponentRotations[Parent]);
				const FantasyTalking::FQuatd RestLocal = FantasyTalking::ToCore(RefPose[Bone].GetRotation());
				TArray<FVector3f> Positions;
				TArray<FQuat4f> Rotations;
				TArray<FVector3f> Scales;
				for (const FantasyTalking::FQuatd& Delta : Joint.Rotations)
				{
					Positions.Add(FVector3f(RefPose[Bone].GetTranslation()));
					Rotations.Add(FQuat4f(FantasyTalking::ToUnreal(FantasyTalking::ApplyJointDelta(ParentRotation, RestLocal, Delta))));
					Scales.Add(FVector3f(RefPose[Bone].GetScale3D()));
				}
				Controller.AddBoneTrack(BoneName);
				Controller.SetBoneTrackKeys(BoneName, Positions, Rotations, Scales);
			}
		}
		Controller.NotifyPopulated();
		Controller.CloseBracket();

		Sequence->MarkPackageDirty();
		FAssetRegistryModule::AssetCreated(Sequence);
		return Sequence;
	}

	UAnimSequence* BakeTrackToSequence(const FantasyTalking::FFrameTrack& Track, const FFantasyTalkingBakeOptions& Options, const FString& PackagePath, FString& OutError)
	{
		if (!Options.Skeleton)
		{
			OutError = TEXT("Bake: choose a skeleton in the bake options");
			return nullptr;
		}
		FantasyTalking::FBakedAnimation Baked;
		std::string Error;
		if (!FantasyTalking::BakeTrack(Track, MakeBakeSettings(Options), Baked, &Error))
		{
			OutError = FString::Printf(TEXT("Bake: %s"), *FantasyTalking::ToUnreal(Error));
			return nullptr;
		}
		return WriteSequence(Baked, Options, PackagePath, OutError);
	}
}

UAnimSequence* UFantasyTalkingBakeLibrary::BakeClip(UFantasyTalkingClip* Clip, const FFantasyTalkingBakeOptions& Options, const FString& PackagePath, FString& OutError)
{
	if (!Clip)
	{
		OutError = TEXT("Bake: no clip");
		return nullptr;
	}
	return BakeTrackToSequence(Clip->Track, Options, PackagePath, OutError);
}

UAnimSequence* UFantasyTalkingBakeLibrary::BakeSoundWave(USoundWave* Sound, const FFantasyTalkingBakeOptions& Options, const FString& PackagePath, FString& OutError)
{
	if (!Sound)
	{
		OutError = TEXT("Bake: no sound wave");
		return nullptr;
	}
	FScopedSlowTask Task(3.0f, FText::Format(LOCTEXT("Baking", "Baking FantasyTalking animation for {0}"), FText::FromString(Sound->GetName())));
	Task.MakeDialog();

	Task.EnterProgressFrame(1.0f, LOCTEXT("Decoding", "Decoding audio"));
	TArray<int16> Samples;
	int32 SampleRate = 0;
	int32 Channels = 0;
	{
		Audio::FSoundWavePCMLoader Loader;
		Loader.LoadSoundWave(Sound, [&](const USoundWave*, const Audio::FSampleBuffer& Buffer)
		{
			Samples.Append(Buffer.GetData(), Buffer.GetNumSamples());
			SampleRate = Buffer.GetSampleRate();
			Channels = Buffer.GetNumChannels();
		}, true);
		Loader.Update();
	}
	std::vector<int16_t> ForServer;
	const int32 ServerChannels = Samples.Num() > 0 ? FantasyTalking::PrepareForServer(Samples.GetData(), static_cast<size_t>(Samples.Num()), Channels, ForServer) : 0;
	if (ServerChannels == 0)
	{
		OutError = FString::Printf(TEXT("Bake: %s could not be decoded"), *Sound->GetName());
		return nullptr;
	}

	Task.EnterProgressFrame(1.0f, LOCTEXT("Animating", "Animating on the server"));
	FString ClientError;
	UFantasyTalkingSubsystem* Subsystem = UFantasyTalkingSubsystem::Get();
	const std::shared_ptr<FantasyTalking::FClient> Client = Subsystem ? Subsystem->GetClient(ClientError) : nullptr;
	if (!Client)
	{
		OutError = ClientError;
		return nullptr;
	}
	FantasyTalking::FFrameTrack Track;
	const FantasyTalking::FResult Result = FantasyTalking::AnimatePcm(*Client, ForServer.data(), ForServer.size() * sizeof(int16_t), FTALK_AUDIO_PCM_S16LE,
		static_cast<uint32_t>(SampleRate), static_cast<uint32_t>(ServerChannels), FantasyTalking::ToCore(Options.Animation), Track);
	if (Result.IsError())
	{
		OutError = FString::Printf(TEXT("Bake: %s"), *FantasyTalking::ToUnreal(Result.Message));
		return nullptr;
	}

	Task.EnterProgressFrame(1.0f, LOCTEXT("Writing", "Writing the AnimSequence"));
	return BakeTrackToSequence(Track, Options, PackagePath, OutError);
}

#undef LOCTEXT_NAMESPACE
