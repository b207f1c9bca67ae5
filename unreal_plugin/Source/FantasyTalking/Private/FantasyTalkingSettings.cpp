// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingSettings.h"

#include "FantasyTalkingConversions.h"
#include "HAL/PlatformMisc.h"
#include "Misc/FileHelper.h"
#include "Misc/Paths.h"

bool UFantasyTalkingSettings::MakeConnectionSettings(FantasyTalking::FConnectionSettings& Out, FString& OutError) const
{
	Out.Address = FantasyTalking::ToStd(ServerAddress.TrimStartAndEnd());
	const FString EnvironmentToken = FPlatformMisc::GetEnvironmentVariable(TEXT("FTALK_TOKEN"));
	Out.Token = FantasyTalking::ToStd(EnvironmentToken.IsEmpty() ? Token : EnvironmentToken);
	Out.bUseTls = bUseTls;
	Out.TlsServerName = FantasyTalking::ToStd(TlsServerName);
	Out.ConnectTimeoutMs = static_cast<uint32_t>(FMath::Max(ConnectTimeoutMs, 100));
	Out.CallTimeoutMs = static_cast<uint32_t>(FMath::Max(CallTimeoutMs, 100));
	Out.LongCallTimeoutMs = static_cast<uint32_t>(FMath::Max(LongCallTimeoutMs, 1000));
	if (bUseTls && !TlsRootCertificate.FilePath.IsEmpty())
	{
		FString Path = TlsRootCertificate.FilePath;
		if (FPaths::IsRelative(Path))
		{
			Path = FPaths::Combine(FPaths::ProjectDir(), Path);
		}
		FString Pem;
		if (!FFileHelper::LoadFileToString(Pem, *Path))
		{
			OutError = FString::Printf(TEXT("FantasyTalking: cannot read the TLS root certificate %s"), *Path);
			return false;
		}
		Out.TlsRootCertPem = FantasyTalking::ToStd(Pem);
	}
	return true;
}
