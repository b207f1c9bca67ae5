// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingCurveRemap.h"

#include "FantasyTalkingConversions.h"
#include "FantasyTalkingModule.h"
#include "Misc/FileHelper.h"
#include "Misc/Paths.h"

FantasyTalking::FCurveRemapSettings UFantasyTalkingCurveRemap::ToCore() const
{
	FantasyTalking::FCurveRemapSettings Settings;
	Settings.Naming = FantasyTalking::ToCore(Naming);
	Settings.bPassUnlisted = bPassUnlisted;
	Settings.bClamp = bClamp;
	for (const FFantasyTalkingCurveRule& Rule : Rules)
	{
		Settings.Rules.push_back({FantasyTalking::ToStd(Rule.Source.ToString()),
			Rule.Target.IsNone() ? std::string() : FantasyTalking::ToStd(Rule.Target.ToString()), Rule.Multiplier, Rule.Offset});
	}
	return Settings;
}

void UFantasyTalkingCurveRemap::FromCore(const FantasyTalking::FCurveRemapSettings& Settings)
{
	Modify();
	Naming = FantasyTalking::ToUnreal(Settings.Naming);
	bPassUnlisted = Settings.bPassUnlisted;
	bClamp = Settings.bClamp;
	Rules.Reset();
	for (const FantasyTalking::FCurveRemapRule& Rule : Settings.Rules)
	{
		FFantasyTalkingCurveRule& Out = Rules.AddDefaulted_GetRef();
		Out.Source = FName(FantasyTalking::ToUnreal(Rule.Source));
		Out.Target = Rule.Target.empty() ? NAME_None : FName(FantasyTalking::ToUnreal(Rule.Target));
		Out.Multiplier = Rule.Multiplier;
		Out.Offset = Rule.Offset;
	}
	++Revision;
}

void UFantasyTalkingCurveRemap::ApplyPreset(EFantasyTalkingRemapPreset Preset)
{
	FromCore(FantasyTalking::MakeRemapPreset(FantasyTalking::ToCore(Preset)));
}

bool UFantasyTalkingCurveRemap::ImportCsvText(const FString& Text, FString& OutError)
{
	FantasyTalking::FCurveRemapSettings Settings;
	std::string Error;
	if (!FantasyTalking::ParseRemapCsv(FantasyTalking::ToStd(Text), Settings, &Error))
	{
		OutError = FantasyTalking::ToUnreal(Error);
		return false;
	}
	FromCore(Settings);
	return true;
}

FString UFantasyTalkingCurveRemap::ExportCsvText() const
{
	return FantasyTalking::ToUnreal(FantasyTalking::WriteRemapCsv(ToCore()));
}

void UFantasyTalkingCurveRemap::ImportFromCsv()
{
	FString Text;
	if (!FFileHelper::LoadFileToString(Text, *CsvFile.FilePath))
	{
		UE_LOG(LogFantasyTalking, Error, TEXT("%s: cannot read %s"), *GetName(), *CsvFile.FilePath);
		return;
	}
	FString Error;
	if (!ImportCsvText(Text, Error))
	{
		UE_LOG(LogFantasyTalking, Error, TEXT("%s: %s: %s"), *GetName(), *CsvFile.FilePath, *Error);
		return;
	}
	MarkPackageDirty();
	UE_LOG(LogFantasyTalking, Log, TEXT("%s: %d rules imported from %s"), *GetName(), Rules.Num(), *CsvFile.FilePath);
}

void UFantasyTalkingCurveRemap::ExportToCsv()
{
	if (!FFileHelper::SaveStringToFile(ExportCsvText(), *CsvFile.FilePath, FFileHelper::EEncodingOptions::ForceUTF8WithoutBOM))
	{
		UE_LOG(LogFantasyTalking, Error, TEXT("%s: cannot write %s"), *GetName(), *CsvFile.FilePath);
	}
}

#if WITH_EDITOR
void UFantasyTalkingCurveRemap::PostEditChangeProperty(FPropertyChangedEvent& PropertyChangedEvent)
{
	Super::PostEditChangeProperty(PropertyChangedEvent);
	++Revision;
}
#endif
