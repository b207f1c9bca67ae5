// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

/**
 * Export macro for the engine-free core.
 *
 * Inside Unreal the Build tool defines FANTASYTALKINGCORE_API (export in this module, import in
 * the modules that depend on it). Outside Unreal (the CTest project in unreal_plugin/Tests) the
 * files are compiled straight into the test executables and the macro is empty.
 */
#if defined(FANTASYTALKINGCORE_API)
#define FTALKCORE_API FANTASYTALKINGCORE_API
#else
#define FTALKCORE_API
#endif
