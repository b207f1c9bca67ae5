// Copyright FantasyTalking contributors. Apache-2.0.

using System.IO;
using System.Linq;
using UnrealBuildTool;

/// <summary>
/// The native client library (libftalk_client) and its C header, staged per platform by
/// Scripts/StageClientLibrary.cmake from a native/ build (see Docs/Setup.md):
///
///   include/ftalk_client.h
///   lib/Win64/ftalk_client.dll + ftalk_client.lib
///   lib/Mac/libftalk_client.dylib
///   lib/Linux/libftalk_client.so
///
/// gRPC, protobuf and OpenSSL live inside that library with their symbols hidden; the engine only
/// ever sees the ftalk_* C functions, so they never meet the engine's own copies.
/// </summary>
public class FantasyTalkingClient : ModuleRules
{
	public FantasyTalkingClient(ReadOnlyTargetRules Target) : base(Target)
	{
		Type = ModuleType.External;

		string IncludeDir = Path.Combine(ModuleDirectory, "include");
		string LibDir = Path.Combine(ModuleDirectory, "lib", Target.Platform.ToString());
		if (!File.Exists(Path.Combine(IncludeDir, "ftalk_client.h")))
		{
			throw new BuildException("FantasyTalking: " + IncludeDir + " has no ftalk_client.h. Build native/ and run "
				+ "'cmake -DFTALK_NATIVE_BUILD_DIR=<build> -P Scripts/StageClientLibrary.cmake' in the plugin folder (Docs/Setup.md).");
		}
		PublicSystemIncludePaths.Add(IncludeDir);

		string LibraryFile;
		if (Target.Platform == UnrealTargetPlatform.Win64)
		{
			LibraryFile = "ftalk_client.dll";
			PublicAdditionalLibraries.Add(Path.Combine(LibDir, "ftalk_client.lib"));
			// Loaded by FFantasyTalkingModule::StartupModule from the plugin's binaries, so the editor
			// starts (and says why) even when the DLL is missing.
			PublicDelayLoadDLLs.Add(LibraryFile);
		}
		else if (Target.Platform == UnrealTargetPlatform.Mac)
		{
			LibraryFile = "libftalk_client.dylib";
			PublicDelayLoadDLLs.Add(Path.Combine(LibDir, LibraryFile));
		}
		else if (Target.Platform == UnrealTargetPlatform.Linux)
		{
			// Staged under its SONAME (libftalk_client.so.0), which is what the loader looks for next to it.
			string Staged = Directory.Exists(LibDir) ? Directory.GetFiles(LibDir, "libftalk_client.so*").OrderBy(Candidate => Candidate.Length).FirstOrDefault() : null;
			LibraryFile = Staged != null ? Path.GetFileName(Staged) : "libftalk_client.so.0";
			PublicAdditionalLibraries.Add(Path.Combine(LibDir, LibraryFile));
		}
		else
		{
			throw new BuildException("FantasyTalking: no client library for " + Target.Platform + " (Win64, Mac and Linux are built).");
		}

		string LibraryPath = Path.Combine(LibDir, LibraryFile);
		if (!File.Exists(LibraryPath))
		{
			throw new BuildException("FantasyTalking: " + LibraryPath + " is missing. Stage it with Scripts/StageClientLibrary.cmake (Docs/Setup.md).");
		}
		// Staged with the game at the same place relative to the plugin; FFantasyTalkingModule loads
		// it from there (Windows and macOS delay-load it; Linux links it with an rpath to that folder).
		RuntimeDependencies.Add(LibraryPath);
		PublicDefinitions.Add("FTALK_CLIENT_LIBRARY_PATH=TEXT(\"Source/ThirdParty/FantasyTalkingClient/lib/" + Target.Platform.ToString() + "/" + LibraryFile + "\")");
	}
}
