// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Subsystems/EngineSubsystem.h"

#include <memory>

#include "FantasyTalkingSubsystem.generated.h"

namespace FantasyTalking
{
	class FClient;
}

/**
 * The one connection to the server, shared by every component, node and editor tool, in the
 * editor and in games. Made on first use from the project settings and remade when they change;
 * the library reconnects by itself with back-off when the server goes away.
 */
UCLASS()
class FANTASYTALKING_API UFantasyTalkingSubsystem : public UEngineSubsystem
{
	GENERATED_BODY()

public:
	static UFantasyTalkingSubsystem* Get();

	virtual void Deinitialize() override;

	/** The client, or null with the reason (library not loaded, unreadable certificate, bad address). Any thread. */
	std::shared_ptr<FantasyTalking::FClient> GetClient(FString& OutError);

	/**
	 * Connects now and checks that the peer is a FantasyTalking server that accepts our token.
	 * Blocks for up to the connect + call timeouts: for diagnostics and editor buttons, not per frame.
	 */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	bool CheckConnection(FString& OutMessage);

	/** Drops the connection; the next use makes a new one from the current settings. */
	UFUNCTION(BlueprintCallable, Category = "FantasyTalking")
	void ResetConnection();

private:
	FCriticalSection Lock;
	std::shared_ptr<FantasyTalking::FClient> Client;
	/** The settings the client was made from, to notice edits in Project Settings. */
	FString ClientKey;
};
