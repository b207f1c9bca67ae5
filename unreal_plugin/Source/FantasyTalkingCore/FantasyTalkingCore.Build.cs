// Copyright FantasyTalking contributors. Apache-2.0.

using UnrealBuildTool;

/// <summary>
/// The plugin's logic in plain C++17 (files named Ftalk*): curve names and remapping, quaternion
/// axes, frame tracks, the playback clock, baking, and C++ ownership over the ftalk_client C API.
/// No file here includes an Unreal header except the module boilerplate, so the same files are
/// compiled and tested outside Unreal by unreal_plugin/Tests (CMake + CTest).
/// </summary>
public class FantasyTalkingCore : ModuleRules
{
	public FantasyTalkingCore(ReadOnlyTargetRules Target) : base(Target)
	{
		// Plain C++ files: no shared precompiled header forced into them, and no unity build
		// (several files keep their own file-local constants).
		PCHUsage = PCHUsageMode.NoPCHs;
		bUseUnity = false;

		PublicDependencyModuleNames.AddRange(new string[] { "Core", "FantasyTalkingClient" });
	}
}
