// Copyright FantasyTalking contributors. Apache-2.0.

using UnrealBuildTool;

/// <summary>
/// The "FantasyTalking" Live Link source: every UFantasyTalkingComponent that publishes becomes a
/// Basic-role subject with the 61 Live Link Face curves (MetaHuman's ARKit mapping pose and any
/// Live Link Face-ready rig work unchanged) and an Animation-role subject with the five joints.
/// </summary>
public class FantasyTalkingLiveLink : ModuleRules
{
	public FantasyTalkingLiveLink(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"LiveLinkInterface",
			"LiveLinkAnimationCore",
			"FantasyTalking",
		});
		PublicDependencyModuleNames.Add("FantasyTalkingCore");
	}
}
