// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"
#include "FantasyTalkingTypes.h"

#include "FantasyTalkingSettings.generated.h"

namespace FantasyTalking
{
	struct FConnectionSettings;
}

/** Project Settings > Plugins > FantasyTalking: where the server is and the default animation options. */
UCLASS(Config = Game, DefaultConfig, meta = (DisplayName = "FantasyTalking"))
class FANTASYTALKING_API UFantasyTalkingSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	/** host:port of `ftalk serve`. */
	UPROPERTY(Config, EditAnywhere, Category = "Server")
	FString ServerAddress = TEXT("127.0.0.1:50051");

	/** Connect with TLS (`ftalk serve --tls-cert/--tls-key`). */
	UPROPERTY(Config, EditAnywhere, Category = "Server")
	bool bUseTls = false;

	/** PEM file of the root that signs the server's certificate (a self-signed certificate is its own root). Empty: the system's roots. */
	UPROPERTY(Config, EditAnywhere, Category = "Server", meta = (EditCondition = "bUseTls", FilePathFilter = "pem"))
	FFilePath TlsRootCertificate;

	/** Name the certificate must carry when it differs from the address's host. */
	UPROPERTY(Config, EditAnywhere, Category = "Server", meta = (EditCondition = "bUseTls"))
	FString TlsServerName;

	/**
	 * Bearer token (`ftalk serve --token`). Prefer leaving this empty and setting FTALK_TOKEN in the
	 * environment of the editor or game, so that the token stays out of config files and source control.
	 */
	UPROPERTY(Config, EditAnywhere, Category = "Server", meta = (PasswordField = true))
	FString Token;

	UPROPERTY(Config, EditAnywhere, Category = "Server", meta = (ClampMin = "100", Units = "ms"))
	int32 ConnectTimeoutMs = 5000;

	UPROPERTY(Config, EditAnywhere, Category = "Server", meta = (ClampMin = "100", Units = "ms"))
	int32 CallTimeoutMs = 10000;

	/** Deadline of whole-clip animation and head creation. */
	UPROPERTY(Config, EditAnywhere, Category = "Server", meta = (ClampMin = "1000", Units = "ms"))
	int32 LongCallTimeoutMs = 300000;

	/** Options used where a node or component does not set its own. */
	UPROPERTY(Config, EditAnywhere, Category = "Animation")
	FFantasyTalkingAnimationOptions DefaultAnimation;

	virtual FName GetCategoryName() const override { return TEXT("Plugins"); }

	static const UFantasyTalkingSettings* Get() { return GetDefault<UFantasyTalkingSettings>(); }

	/** The connection as the core takes it; false with a reason when the certificate file cannot be read. */
	bool MakeConnectionSettings(FantasyTalking::FConnectionSettings& Out, FString& OutError) const;
};
