// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "LiveLinkSourceFactory.h"

#include "FantasyTalkingLiveLinkSourceFactory.generated.h"

/** Source > FantasyTalking in the Live Link panel. There is one source per editor or game. */
UCLASS()
class FANTASYTALKINGLIVELINK_API UFantasyTalkingLiveLinkSourceFactory : public ULiveLinkSourceFactory
{
	GENERATED_BODY()

public:
	virtual FText GetSourceDisplayName() const override;
	virtual FText GetSourceTooltip() const override;
	virtual EMenuType GetMenuType() const override;
	virtual TSharedPtr<ILiveLinkSource> CreateSource(const FString& ConnectionString) const override;
};
