// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkCurveNames.h"

#include <cctype>

namespace FantasyTalking
{
	namespace
	{
		const char* const GLiveLinkCurves[NumLiveLinkCurves] = {
			"EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft",
			"EyeSquintLeft", "EyeWideLeft",
			"EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight",
			"EyeSquintRight", "EyeWideRight",
			"JawForward", "JawRight", "JawLeft", "JawOpen",
			"MouthClose", "MouthFunnel", "MouthPucker", "MouthRight", "MouthLeft",
			"MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft", "MouthFrownRight",
			"MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
			"MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper",
			"MouthPressLeft", "MouthPressRight", "MouthLowerDownLeft", "MouthLowerDownRight",
			"MouthUpperUpLeft", "MouthUpperUpRight",
			"BrowDownLeft", "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight",
			"CheekPuff", "CheekSquintLeft", "CheekSquintRight",
			"NoseSneerLeft", "NoseSneerRight", "TongueOut",
			"HeadYaw", "HeadPitch", "HeadRoll",
			"LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
			"RightEyeYaw", "RightEyePitch", "RightEyeRoll",
		};

		const char* const GJoints[NumJoints] = {"jaw", "neck", "head", "eye_L", "eye_R"};

		/** jaw → head, neck → root, head → neck, eyes → head (the GLB heads' skeleton, root omitted). */
		const int32_t GJointParents[NumJoints] = {2, -1, 1, 2, 2};

		bool EndsWith(std::string_view Text, std::string_view Suffix)
		{
			return Text.size() >= Suffix.size() && Text.substr(Text.size() - Suffix.size()) == Suffix;
		}

		bool StartsWithNoCase(std::string_view Text, std::string_view Prefix)
		{
			return Text.size() >= Prefix.size() && NamesEqual(Text.substr(0, Prefix.size()), Prefix);
		}

		/** The four ARKit shapes whose Left/Right is a direction, not a side: Apple keeps them whole. */
		bool IsDirectionalShape(std::string_view LiveLinkName)
		{
			return LiveLinkName == "JawLeft" || LiveLinkName == "JawRight" || LiveLinkName == "MouthLeft" || LiveLinkName == "MouthRight";
		}

		std::string LowerFirst(std::string_view Name)
		{
			std::string Out(Name);
			if (!Out.empty())
			{
				Out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(Out[0])));
			}
			return Out;
		}

		std::string AppleName(std::string_view LiveLinkName)
		{
			std::string Out = LowerFirst(LiveLinkName);
			if (IsDirectionalShape(LiveLinkName))
			{
				return Out;
			}
			if (EndsWith(Out, "Left"))
			{
				Out.replace(Out.size() - 4, 4, "_L");
			}
			else if (EndsWith(Out, "Right"))
			{
				Out.replace(Out.size() - 5, 5, "_R");
			}
			return Out;
		}
	}

	bool NamesEqual(std::string_view A, std::string_view B)
	{
		if (A.size() != B.size())
		{
			return false;
		}
		for (size_t Index = 0; Index < A.size(); ++Index)
		{
			if (std::tolower(static_cast<unsigned char>(A[Index])) != std::tolower(static_cast<unsigned char>(B[Index])))
			{
				return false;
			}
		}
		return true;
	}

	const char* const* LiveLinkCurveNames()
	{
		return GLiveLinkCurves;
	}

	const char* const* JointNames()
	{
		return GJoints;
	}

	int32_t FindJoint(std::string_view Name)
	{
		for (int32_t Index = 0; Index < NumJoints; ++Index)
		{
			if (NamesEqual(Name, GJoints[Index]))
			{
				return Index;
			}
		}
		return -1;
	}

	int32_t JointParent(int32_t JointIndex)
	{
		return JointIndex >= 0 && JointIndex < NumJoints ? GJointParents[JointIndex] : -1;
	}

	int32_t FindLiveLinkCurve(std::string_view Name)
	{
		for (int32_t Index = 0; Index < NumLiveLinkCurves; ++Index)
		{
			// Live Link and camelCase spellings differ only in case; Apple's adds _L/_R.
			if (NamesEqual(Name, GLiveLinkCurves[Index]))
			{
				return Index;
			}
			if (Index < NumArkitCurves && NamesEqual(Name, AppleName(GLiveLinkCurves[Index])))
			{
				return Index;
			}
		}
		return -1;
	}

	bool IsAngleCurve(int32_t LiveLinkIndex)
	{
		return LiveLinkIndex >= NumArkitCurves && LiveLinkIndex < NumLiveLinkCurves;
	}

	std::string ConvertCurveName(std::string_view Name, ECurveNaming To)
	{
		const int32_t Index = FindLiveLinkCurve(Name);
		if (Index >= 0 && Index < NumArkitCurves)
		{
			const char* LiveLink = GLiveLinkCurves[Index];
			switch (To)
			{
			case ECurveNaming::LiveLinkFace:
				return LiveLink;
			case ECurveNaming::ArkitCamelCase:
				return LowerFirst(LiveLink);
			case ECurveNaming::AppleArkit:
				return AppleName(LiveLink);
			}
		}
		if (Index >= 0)
		{
			// An angle: Live Link spelling, camelCase for camelCase rigs.
			return To == ECurveNaming::ArkitCamelCase ? LowerFirst(GLiveLinkCurves[Index]) : std::string(GLiveLinkCurves[Index]);
		}
		if (StartsWithNoCase(Name, "viseme_"))
		{
			return std::string(Name);
		}
		if (To == ECurveNaming::ArkitCamelCase)
		{
			return LowerFirst(Name);
		}
		std::string Out(Name);
		if (!Out.empty())
		{
			Out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(Out[0])));
		}
		return Out;
	}

	const char* CurveNamingName(ECurveNaming Naming)
	{
		switch (Naming)
		{
		case ECurveNaming::LiveLinkFace:
			return "LiveLinkFace";
		case ECurveNaming::ArkitCamelCase:
			return "ArkitCamelCase";
		case ECurveNaming::AppleArkit:
			return "AppleArkit";
		}
		return "LiveLinkFace";
	}

	bool ParseCurveNaming(std::string_view Text, ECurveNaming& OutNaming)
	{
		for (ECurveNaming Candidate : {ECurveNaming::LiveLinkFace, ECurveNaming::ArkitCamelCase, ECurveNaming::AppleArkit})
		{
			if (NamesEqual(Text, CurveNamingName(Candidate)))
			{
				OutNaming = Candidate;
				return true;
			}
		}
		return false;
	}
}
