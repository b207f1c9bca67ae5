// Copyright FantasyTalking contributors. Apache-2.0.

#include "AnimNode_ApplyFantasyTalkingCurves.h"

#include "Animation/AnimInstance.h"
#include "Animation/AnimInstanceProxy.h"
#include "Animation/AnimTrace.h"
#include "FantasyTalkingComponent.h"
#include "FantasyTalkingConversions.h"
#include "FantasyTalkingCurveRemap.h"
#include "FantasyTalkingModule.h"
#include "FantasyTalkingPoseUtils.h"
#include "GameFramework/Actor.h"

#include "FtalkCurveNames.h"

void FAnimNode_ApplyFantasyTalkingCurves::Initialize_AnyThread(const FAnimationInitializeContext& Context)
{
	DECLARE_SCOPE_HIERARCHICAL_COUNTER_FUNC()
	FAnimNode_Base::Initialize_AnyThread(Context);
	Source.Initialize(Context);
}

void FAnimNode_ApplyFantasyTalkingCurves::CacheBones_AnyThread(const FAnimationCacheBonesContext& Context)
{
	DECLARE_SCOPE_HIERARCHICAL_COUNTER_FUNC()
	Source.CacheBones(Context);
	const FBoneContainer& RequiredBones = Context.AnimInstanceProxy->GetRequiredBones();
	Bones.Jaw.Initialize(RequiredBones);
	Bones.Neck.Initialize(RequiredBones);
	Bones.Head.Initialize(RequiredBones);
	Bones.LeftEye.Initialize(RequiredBones);
	Bones.RightEye.Initialize(RequiredBones);
}

void FAnimNode_ApplyFantasyTalkingCurves::PreUpdate(const UAnimInstance* InAnimInstance)
{
	// Game thread: find the component and copy its pose (a few hundred bytes).
	const UFantasyTalkingComponent* Reader = Component;
	if (!Reader && InAnimInstance)
	{
		if (const AActor* Owner = InAnimInstance->GetOwningActor())
		{
			Reader = Owner->FindComponentByClass<UFantasyTalkingComponent>();
		}
	}
	bHasPose = Reader != nullptr;
	if (Reader)
	{
		Pose = Reader->GetPose();
	}
	if (Remap != BuiltRemap || (Remap && Remap->GetRevision() != BuiltRemapRevision))
	{
		// UObject reads stay on the game thread; workers only see the copied settings.
		RemapSettings = Remap ? Remap->ToCore() : FantasyTalking::FCurveRemapSettings();
		BuiltRemap = Remap;
		BuiltRemapRevision = Remap ? Remap->GetRevision() : -1;
		BuiltLayoutVersion = -1;
	}
}

void FAnimNode_ApplyFantasyTalkingCurves::RebuildRemap()
{
	std::vector<std::string> SourceNames;
	SourceNames.reserve(Pose.CurveNames.Num());
	for (const FName& Name : Pose.CurveNames)
	{
		SourceNames.push_back(FantasyTalking::ToStd(Name.ToString()));
	}
	std::string Error;
	if (!Remapper.Build(SourceNames, RemapSettings, &Error))
	{
		UE_LOG(LogFantasyTalking, Warning, TEXT("Apply FantasyTalking Curves: %s; curves pass unchanged"), *FantasyTalking::ToUnreal(Error));
		Remapper.Build(SourceNames, FantasyTalking::FCurveRemapSettings());
	}
	TargetNames = FantasyTalking::ToNames(Remapper.GetTargetNames());
	TargetValues.SetNumZeroed(TargetNames.Num());
	BuiltLayoutVersion = Pose.LayoutVersion;
}

void FAnimNode_ApplyFantasyTalkingCurves::Update_AnyThread(const FAnimationUpdateContext& Context)
{
	DECLARE_SCOPE_HIERARCHICAL_COUNTER_FUNC()
	GetEvaluateGraphExposedInputs().Execute(Context);
	Source.Update(Context);
	if (bHasPose && BuiltLayoutVersion != Pose.LayoutVersion)
	{
		RebuildRemap();
	}
	TRACE_ANIM_NODE_VALUE(Context, TEXT("Alpha"), Alpha);
}

void FAnimNode_ApplyFantasyTalkingCurves::Evaluate_AnyThread(FPoseContext& Output)
{
	DECLARE_SCOPE_HIERARCHICAL_COUNTER_FUNC()
	Source.Evaluate(Output);
	const float Weight = FMath::Clamp(Alpha, 0.0f, 1.0f);
	if (!bHasPose || Weight <= 0.0f || Pose.CurveValues.Num() != Pose.CurveNames.Num())
	{
		return;
	}

	if (bApplyCurves && TargetNames.Num() == static_cast<int32>(Remapper.NumTargets()))
	{
		Remapper.Apply(Pose.CurveValues.GetData(), static_cast<size_t>(Pose.CurveValues.Num()), TargetValues.GetData());
		for (int32 Index = 0; Index < TargetNames.Num(); ++Index)
		{
			const FName Name = TargetNames[Index];
			const float Value = Weight >= 1.0f ? TargetValues[Index] : FMath::Lerp(Output.Curve.Get(Name), TargetValues[Index], Weight);
			Output.Curve.Set(Name, Value);
			if (bDriveMorphTargets)
			{
				Output.Curve.SetFlags(Name, UE::Anim::ECurveElementFlags::MorphTarget);
			}
		}
	}

	if (bApplyJoints)
	{
		const FBoneContainer& RequiredBones = Output.Pose.GetBoneContainer();
		const FBoneReference* References[FantasyTalking::NumJoints] = {&Bones.Jaw, &Bones.Neck, &Bones.Head, &Bones.LeftEye, &Bones.RightEye};
		FCompactPoseBoneIndex Indices[FantasyTalking::NumJoints] = {
			FCompactPoseBoneIndex(INDEX_NONE), FCompactPoseBoneIndex(INDEX_NONE), FCompactPoseBoneIndex(INDEX_NONE),
			FCompactPoseBoneIndex(INDEX_NONE), FCompactPoseBoneIndex(INDEX_NONE)};
		for (int32 Joint = 0; Joint < FantasyTalking::NumJoints; ++Joint)
		{
			if (References[Joint]->IsValidToEvaluate(RequiredBones))
			{
				Indices[Joint] = References[Joint]->GetCompactPoseIndex(RequiredBones);
			}
		}
		FantasyTalking::ApplyJointRotations(Output.Pose, Indices, Pose.JointRotations, Weight);
	}
}

void FAnimNode_ApplyFantasyTalkingCurves::GatherDebugData(FNodeDebugData& DebugData)
{
	DECLARE_SCOPE_HIERARCHICAL_COUNTER_FUNC()
	const int32 JawIndex = Pose.CurveNames.IndexOfByKey(FName(TEXT("JawOpen")));
	const float Jaw = JawIndex != INDEX_NONE && Pose.CurveValues.IsValidIndex(JawIndex) ? Pose.CurveValues[JawIndex] : 0.0f;
	FString Line = DebugData.GetNodeName(this);
	Line += FString::Printf(TEXT("(Alpha: %.2f, %s, t: %.3f s, JawOpen: %.2f, curves out: %d)"), Alpha,
		bHasPose ? TEXT("component found") : TEXT("no component"), Pose.AudioTime, Jaw, TargetNames.Num());
	DebugData.AddDebugItem(Line);
	Source.GatherDebugData(DebugData);
}
