// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingLiveLinkSourceFactory.h"

#include "FantasyTalkingLiveLinkModule.h"

#define LOCTEXT_NAMESPACE "FantasyTalkingLiveLink"

FText UFantasyTalkingLiveLinkSourceFactory::GetSourceDisplayName() const
{
	return LOCTEXT("DisplayName", "FantasyTalking");
}

FText UFantasyTalkingLiveLinkSourceFactory::GetSourceTooltip() const
{
	return LOCTEXT("Tooltip", "Faces animated by FantasyTalking components: 61 Live Link Face curves per subject, and the jaw, neck, head and eye joints");
}

ULiveLinkSourceFactory::EMenuType UFantasyTalkingLiveLinkSourceFactory::GetMenuType() const
{
	return FFantasyTalkingLiveLinkModule::Get().IsSourceAdded() ? EMenuType::Disabled : EMenuType::MenuEntry;
}

TSharedPtr<ILiveLinkSource> UFantasyTalkingLiveLinkSourceFactory::CreateSource(const FString& ConnectionString) const
{
	return FFantasyTalkingLiveLinkModule::Get().GetOrCreateSource();
}

#undef LOCTEXT_NAMESPACE
