// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"
#include "FantasyTalkingBakeLibrary.h"

#include "FantasyTalkingBakeSettings.generated.h"

/** Editor Preferences > Plugins > FantasyTalking Bake: what the Content Browser's "Bake FantasyTalking Animation" makes. */
UCLASS(Config = EditorPerProjectUserSettings, meta = (DisplayName = "FantasyTalking Bake"))
class FANTASYTALKINGEDITOR_API UFantasyTalkingBakeSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	UPROPERTY(Config, EditAnywhere, Category = "Bake", meta = (ShowOnlyInnerProperties))
	FFantasyTalkingBakeOptions Options;

	/** Appended to the sound wave's name for the new AnimSequence. */
	UPROPERTY(Config, EditAnywhere, Category = "Bake")
	FString Suffix = TEXT("_Face");

	virtual FName GetContainerName() const override { return TEXT("Editor"); }
	virtual FName GetCategoryName() const override { return TEXT("Plugins"); }
};
