// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Modules/ModuleInterface.h"

class FFantasyTalkingLiveLinkSource;
class UFantasyTalkingComponent;
struct FFantasyTalkingPose;

/** Owns the one FantasyTalking Live Link source and adds it when the first component publishes. */
class FANTASYTALKINGLIVELINK_API FFantasyTalkingLiveLinkModule : public IModuleInterface
{
public:
	virtual void StartupModule() override;
	virtual void ShutdownModule() override;

	static FFantasyTalkingLiveLinkModule& Get();

	/** The source (made on first call); the Live Link client adds it through the factory or AddSourceToClient. */
	TSharedPtr<FFantasyTalkingLiveLinkSource> GetOrCreateSource();

	/** Whether the source is in the Live Link client now. */
	bool IsSourceAdded() const;

private:
	void OnPoseSampled(const UFantasyTalkingComponent* Component, const FFantasyTalkingPose& Pose);

	TSharedPtr<FFantasyTalkingLiveLinkSource> Source;
	FDelegateHandle PoseHandle;
};
