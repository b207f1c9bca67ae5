// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingLiveLinkModule.h"

#include "FantasyTalkingComponent.h"
#include "FantasyTalkingLiveLinkSource.h"
#include "FantasyTalkingModule.h"
#include "Features/IModularFeatures.h"
#include "ILiveLinkClient.h"
#include "Modules/ModuleManager.h"

IMPLEMENT_MODULE(FFantasyTalkingLiveLinkModule, FantasyTalkingLiveLink)

namespace
{
	ILiveLinkClient* FindClient()
	{
		IModularFeatures& Features = IModularFeatures::Get();
		return Features.IsModularFeatureAvailable(ILiveLinkClient::ModularFeatureName)
			? &Features.GetModularFeature<ILiveLinkClient>(ILiveLinkClient::ModularFeatureName)
			: nullptr;
	}
}

void FFantasyTalkingLiveLinkModule::StartupModule()
{
	FModuleManager::LoadModuleChecked<FFantasyTalkingModule>(TEXT("FantasyTalking"));
	PoseHandle = FFantasyTalkingModule::OnPoseSampled().AddRaw(this, &FFantasyTalkingLiveLinkModule::OnPoseSampled);
}

void FFantasyTalkingLiveLinkModule::ShutdownModule()
{
	if (FModuleManager::Get().IsModuleLoaded(TEXT("FantasyTalking")))
	{
		FFantasyTalkingModule::OnPoseSampled().Remove(PoseHandle);
	}
	if (Source.IsValid())
	{
		if (ILiveLinkClient* Client = FindClient())
		{
			Client->RemoveSource(Source);
		}
		Source->RequestSourceShutdown();
		Source.Reset();
	}
}

FFantasyTalkingLiveLinkModule& FFantasyTalkingLiveLinkModule::Get()
{
	return FModuleManager::LoadModuleChecked<FFantasyTalkingLiveLinkModule>(TEXT("FantasyTalkingLiveLink"));
}

TSharedPtr<FFantasyTalkingLiveLinkSource> FFantasyTalkingLiveLinkModule::GetOrCreateSource()
{
	if (!Source.IsValid() || !Source->IsSourceStillValid())
	{
		Source = MakeShared<FFantasyTalkingLiveLinkSource>();
	}
	return Source;
}

bool FFantasyTalkingLiveLinkModule::IsSourceAdded() const
{
	const ILiveLinkClient* Client = FindClient();
	return Client && Source.IsValid() && Client->HasSourceBeenAdded(Source);
}

void FFantasyTalkingLiveLinkModule::OnPoseSampled(const UFantasyTalkingComponent* Component, const FFantasyTalkingPose& Pose)
{
	if (!Component || !Component->bPublishToLiveLink || IsSourceAdded())
	{
		return;
	}
	// The first publishing component brings the source in, as the Live Link Face app's does.
	if (ILiveLinkClient* Client = FindClient())
	{
		Client->AddSource(GetOrCreateSource());
		Source->Publish(Component, Pose);
	}
}
