// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "FantasyTalkingTypes.h"

#include "FtalkClient.h"
#include "FtalkCurveRemap.h"
#include "FtalkMath.h"

#include <string>
#include <vector>

/**
 * One-line conversions between Unreal types and the engine-free core. Nothing here decides
 * anything: every rule (names, axes, remapping, interpolation) is in FantasyTalkingCore.
 */
namespace FantasyTalking
{
	inline std::string ToStd(const FString& Text)
	{
		return std::string(TCHAR_TO_UTF8(*Text));
	}

	inline FString ToUnreal(const std::string& Text)
	{
		return FString(UTF8_TO_TCHAR(Text.c_str()));
	}

	inline FQuat ToUnreal(const FQuatd& Q)
	{
		return FQuat(Q.X, Q.Y, Q.Z, Q.W);
	}

	inline FQuatd ToCore(const FQuat& Q)
	{
		return FQuatd{Q.X, Q.Y, Q.Z, Q.W};
	}

	inline EFacing ToCore(EFantasyTalkingFacing Facing)
	{
		switch (Facing)
		{
		case EFantasyTalkingFacing::MinusY:
			return EFacing::MinusY;
		case EFantasyTalkingFacing::PlusX:
			return EFacing::PlusX;
		case EFantasyTalkingFacing::MinusX:
			return EFacing::MinusX;
		default:
			return EFacing::PlusY;
		}
	}

	inline ECurveNaming ToCore(EFantasyTalkingCurveNaming Naming)
	{
		switch (Naming)
		{
		case EFantasyTalkingCurveNaming::ArkitCamelCase:
			return ECurveNaming::ArkitCamelCase;
		case EFantasyTalkingCurveNaming::AppleArkit:
			return ECurveNaming::AppleArkit;
		default:
			return ECurveNaming::LiveLinkFace;
		}
	}

	inline EFantasyTalkingCurveNaming ToUnreal(ECurveNaming Naming)
	{
		switch (Naming)
		{
		case ECurveNaming::ArkitCamelCase:
			return EFantasyTalkingCurveNaming::ArkitCamelCase;
		case ECurveNaming::AppleArkit:
			return EFantasyTalkingCurveNaming::AppleArkit;
		default:
			return EFantasyTalkingCurveNaming::LiveLinkFace;
		}
	}

	inline ERemapPreset ToCore(EFantasyTalkingRemapPreset Preset)
	{
		switch (Preset)
		{
		case EFantasyTalkingRemapPreset::ReadyPlayerMe:
			return ERemapPreset::ReadyPlayerMe;
		case EFantasyTalkingRemapPreset::AppleArkit:
			return ERemapPreset::AppleArkit;
		default:
			return ERemapPreset::MetaHuman;
		}
	}

	inline ftalk_rig_profile ToCore(EFantasyTalkingRigProfile Rig)
	{
		switch (Rig)
		{
		case EFantasyTalkingRigProfile::Arkit52Tongue:
			return FTALK_RIG_ARKIT_52_TONGUE;
		case EFantasyTalkingRigProfile::Arkit52Visemes:
			return FTALK_RIG_ARKIT_52_VISEMES;
		default:
			return FTALK_RIG_ARKIT_52;
		}
	}

	inline FAnimationSettings ToCore(const FFantasyTalkingAnimationOptions& Options)
	{
		FAnimationSettings Settings;
		Settings.Fps = static_cast<uint32_t>(FMath::Clamp(Options.Fps, 1, 120));
		Settings.LookaheadMs = Options.LookaheadMs;
		Settings.Language = ToStd(Options.Language);
		Settings.HeadMotion = Options.HeadMotion;
		Settings.Blink = Options.Blink;
		Settings.Expression = Options.Expression;
		Settings.Rig = ToCore(Options.Rig);
		Settings.Seed = static_cast<uint64_t>(static_cast<uint32_t>(Options.Seed));
		for (const TPair<FName, float>& Emotion : Options.Emotions)
		{
			Settings.Emotions.emplace_back(ToStd(Emotion.Key.ToString()), Emotion.Value);
		}
		return Settings;
	}

	inline TArray<FName> ToNames(const std::vector<std::string>& Names)
	{
		TArray<FName> Out;
		Out.Reserve(static_cast<int32>(Names.size()));
		for (const std::string& Name : Names)
		{
			Out.Add(FName(UTF8_TO_TCHAR(Name.c_str())));
		}
		return Out;
	}

	inline FText ToText(const FResult& Result)
	{
		return FText::FromString(ToUnreal(Result.Message));
	}
}
