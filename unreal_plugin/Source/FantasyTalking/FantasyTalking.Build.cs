// Copyright FantasyTalking contributors. Apache-2.0.

using System;
using System.IO;
using System.Linq;
using UnrealBuildTool;

/// <summary>
/// The runtime: loads libftalk_client, holds the connection (UFantasyTalkingSubsystem), plays and
/// animates audio (UFantasyTalkingComponent), the "Apply FantasyTalking Curves" anim node, the
/// curve remap data asset and the async Blueprint nodes. All logic is in FantasyTalkingCore.
/// </summary>
public class FantasyTalking : ModuleRules
{
	public FantasyTalking(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"AnimGraphRuntime",
			"DeveloperSettings",
			"FantasyTalkingCore",
		});
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"Projects",
			"AudioMixer",
			"AudioCaptureCore",
			"SignalProcessing",
			"FantasyTalkingClient",
		});

		// Create Head From Image turns the GLB into a skeletal mesh with glTFRuntime when that plugin
		// is installed (Docs/CreateHead.md says why glTFRuntime and not Interchange). Without it the
		// node still returns the GLB bytes and writes the file.
		bool bWithGltfRuntime = FindPlugin(Target, "glTFRuntime");
		PublicDefinitions.Add("WITH_FANTASYTALKING_GLTFRUNTIME=" + (bWithGltfRuntime ? "1" : "0"));
		if (bWithGltfRuntime)
		{
			PrivateDependencyModuleNames.Add("glTFRuntime");
		}
	}

	/// <summary>Whether a plugin folder holding Name.uplugin exists under the project's or the engine's Plugins.</summary>
	private static bool FindPlugin(ReadOnlyTargetRules Target, string Name)
	{
		var Roots = new System.Collections.Generic.List<string>();
		if (Target.ProjectFile != null)
		{
			Roots.Add(Path.Combine(Target.ProjectFile.Directory.FullName, "Plugins"));
		}
		Roots.Add(Path.Combine(EngineDirectory, "Plugins", "Marketplace"));
		foreach (string Root in Roots.Where(Directory.Exists))
		{
			try
			{
				if (Directory.EnumerateFiles(Root, Name + ".uplugin", SearchOption.AllDirectories).Any())
				{
					return true;
				}
			}
			catch (Exception)
			{
				// An unreadable folder is not a reason to fail the build; the plugin is then treated as absent.
			}
		}
		return false;
	}
}
