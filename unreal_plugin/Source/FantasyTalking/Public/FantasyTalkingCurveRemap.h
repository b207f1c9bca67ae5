// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Engine/DataAsset.h"
#include "FantasyTalkingTypes.h"

#include "FantasyTalkingCurveRemap.generated.h"

namespace FantasyTalking
{
	struct FCurveRemapSettings;
}

/** One rule: Target += Source * Multiplier + Offset. */
USTRUCT(BlueprintType)
struct FANTASYTALKING_API FFantasyTalkingCurveRule
{
	GENERATED_BODY()

	/** A curve the server sends, in any spelling (JawOpen, jawOpen, jawOpen), or HeadYaw ... RightEyeRoll, TongueTipUp, viseme_aa. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	FName Source;

	/** The rig's curve or morph target. None drops the source curve. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	FName Target;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	float Multiplier = 1.0f;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "FantasyTalking")
	float Offset = 0.0f;
};

/**
 * How the server's curves become a rig's curves: a spelling for every curve, plus rules that
 * rename, scale, offset, split (one source, several targets), merge (several sources, one target)
 * or drop. Used by the "Apply FantasyTalking Curves" node and the bake. Import and export as CSV
 * (the format is in FtalkCurveRemap.h) to edit large tables in a spreadsheet.
 */
UCLASS(BlueprintType)
class FANTASYTALKING_API UFantasyTalkingCurveRemap : public UDataAsset
{
	GENERATED_BODY()

public:
	/** Spelling of every curve no rule names. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Remap")
	EFantasyTalkingCurveNaming Naming = EFantasyTalkingCurveNaming::LiveLinkFace;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Remap", meta = (TitleProperty = "{Source} -> {Target}"))
	TArray<FFantasyTalkingCurveRule> Rules;

	/** Whether curves without a rule go out (under Naming's spelling) or are dropped. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Remap")
	bool bPassUnlisted = true;

	/** Clamp weights to [0, 1] and head/eye angle targets to [-1, 1]. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Remap")
	bool bClamp = true;

	/** CSV file for Import From CSV / Export To CSV. */
	UPROPERTY(EditAnywhere, Category = "CSV", meta = (FilePathFilter = "csv"))
	FFilePath CsvFile;

	/** Replaces the table with a preset. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	void ApplyPreset(EFantasyTalkingRemapPreset Preset);

	/** Replaces the table with the CSV text; false (table unchanged) with "line N: why" on a bad line. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool ImportCsvText(const FString& Text, FString& OutError);

	UFUNCTION(BlueprintPure, Category = "FantasyTalking")
	FString ExportCsvText() const;

	UFUNCTION(CallInEditor, Category = "CSV")
	void ImportFromCsv();

	UFUNCTION(CallInEditor, Category = "CSV")
	void ExportToCsv();

	/** The table as the core takes it. */
	FantasyTalking::FCurveRemapSettings ToCore() const;

	/** Bumped on every edit so anim nodes rebuild their compiled table only then. */
	int32 GetRevision() const { return Revision; }

#if WITH_EDITOR
	virtual void PostEditChangeProperty(FPropertyChangedEvent& PropertyChangedEvent) override;
#endif

private:
	void FromCore(const FantasyTalking::FCurveRemapSettings& Settings);

	int32 Revision = 0;
};
