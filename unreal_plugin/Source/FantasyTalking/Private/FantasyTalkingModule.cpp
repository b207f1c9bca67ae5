// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingModule.h"

#include "HAL/PlatformProcess.h"
#include "Interfaces/IPluginManager.h"
#include "Misc/Paths.h"
#include "Modules/ModuleManager.h"

#include "ftalk_client.h"

DEFINE_LOG_CATEGORY(LogFantasyTalking);

IMPLEMENT_MODULE(FFantasyTalkingModule, FantasyTalking)

void FFantasyTalkingModule::StartupModule()
{
	const TSharedPtr<IPlugin> Plugin = IPluginManager::Get().FindPlugin(TEXT("FantasyTalking"));
	const FString LibraryPath = Plugin.IsValid() ? FPaths::Combine(Plugin->GetBaseDir(), FTALK_CLIENT_LIBRARY_PATH) : FString(FTALK_CLIENT_LIBRARY_PATH);
	LibraryHandle = FPlatformProcess::GetDllHandle(*LibraryPath);
	if (LibraryHandle == nullptr)
	{
		LibraryError = FString::Printf(TEXT("FantasyTalking: cannot load the client library %s. Build native/ and stage it with Scripts/StageClientLibrary.cmake (Docs/Setup.md)."), *LibraryPath);
		UE_LOG(LogFantasyTalking, Error, TEXT("%s"), *LibraryError);
		return;
	}
	const int AbiVersion = ftalk_abi_version();
	if (AbiVersion != FTALK_ABI_VERSION)
	{
		LibraryError = FString::Printf(TEXT("FantasyTalking: %s has ABI %d, the plugin was built for ABI %d; stage the matching library."),
			*LibraryPath, AbiVersion, FTALK_ABI_VERSION);
		UE_LOG(LogFantasyTalking, Error, TEXT("%s"), *LibraryError);
		return;
	}
	bLibraryLoaded = true;
	UE_LOG(LogFantasyTalking, Log, TEXT("FantasyTalking client library %s loaded from %s"), UTF8_TO_TCHAR(ftalk_version()), *LibraryPath);
}

void FFantasyTalkingModule::ShutdownModule()
{
	// The library stays mapped until the process exits: objects that own streams (components in a
	// level being torn down, the engine subsystem) may close them after this module shuts down.
	bLibraryLoaded = false;
}

FFantasyTalkingModule& FFantasyTalkingModule::Get()
{
	return FModuleManager::LoadModuleChecked<FFantasyTalkingModule>(TEXT("FantasyTalking"));
}

bool FFantasyTalkingModule::IsLibraryLoaded()
{
	return FModuleManager::Get().IsModuleLoaded(TEXT("FantasyTalking")) && Get().bLibraryLoaded;
}

FString FFantasyTalkingModule::GetLibraryError()
{
	return FModuleManager::Get().IsModuleLoaded(TEXT("FantasyTalking")) ? Get().LibraryError : FString(TEXT("FantasyTalking: the module is not loaded"));
}

FOnFantasyTalkingPoseSampled& FFantasyTalkingModule::OnPoseSampled()
{
	return Get().PoseSampled;
}
