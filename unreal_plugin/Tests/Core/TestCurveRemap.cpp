// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkCurveRemap.h"
#include "FtalkFrameTrack.h"
#include "TestHarness.h"

using namespace FantasyTalking;

namespace
{
	std::vector<std::string> Arkit52()
	{
		return std::vector<std::string>(LiveLinkCurveNames(), LiveLinkCurveNames() + NumArkitCurves);
	}

	int TargetIndex(const FCurveRemapper& Remapper, const std::string& Name)
	{
		for (size_t Index = 0; Index < Remapper.NumTargets(); ++Index)
		{
			if (Remapper.GetTargetNames()[Index] == Name)
			{
				return static_cast<int>(Index);
			}
		}
		return -1;
	}
}

TEST_CASE("MetaHuman preset: the 61 Live Link names pass through unchanged")
{
	FCurveRemapper Remapper;
	const std::vector<std::string> Sources = MakeSourceNames(Arkit52(), true);
	CHECK(Sources.size() == 61);
	CHECK(Remapper.Build(Sources, MakeRemapPreset(ERemapPreset::MetaHuman)));
	CHECK(Remapper.NumTargets() == 61);
	for (int Index = 0; Index < NumLiveLinkCurves; ++Index)
	{
		CHECK_EQ_STR(Remapper.GetTargetNames()[Index], LiveLinkCurveNames()[Index]);
	}
	std::vector<float> Values(61);
	for (int Index = 0; Index < 61; ++Index)
	{
		Values[Index] = Index < 52 ? Index / 60.0f : -0.4f;
	}
	std::vector<float> Out;
	Remapper.Apply(Values, Out);
	CHECK(Out == Values); // angles keep their sign: clamped to [-1, 1], not [0, 1]
}

TEST_CASE("Ready Player Me preset: camelCase, mouthOpen and mouthSmile, no head curves")
{
	FCurveRemapper Remapper;
	CHECK(Remapper.Build(MakeSourceNames(Arkit52(), true), MakeRemapPreset(ERemapPreset::ReadyPlayerMe)));
	CHECK(TargetIndex(Remapper, "jawOpen") >= 0);
	CHECK(TargetIndex(Remapper, "eyeBlinkLeft") >= 0);
	CHECK(TargetIndex(Remapper, "JawOpen") < 0);
	CHECK(TargetIndex(Remapper, "headYaw") < 0 && TargetIndex(Remapper, "HeadYaw") < 0);
	CHECK(Remapper.NumTargets() == 52 + 2);
	CHECK(Remapper.GetUnmatchedRules().empty());

	std::vector<float> Values(61, 0.0f);
	Values[FindLiveLinkCurve("JawOpen")] = 0.6f;
	Values[FindLiveLinkCurve("MouthSmileLeft")] = 0.2f;
	Values[FindLiveLinkCurve("MouthSmileRight")] = 0.4f;
	std::vector<float> Out;
	Remapper.Apply(Values, Out);
	CHECK_NEAR(Out[TargetIndex(Remapper, "jawOpen")], 0.6, 1e-7);
	CHECK_NEAR(Out[TargetIndex(Remapper, "mouthOpen")], 0.6, 1e-7);
	CHECK_NEAR(Out[TargetIndex(Remapper, "mouthSmile")], 0.3, 1e-7);
	CHECK_NEAR(Out[TargetIndex(Remapper, "mouthSmileLeft")], 0.2, 1e-7);
}

TEST_CASE("multiplier, offset, clamping, dropping and unmatched rules")
{
	FCurveRemapSettings Settings;
	Settings.Naming = ECurveNaming::AppleArkit;
	Settings.Rules = {
		{"jawOpen", "CTRL_jaw", 2.0f, 0.1f}, // any spelling of the source works
		{"EyeBlinkLeft", "", 1.0f, 0.0f},    // dropped
		{"HeadYaw", "neck_yaw", 3.0f, 0.0f}, // an angle target clamps to [-1, 1]
		{"TongueTipUp", "tongue_up", 1.0f, 0.0f}, // the stream below carries no tongue extras
	};
	FCurveRemapper Remapper;
	CHECK(Remapper.Build(MakeSourceNames(Arkit52(), true), Settings));
	CHECK(Remapper.GetUnmatchedRules().size() == 1 && Remapper.GetUnmatchedRules()[0] == 3);
	CHECK(TargetIndex(Remapper, "eyeBlink_L") < 0);
	CHECK(TargetIndex(Remapper, "eyeBlink_R") >= 0);
	std::vector<float> Values(61, 0.0f);
	Values[FindLiveLinkCurve("JawOpen")] = 0.3f;
	Values[FindLiveLinkCurve("HeadYaw")] = -0.5f;
	Values[FindLiveLinkCurve("EyeBlinkRight")] = 0.9f;
	std::vector<float> Out;
	Remapper.Apply(Values, Out);
	CHECK_NEAR(Out[TargetIndex(Remapper, "CTRL_jaw")], 0.7, 1e-6);
	CHECK_NEAR(Out[TargetIndex(Remapper, "neck_yaw")], -1.0, 1e-7);
	CHECK_NEAR(Out[TargetIndex(Remapper, "eyeBlink_R")], 0.9, 1e-7);
	Values[FindLiveLinkCurve("JawOpen")] = 0.9f;
	Remapper.Apply(Values, Out);
	CHECK_NEAR(Out[TargetIndex(Remapper, "CTRL_jaw")], 1.0, 1e-7);

	Settings.bClamp = false;
	CHECK(Remapper.Build(MakeSourceNames(Arkit52(), true), Settings));
	Remapper.Apply(Values, Out);
	CHECK_NEAR(Out[TargetIndex(Remapper, "CTRL_jaw")], 1.9, 1e-6);

	Settings.bPassUnlisted = false;
	CHECK(Remapper.Build(MakeSourceNames(Arkit52(), true), Settings));
	CHECK(Remapper.NumTargets() == 2);

	Settings.Rules.push_back({"", "x", 1.0f, 0.0f});
	std::string Error;
	CHECK(!Remapper.Build(MakeSourceNames(Arkit52(), true), Settings, &Error));
	CHECK(Error.find("rule 5") != std::string::npos);
}

TEST_CASE("tongue and viseme curves of other rig profiles remap by name")
{
	std::vector<std::string> Sources = Arkit52();
	Sources.push_back("viseme_aa");
	Sources.push_back("TongueTipUp");
	FCurveRemapper Remapper;
	CHECK(Remapper.Build(Sources, MakeRemapPreset(ERemapPreset::ReadyPlayerMe)));
	CHECK(TargetIndex(Remapper, "viseme_aa") >= 0);
	CHECK(TargetIndex(Remapper, "tongueTipUp") >= 0);
	// Six of the nine angle rules match nothing in a stream without angles; that is allowed.
	CHECK(Remapper.GetUnmatchedRules().size() == 9);
}

TEST_CASE("source values: weights, then angles as Live Link normalises them")
{
	FPose Pose;
	Pose.Weights = {0.25f, 0.5f};
	Pose.Angles = std::vector<float>(9, 0.0f);
	Pose.Angles[0] = 3.14159265f / 2.0f;
	std::vector<float> Values;
	MakeSourceValues(Pose, true, Values);
	CHECK(Values.size() == 11);
	CHECK_NEAR(Values[2], 0.5, 1e-6);
	MakeSourceValues(Pose, false, Values);
	CHECK(Values.size() == 2);
	Pose.Angles.clear();
	MakeSourceValues(Pose, true, Values);
	CHECK(Values.size() == 11 && Values[2] == 0.0f);
}

TEST_CASE("CSV tables: read, write, read again; bad lines are named")
{
	const std::string Text =
		"\xEF\xBB\xBF# my rig\n"
		"@naming ArkitCamelCase\r\n"
		"@unlisted drop\n"
		"source,target,multiplier,offset\n"
		"JawOpen, jaw_open , 1.25 , 0.05\n"
		"MouthSmileLeft,smile,0.5\n"
		"\n"
		"HeadYaw,\n";
	FCurveRemapSettings Settings;
	std::string Error;
	CHECK(ParseRemapCsv(Text, Settings, &Error));
	CHECK(Settings.Naming == ECurveNaming::ArkitCamelCase);
	CHECK(!Settings.bPassUnlisted);
	CHECK(Settings.bClamp);
	CHECK(Settings.Rules.size() == 3);
	CHECK_EQ_STR(Settings.Rules[0].Target, "jaw_open");
	CHECK_NEAR(Settings.Rules[0].Multiplier, 1.25, 0);
	CHECK_NEAR(Settings.Rules[0].Offset, 0.05, 1e-9);
	CHECK_NEAR(Settings.Rules[1].Offset, 0.0, 0);
	CHECK(Settings.Rules[2].Target.empty());

	FCurveRemapSettings Again;
	CHECK(ParseRemapCsv(WriteRemapCsv(Settings), Again, &Error));
	CHECK(Again.Rules.size() == Settings.Rules.size());
	for (size_t Index = 0; Index < Again.Rules.size(); ++Index)
	{
		CHECK_EQ_STR(Again.Rules[Index].Source, Settings.Rules[Index].Source);
		CHECK_EQ_STR(Again.Rules[Index].Target, Settings.Rules[Index].Target);
		CHECK(Again.Rules[Index].Multiplier == Settings.Rules[Index].Multiplier);
		CHECK(Again.Rules[Index].Offset == Settings.Rules[Index].Offset);
	}
	CHECK(Again.Naming == Settings.Naming && Again.bPassUnlisted == Settings.bPassUnlisted);

	CHECK(!ParseRemapCsv("JawOpen,jaw,abc\n", Settings, &Error));
	CHECK_EQ_STR(Error, "line 1: multiplier 'abc' is not a finite number");
	CHECK(!ParseRemapCsv("# x\nJawOpen,jaw,1,inf\n", Settings, &Error));
	CHECK(Error.rfind("line 2:", 0) == 0);
	CHECK(!ParseRemapCsv("JawOpen\n", Settings, &Error));
	CHECK(!ParseRemapCsv(",jaw\n", Settings, &Error));
	CHECK(!ParseRemapCsv("@naming Klingon\n", Settings, &Error));
	CHECK(!ParseRemapCsv("@colour red\n", Settings, &Error));
	CHECK(!ParseRemapCsv("a,b,1,2,3\n", Settings, &Error));
	// A failed parse leaves the previous settings alone.
	CHECK(Settings.Rules.size() == 3);
}

TEST_MAIN()
