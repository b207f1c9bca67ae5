// Copyright FantasyTalking contributors. Apache-2.0.

using UnrealBuildTool;

/// <summary>Editor tools: bake an AnimSequence (curves and bones) from a sound wave, from a menu or a script.</summary>
public class FantasyTalkingEditor : ModuleRules
{
	public FantasyTalkingEditor(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"FantasyTalking",
			"FantasyTalkingCore",
		});
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"AssetRegistry",
			"AssetTools",
			"ContentBrowser",
			"EditorFramework",
			"Slate",
			"SlateCore",
			"ToolMenus",
			"UnrealEd",
			"AudioMixer",
		});
	}
}
