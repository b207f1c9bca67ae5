// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "AnimGraphNode_Base.h"
#include "AnimNode_ApplyFantasyTalkingCurves.h"

#include "AnimGraphNode_ApplyFantasyTalkingCurves.generated.h"

/** "Apply FantasyTalking Curves" in the AnimGraph's context menu, under FantasyTalking. */
UCLASS()
class FANTASYTALKINGANIMGRAPH_API UAnimGraphNode_ApplyFantasyTalkingCurves : public UAnimGraphNode_Base
{
	GENERATED_BODY()

public:
	UPROPERTY(EditAnywhere, Category = "Settings")
	FAnimNode_ApplyFantasyTalkingCurves Node;

	// UEdGraphNode
	virtual FText GetNodeTitle(ENodeTitleType::Type TitleType) const override;
	virtual FText GetTooltipText() const override;
	virtual FLinearColor GetNodeTitleColor() const override;
	// UAnimGraphNode_Base
	virtual FString GetNodeCategory() const override;
	virtual void ValidateAnimNodeDuringCompilation(USkeleton* ForSkeleton, FCompilerResultsLog& MessageLog) override;
};
