// Copyright FantasyTalking contributors. Apache-2.0.

#include "FantasyTalkingLiveLinkSource.h"

#include "FantasyTalkingComponent.h"
#include "FantasyTalkingModule.h"
#include "FantasyTalkingTypes.h"
#include "HAL/PlatformProcess.h"
#include "HAL/PlatformTime.h"
#include "ILiveLinkClient.h"
#include "Misc/App.h"
#include "Modules/ModuleManager.h"
#include "Roles/LiveLinkAnimationRole.h"
#include "Roles/LiveLinkAnimationTypes.h"
#include "Roles/LiveLinkBasicRole.h"

#include "FtalkCurveNames.h"

#define LOCTEXT_NAMESPACE "FantasyTalkingLiveLink"

FFantasyTalkingLiveLinkSource::FFantasyTalkingLiveLinkSource()
{
}

FFantasyTalkingLiveLinkSource::~FFantasyTalkingLiveLinkSource()
{
	RequestSourceShutdown();
}

void FFantasyTalkingLiveLinkSource::ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid)
{
	Client = InClient;
	SourceGuid = InSourceGuid;
	Subjects.Reset();
	if (!PoseHandle.IsValid())
	{
		PoseHandle = FFantasyTalkingModule::OnPoseSampled().AddRaw(this, &FFantasyTalkingLiveLinkSource::Publish);
	}
}

bool FFantasyTalkingLiveLinkSource::IsSourceStillValid() const
{
	return Client != nullptr;
}

bool FFantasyTalkingLiveLinkSource::RequestSourceShutdown()
{
	if (PoseHandle.IsValid() && FModuleManager::Get().IsModuleLoaded(TEXT("FantasyTalking")))
	{
		FFantasyTalkingModule::OnPoseSampled().Remove(PoseHandle);
	}
	PoseHandle.Reset();
	Client = nullptr;
	return true;
}

FText FFantasyTalkingLiveLinkSource::GetSourceType() const
{
	return LOCTEXT("SourceType", "FantasyTalking");
}

FText FFantasyTalkingLiveLinkSource::GetSourceMachineName() const
{
	return FText::FromString(FPlatformProcess::ComputerName());
}

FText FFantasyTalkingLiveLinkSource::GetSourceStatus() const
{
	if (!FFantasyTalkingModule::IsLibraryLoaded())
	{
		return LOCTEXT("NoLibrary", "Client library not loaded");
	}
	const bool bActive = FPlatformTime::Seconds() - LastPublishSeconds < 1.0;
	return bActive ? FText::Format(LOCTEXT("Active", "Publishing {0} subject(s)"), Subjects.Num()) : LOCTEXT("Idle", "Waiting for a FantasyTalking component");
}

void FFantasyTalkingLiveLinkSource::Publish(const UFantasyTalkingComponent* Component, const FFantasyTalkingPose& Pose)
{
	if (!Client || !Component || !Component->bPublishToLiveLink || Pose.CurveNames.Num() == 0)
	{
		return;
	}
	const FName CurveSubject = Component->LiveLinkSubjectName;
	const FName JointSubject(*(CurveSubject.ToString() + TEXT("_Joints")));
	const FLiveLinkSubjectKey CurveKey(SourceGuid, CurveSubject);
	const FLiveLinkSubjectKey JointKey(SourceGuid, JointSubject);

	FSubjectState& Subject = Subjects.FindOrAdd(CurveSubject);
	if (Subject.LayoutVersion != Pose.LayoutVersion)
	{
		Subject.LayoutVersion = Pose.LayoutVersion;

		FLiveLinkStaticDataStruct CurveStatic(FLiveLinkBaseStaticData::StaticStruct());
		CurveStatic.Cast<FLiveLinkBaseStaticData>()->PropertyNames = Pose.CurveNames;
		Client->PushSubjectStaticData_AnyThread(CurveKey, ULiveLinkBasicRole::StaticClass(), MoveTemp(CurveStatic));

		FLiveLinkStaticDataStruct JointStatic(FLiveLinkSkeletonStaticData::StaticStruct());
		FLiveLinkSkeletonStaticData& Skeleton = *JointStatic.Cast<FLiveLinkSkeletonStaticData>();
		TArray<int32> Parents;
		for (int32 Joint = 0; Joint < Pose.JointNames.Num(); ++Joint)
		{
			Parents.Add(FantasyTalking::JointParent(FantasyTalking::FindJoint(TCHAR_TO_UTF8(*Pose.JointNames[Joint].ToString()))));
		}
		Skeleton.SetBoneNames(Pose.JointNames);
		Skeleton.SetBoneParents(Parents);
		Client->PushSubjectStaticData_AnyThread(JointKey, ULiveLinkAnimationRole::StaticClass(), MoveTemp(JointStatic));
	}

	const FLiveLinkWorldTime WorldTime(FPlatformTime::Seconds());
	TOptional<FQualifiedFrameTime> SceneTime = FApp::GetCurrentFrameTime();

	FLiveLinkFrameDataStruct CurveFrame(FLiveLinkBaseFrameData::StaticStruct());
	FLiveLinkBaseFrameData& Curves = *CurveFrame.Cast<FLiveLinkBaseFrameData>();
	Curves.WorldTime = WorldTime;
	if (SceneTime.IsSet())
	{
		Curves.MetaData.SceneTime = SceneTime.GetValue();
	}
	Curves.PropertyValues = Pose.CurveValues;
	Client->PushSubjectFrameData_AnyThread(CurveKey, MoveTemp(CurveFrame));

	FLiveLinkFrameDataStruct JointFrame(FLiveLinkAnimationFrameData::StaticStruct());
	FLiveLinkAnimationFrameData& Joints = *JointFrame.Cast<FLiveLinkAnimationFrameData>();
	Joints.WorldTime = WorldTime;
	if (SceneTime.IsSet())
	{
		Joints.MetaData.SceneTime = SceneTime.GetValue();
	}
	Joints.Transforms.Reserve(Pose.JointRotations.Num());
	for (const FQuat& Rotation : Pose.JointRotations)
	{
		Joints.Transforms.Add(FTransform(Rotation));
	}
	Client->PushSubjectFrameData_AnyThread(JointKey, MoveTemp(JointFrame));
	LastPublishSeconds = FPlatformTime::Seconds();
}

#undef LOCTEXT_NAMESPACE
