// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingSubsystem.h"

#include "Engine/Engine.h"
#include "FantasyTalkingConversions.h"
#include "FantasyTalkingModule.h"
#include "FantasyTalkingSettings.h"
#include "Misc/ScopeLock.h"

UFantasyTalkingSubsystem* UFantasyTalkingSubsystem::Get()
{
	return GEngine ? GEngine->GetEngineSubsystem<UFantasyTalkingSubsystem>() : nullptr;
}

void UFantasyTalkingSubsystem::Deinitialize()
{
	ResetConnection();
	Super::Deinitialize();
}

std::shared_ptr<FantasyTalking::FClient> UFantasyTalkingSubsystem::GetClient(FString& OutError)
{
	if (!FFantasyTalkingModule::IsLibraryLoaded())
	{
		OutError = FFantasyTalkingModule::GetLibraryError();
		return nullptr;
	}
	FantasyTalking::FConnectionSettings Settings;
	if (!UFantasyTalkingSettings::Get()->MakeConnectionSettings(Settings, OutError))
	{
		return nullptr;
	}
	const FString Key = FantasyTalking::ToUnreal(Settings.Address + "|" + Settings.Token + "|" + (Settings.bUseTls ? "tls" : "plain") + "|"
		+ Settings.TlsRootCertPem + "|" + Settings.TlsServerName + "|" + std::to_string(Settings.ConnectTimeoutMs) + "|"
		+ std::to_string(Settings.CallTimeoutMs) + "|" + std::to_string(Settings.LongCallTimeoutMs));

	FScopeLock ScopeLock(&Lock);
	if (Client && Key == ClientKey)
	{
		return Client;
	}
	std::shared_ptr<FantasyTalking::FClient> NewClient;
	const FantasyTalking::FResult Result = FantasyTalking::FClient::Create(Settings, NewClient);
	if (Result.IsError())
	{
		OutError = FantasyTalking::ToUnreal(Result.Message);
		return nullptr;
	}
	// Streams opened from the previous client keep their own reference until they close.
	Client = NewClient;
	ClientKey = Key;
	return Client;
}

bool UFantasyTalkingSubsystem::CheckConnection(FString& OutMessage)
{
	const std::shared_ptr<FantasyTalking::FClient> Current = GetClient(OutMessage);
	if (!Current)
	{
		return false;
	}
	const FantasyTalking::FResult Result = Current->Connect();
	OutMessage = Result.IsOk() ? FString::Printf(TEXT("Connected to %s"), *FantasyTalking::ToUnreal(Current->GetSettings().Address))
		: FantasyTalking::ToUnreal(Result.Message);
	return Result.IsOk();
}

void UFantasyTalkingSubsystem::ResetConnection()
{
	FScopeLock ScopeLock(&Lock);
	Client.reset();
	ClientKey.Reset();
}
