// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

/**
 * The curve and joint names of the FantasyTalking contract, and their spellings in other rigs.
 *
 * The server sends ARKit-52 names as Live Link Face spells them (capitalised, "JawOpen"), in the
 * order Live Link Face writes them, then the nine head and eye angles. This is the order of
 * py_backend/fantasy_talking/animation/rig.py and formats/livelink_csv.py; the CTest suite checks
 * this file against both. No Unreal header is used here, so the tests compile it as plain C++.
 */
namespace FantasyTalking
{
	/** The 52 ARKit blendshapes. */
	constexpr int32_t NumArkitCurves = 52;
	/** HeadYaw ... RightEyeRoll. */
	constexpr int32_t NumLiveLinkAngles = 9;
	/** What a Live Link Face subject carries: the 52 blendshapes then the nine angles. */
	constexpr int32_t NumLiveLinkCurves = NumArkitCurves + NumLiveLinkAngles;
	/** jaw, neck, head, eye_L, eye_R. */
	constexpr int32_t NumJoints = 5;

	/** How a rig spells the ARKit curves. */
	enum class ECurveNaming : uint8_t
	{
		/** "EyeBlinkLeft", "JawOpen": Live Link Face, MetaHuman's ARKit mapping pose, our GLB heads. */
		LiveLinkFace,
		/** "eyeBlinkLeft", "jawOpen": Ready Player Me, VRoid/VRM exporters, most glTF avatars. */
		ArkitCamelCase,
		/** "eyeBlink_L", "jawOpen": Apple's ARBlendShapeLocation identifiers (Reality Composer, some FBX rigs). */
		AppleArkit,
	};

	/** The 61 Live Link Face curve names in Live Link order (52 blendshapes, then the nine angles). */
	FTALKCORE_API const char* const* LiveLinkCurveNames();

	/** The five joint names in frame order. */
	FTALKCORE_API const char* const* JointNames();

	/** Index of a joint in frame order, or -1. */
	FTALKCORE_API int32_t FindJoint(std::string_view Name);

	/** The parent joint of a joint in frame order (neck is the root, -1). */
	FTALKCORE_API int32_t JointParent(int32_t JointIndex);

	/**
	 * Index 0..60 of a Live Link curve given in any of the three spellings (case-insensitive),
	 * or -1 when the name is not one of the 61.
	 */
	FTALKCORE_API int32_t FindLiveLinkCurve(std::string_view Name);

	/** True for the nine head and eye angles (HeadYaw ... RightEyeRoll). */
	FTALKCORE_API bool IsAngleCurve(int32_t LiveLinkIndex);

	/**
	 * The name of a curve in another spelling.
	 *
	 * ARKit curves are converted exactly (for AppleArkit "EyeBlinkLeft" becomes "eyeBlink_L").
	 * Names outside the 52 (the nine angles, tongue extras, viseme_* curves) keep their Live Link
	 * spelling for LiveLinkFace and AppleArkit, and get a lower-case first letter for
	 * ArkitCamelCase, except viseme_* curves, which every rig spells the same way.
	 */
	FTALKCORE_API std::string ConvertCurveName(std::string_view Name, ECurveNaming To);

	/** "LiveLinkFace", "ArkitCamelCase", "AppleArkit". */
	FTALKCORE_API const char* CurveNamingName(ECurveNaming Naming);

	/** Parses the names above (case-insensitive); false when unknown. */
	FTALKCORE_API bool ParseCurveNaming(std::string_view Text, ECurveNaming& OutNaming);

	/** ASCII case-insensitive equality, the rule every name lookup here uses. */
	FTALKCORE_API bool NamesEqual(std::string_view A, std::string_view B);
}
