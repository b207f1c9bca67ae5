// Copyright FantasyTalking contributors. Apache-2.0.

// The one Unreal file of this module: everything else here is engine-free (see the Build.cs).
#include "Modules/ModuleManager.h"

IMPLEMENT_MODULE(FDefaultModuleImpl, FantasyTalkingCore)
