// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Modules/ModuleInterface.h"

class UFantasyTalkingComponent;
struct FFantasyTalkingPose;

DECLARE_LOG_CATEGORY_EXTERN(LogFantasyTalking, Log, All);

/** A component sampled a new pose (game thread). The Live Link module listens to publish subjects. */
DECLARE_MULTICAST_DELEGATE_TwoParams(FOnFantasyTalkingPoseSampled, const UFantasyTalkingComponent* /*Component*/, const FFantasyTalkingPose& /*Pose*/);

/**
 * Loads libftalk_client from the plugin's staged ThirdParty folder and checks its ABI version.
 * When that fails the editor still starts: every FantasyTalking node and component then reports
 * GetLibraryError() instead of calling into a library that is not there.
 */
class FANTASYTALKING_API FFantasyTalkingModule : public IModuleInterface
{
public:
	virtual void StartupModule() override;
	virtual void ShutdownModule() override;

	static FFantasyTalkingModule& Get();

	/** True when the client library is loaded and speaks this plugin's ABI. */
	static bool IsLibraryLoaded();

	/** Why the library is not usable ("" when it is). */
	static FString GetLibraryError();

	/** Fired by every UFantasyTalkingComponent after it samples its pose. */
	static FOnFantasyTalkingPoseSampled& OnPoseSampled();

private:
	void* LibraryHandle = nullptr;
	bool bLibraryLoaded = false;
	FString LibraryError;
	FOnFantasyTalkingPoseSampled PoseSampled;
};
