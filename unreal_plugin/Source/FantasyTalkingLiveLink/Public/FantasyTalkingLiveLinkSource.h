// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "CoreMinimal.h"
#include "ILiveLinkSource.h"
#include "LiveLinkTypes.h"

class ILiveLinkClient;
class UFantasyTalkingComponent;
struct FFantasyTalkingPose;

/**
 * Live Link source "FantasyTalking". Publishes, for every UFantasyTalkingComponent with
 * bPublishToLiveLink:
 *  - <LiveLinkSubjectName>: Basic role, the curves under their Live Link Face names (52 ARKit,
 *    any tongue/viseme extras, HeadYaw ... RightEyeRoll normalised as Live Link Face does);
 *  - <LiveLinkSubjectName>_Joints: Animation role, jaw, neck, head, eye_L, eye_R as rotations
 *    relative to their parents (use UFantasyTalkingLiveLinkRetarget to put them on any rig).
 * Added by the Live Link panel (Source > FantasyTalking) or by the first publishing component.
 */
class FANTASYTALKINGLIVELINK_API FFantasyTalkingLiveLinkSource : public ILiveLinkSource, public TSharedFromThis<FFantasyTalkingLiveLinkSource>
{
public:
	FFantasyTalkingLiveLinkSource();
	virtual ~FFantasyTalkingLiveLinkSource() override;

	// ILiveLinkSource
	virtual void ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid) override;
	virtual bool IsSourceStillValid() const override;
	virtual bool RequestSourceShutdown() override;
	virtual FText GetSourceType() const override;
	virtual FText GetSourceMachineName() const override;
	virtual FText GetSourceStatus() const override;

	/** Publishes one component's pose (game thread; bound to FFantasyTalkingModule::OnPoseSampled). */
	void Publish(const UFantasyTalkingComponent* Component, const FFantasyTalkingPose& Pose);

private:
	struct FSubjectState
	{
		int32 LayoutVersion = -1;
	};

	ILiveLinkClient* Client = nullptr;
	FGuid SourceGuid;
	FDelegateHandle PoseHandle;
	TMap<FName, FSubjectState> Subjects;
	double LastPublishSeconds = 0.0;
};
