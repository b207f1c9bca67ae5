// Copyright FantasyTalking contributors. Apache-2.0.
//
// The plugin's curve names against the server's own list (py_backend/.../animation/rig.py, which
// formats/livelink_csv.py writes as the Live Link Face header), and the spellings of other rigs.

#include "FtalkCurveNames.h"
#include "TestHarness.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace FantasyTalking;

namespace
{
	/** The quoted names of a Python tuple assignment `NAME: tuple[str, ...] = ( ... )` in rig.py. */
	std::vector<std::string> PythonTuple(const std::string& Source, const std::string& Name)
	{
		const size_t Start = Source.find(Name + ": tuple[str, ...] = (");
		if (Start == std::string::npos)
		{
			return {};
		}
		// The tuple ends at its matching parenthesis (the names hold none).
		size_t End = Source.find('(', Source.find('=', Start));
		for (int Depth = 0; End < Source.size(); ++End)
		{
			Depth += Source[End] == '(' ? 1 : Source[End] == ')' ? -1 : 0;
			if (Depth == 0)
			{
				break;
			}
		}
		const std::string Body = Source.substr(Start, End - Start);
		std::vector<std::string> Names;
		const std::regex Quoted("\"([^\"]+)\"");
		for (auto It = std::sregex_iterator(Body.begin(), Body.end(), Quoted); It != std::sregex_iterator(); ++It)
		{
			Names.push_back((*It)[1]);
		}
		return Names;
	}

	std::string ReadFile(const std::string& Path)
	{
		std::ifstream File(Path);
		std::stringstream Buffer;
		Buffer << File.rdbuf();
		return Buffer.str();
	}
}

TEST_CASE("the 61 names and their order are the server's (rig.py)")
{
	const std::string Rig = ReadFile(FTALK_RIG_PY);
	CHECK(!Rig.empty());
	std::vector<std::string> Expected = PythonTuple(Rig, "ARKIT_52");
	const std::vector<std::string> Angles = PythonTuple(Rig, "LIVELINK_ANGLES");
	CHECK(Expected.size() == 52);
	CHECK(Angles.size() == 9);
	Expected.insert(Expected.end(), Angles.begin(), Angles.end());
	CHECK(Expected.size() == static_cast<size_t>(NumLiveLinkCurves));
	for (size_t Index = 0; Index < Expected.size() && Index < static_cast<size_t>(NumLiveLinkCurves); ++Index)
	{
		CHECK_EQ_STR(LiveLinkCurveNames()[Index], Expected[Index]);
	}
	const std::vector<std::string> Joints = PythonTuple(Rig, "JOINTS");
	CHECK(Joints.size() == static_cast<size_t>(NumJoints));
	for (size_t Index = 0; Index < Joints.size() && Index < static_cast<size_t>(NumJoints); ++Index)
	{
		CHECK_EQ_STR(JointNames()[Index], Joints[Index]);
	}
}

TEST_CASE("the Live Link Face CSV writer uses exactly that list after Timecode,BlendShapeCount")
{
	const std::string Csv = ReadFile(FTALK_LIVELINK_CSV_PY);
	CHECK(Csv.find("HEADER: tuple[str, ...] = (\"Timecode\", \"BlendShapeCount\") + LIVELINK_CURVES") != std::string::npos);
	CHECK(Csv.find("from fantasy_talking.animation.rig import ARKIT_52, LIVELINK_ANGLES, LIVELINK_CURVES") != std::string::npos);
}

TEST_CASE("Apple, camelCase and Live Link spellings")
{
	CHECK_EQ_STR(ConvertCurveName("EyeBlinkLeft", ECurveNaming::AppleArkit), "eyeBlink_L");
	CHECK_EQ_STR(ConvertCurveName("EyeLookDownRight", ECurveNaming::AppleArkit), "eyeLookDown_R");
	CHECK_EQ_STR(ConvertCurveName("MouthSmileRight", ECurveNaming::AppleArkit), "mouthSmile_R");
	CHECK_EQ_STR(ConvertCurveName("BrowOuterUpLeft", ECurveNaming::AppleArkit), "browOuterUp_L");
	// Direction shapes, not sides: Apple keeps the whole word.
	CHECK_EQ_STR(ConvertCurveName("JawLeft", ECurveNaming::AppleArkit), "jawLeft");
	CHECK_EQ_STR(ConvertCurveName("MouthRight", ECurveNaming::AppleArkit), "mouthRight");
	CHECK_EQ_STR(ConvertCurveName("BrowInnerUp", ECurveNaming::AppleArkit), "browInnerUp");
	CHECK_EQ_STR(ConvertCurveName("TongueOut", ECurveNaming::AppleArkit), "tongueOut");
	CHECK_EQ_STR(ConvertCurveName("JawOpen", ECurveNaming::ArkitCamelCase), "jawOpen");
	CHECK_EQ_STR(ConvertCurveName("jawOpen", ECurveNaming::LiveLinkFace), "JawOpen");
	CHECK_EQ_STR(ConvertCurveName("eyeBlink_L", ECurveNaming::LiveLinkFace), "EyeBlinkLeft");
	CHECK_EQ_STR(ConvertCurveName("eyeBlink_L", ECurveNaming::ArkitCamelCase), "eyeBlinkLeft");
	// Beyond the 52.
	CHECK_EQ_STR(ConvertCurveName("HeadYaw", ECurveNaming::AppleArkit), "HeadYaw");
	CHECK_EQ_STR(ConvertCurveName("HeadYaw", ECurveNaming::ArkitCamelCase), "headYaw");
	CHECK_EQ_STR(ConvertCurveName("TongueTipUp", ECurveNaming::ArkitCamelCase), "tongueTipUp");
	CHECK_EQ_STR(ConvertCurveName("viseme_aa", ECurveNaming::ArkitCamelCase), "viseme_aa");
	CHECK_EQ_STR(ConvertCurveName("viseme_PP", ECurveNaming::LiveLinkFace), "viseme_PP");
}

TEST_CASE("every spelling of every curve finds its index, and no two curves share a spelling")
{
	for (ECurveNaming Naming : {ECurveNaming::LiveLinkFace, ECurveNaming::ArkitCamelCase, ECurveNaming::AppleArkit})
	{
		std::set<std::string> Seen;
		for (int32_t Index = 0; Index < NumLiveLinkCurves; ++Index)
		{
			const std::string Name = ConvertCurveName(LiveLinkCurveNames()[Index], Naming);
			CHECK(FindLiveLinkCurve(Name) == Index);
			CHECK(Seen.insert(Name).second);
		}
	}
	CHECK(FindLiveLinkCurve("jawopen") == 17);
	CHECK(FindLiveLinkCurve("NotACurve") == -1);
	CHECK(FindLiveLinkCurve("") == -1);
	CHECK(!IsAngleCurve(51));
	CHECK(IsAngleCurve(52));
	CHECK(IsAngleCurve(60));
	CHECK(!IsAngleCurve(61));
	CHECK(!IsAngleCurve(-1));
}

TEST_CASE("joints and their parents")
{
	CHECK(FindJoint("jaw") == 0);
	CHECK(FindJoint("EYE_r") == 4);
	CHECK(FindJoint("root") == -1);
	CHECK(JointParent(FindJoint("neck")) == -1);
	CHECK(JointParent(FindJoint("head")) == FindJoint("neck"));
	CHECK(JointParent(FindJoint("jaw")) == FindJoint("head"));
	CHECK(JointParent(FindJoint("eye_L")) == FindJoint("head"));
	CHECK(JointParent(7) == -1);
}

TEST_CASE("naming names parse back")
{
	ECurveNaming Naming = ECurveNaming::LiveLinkFace;
	CHECK(ParseCurveNaming("arkitcamelcase", Naming) && Naming == ECurveNaming::ArkitCamelCase);
	CHECK(ParseCurveNaming(CurveNamingName(ECurveNaming::AppleArkit), Naming) && Naming == ECurveNaming::AppleArkit);
	CHECK(!ParseCurveNaming("camel", Naming));
}

TEST_MAIN()
