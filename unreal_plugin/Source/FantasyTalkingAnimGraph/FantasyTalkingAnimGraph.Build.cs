// Copyright FantasyTalking contributors. Apache-2.0.

using UnrealBuildTool;

/// <summary>The AnimGraph editor node for FAnimNode_ApplyFantasyTalkingCurves (uncooked only, as Epic's own graph nodes).</summary>
public class FantasyTalkingAnimGraph : ModuleRules
{
	public FantasyTalkingAnimGraph(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"AnimGraph",
			"BlueprintGraph",
			"FantasyTalking",
		});
		PrivateDependencyModuleNames.AddRange(new string[] { "Slate", "SlateCore", "UnrealEd" });
	}
}
