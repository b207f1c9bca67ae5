// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkCurveRemap.h"

#include "FtalkFrameTrack.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace FantasyTalking
{
	namespace
	{
		constexpr double Pi = 3.14159265358979323846;

		/** Same curve? Live Link curves compare across spellings, anything else by name. */
		bool SameCurve(std::string_view A, std::string_view B)
		{
			const int32_t IndexA = FindLiveLinkCurve(A);
			if (IndexA >= 0)
			{
				return IndexA == FindLiveLinkCurve(B);
			}
			return NamesEqual(A, B);
		}

		std::string_view Trim(std::string_view Text)
		{
			while (!Text.empty() && std::isspace(static_cast<unsigned char>(Text.front())))
			{
				Text.remove_prefix(1);
			}
			while (!Text.empty() && std::isspace(static_cast<unsigned char>(Text.back())))
			{
				Text.remove_suffix(1);
			}
			return Text;
		}

		std::vector<std::string_view> SplitCells(std::string_view Line)
		{
			std::vector<std::string_view> Cells;
			size_t Start = 0;
			for (;;)
			{
				const size_t Comma = Line.find(',', Start);
				if (Comma == std::string_view::npos)
				{
					Cells.push_back(Trim(Line.substr(Start)));
					return Cells;
				}
				Cells.push_back(Trim(Line.substr(Start, Comma - Start)));
				Start = Comma + 1;
			}
		}

		bool ParseFloat(std::string_view Cell, float& Out)
		{
			const std::string Copy(Cell);
			char* End = nullptr;
			const double Value = std::strtod(Copy.c_str(), &End);
			if (Copy.empty() || End != Copy.c_str() + Copy.size() || !std::isfinite(Value))
			{
				return false;
			}
			Out = static_cast<float>(Value);
			return true;
		}

		std::string FormatFloat(float Value)
		{
			char Buffer[32];
			std::snprintf(Buffer, sizeof(Buffer), "%.9g", static_cast<double>(Value));
			return Buffer;
		}
	}

	FCurveRemapSettings MakeRemapPreset(ERemapPreset Preset)
	{
		FCurveRemapSettings Settings;
		switch (Preset)
		{
		case ERemapPreset::MetaHuman:
			break;
		case ERemapPreset::ReadyPlayerMe:
			Settings.Naming = ECurveNaming::ArkitCamelCase;
			// Ready Player Me avatars add two simple shapes beside the 52 for rigs without ARKit.
			Settings.Rules.push_back({"JawOpen", "jawOpen", 1.0f, 0.0f});
			Settings.Rules.push_back({"JawOpen", "mouthOpen", 1.0f, 0.0f});
			Settings.Rules.push_back({"MouthSmileLeft", "mouthSmileLeft", 1.0f, 0.0f});
			Settings.Rules.push_back({"MouthSmileLeft", "mouthSmile", 0.5f, 0.0f});
			Settings.Rules.push_back({"MouthSmileRight", "mouthSmileRight", 1.0f, 0.0f});
			Settings.Rules.push_back({"MouthSmileRight", "mouthSmile", 0.5f, 0.0f});
			// Head and eyes move bones on these avatars, not curves.
			for (int32_t Index = NumArkitCurves; Index < NumLiveLinkCurves; ++Index)
			{
				Settings.Rules.push_back({LiveLinkCurveNames()[Index], "", 1.0f, 0.0f});
			}
			break;
		case ERemapPreset::AppleArkit:
			Settings.Naming = ECurveNaming::AppleArkit;
			break;
		}
		return Settings;
	}

	std::vector<std::string> MakeSourceNames(const std::vector<std::string>& StreamCurveNames, bool bIncludeAngles)
	{
		std::vector<std::string> Names = StreamCurveNames;
		if (bIncludeAngles)
		{
			for (int32_t Index = NumArkitCurves; Index < NumLiveLinkCurves; ++Index)
			{
				Names.emplace_back(LiveLinkCurveNames()[Index]);
			}
		}
		return Names;
	}

	void MakeSourceValues(const FPose& Pose, bool bIncludeAngles, std::vector<float>& OutValues)
	{
		OutValues.assign(Pose.Weights.begin(), Pose.Weights.end());
		if (bIncludeAngles)
		{
			for (int32_t Index = 0; Index < NumLiveLinkAngles; ++Index)
			{
				const float Radians = Index < static_cast<int32_t>(Pose.Angles.size()) ? Pose.Angles[Index] : 0.0f;
				OutValues.push_back(static_cast<float>(Radians / Pi));
			}
		}
	}

	bool FCurveRemapper::Build(const std::vector<std::string>& SourceNames, const FCurveRemapSettings& Settings, std::string* OutError)
	{
		NumSourceCurves = SourceNames.size();
		TargetNames.clear();
		TargetClamp.clear();
		Terms.clear();
		UnmatchedRules.clear();

		for (size_t RuleIndex = 0; RuleIndex < Settings.Rules.size(); ++RuleIndex)
		{
			const FCurveRemapRule& Rule = Settings.Rules[RuleIndex];
			if (Trim(Rule.Source).empty() || !std::isfinite(Rule.Multiplier) || !std::isfinite(Rule.Offset))
			{
				if (OutError)
				{
					*OutError = "rule " + std::to_string(RuleIndex + 1) + ": a rule needs a source curve and finite multiplier and offset";
				}
				return false;
			}
		}

		// Targets in first-use order; a target is an "angle" target while every contributor is an angle.
		std::vector<bool> TargetAllAngles;
		auto TargetIndex = [this, &TargetAllAngles](const std::string& Name, bool bAngle)
		{
			for (size_t Index = 0; Index < TargetNames.size(); ++Index)
			{
				if (NamesEqual(TargetNames[Index], Name))
				{
					TargetAllAngles[Index] = TargetAllAngles[Index] && bAngle;
					return Index;
				}
			}
			TargetNames.push_back(Name);
			TargetAllAngles.push_back(bAngle);
			return TargetNames.size() - 1;
		};

		std::vector<bool> RuleMatched(Settings.Rules.size(), false);
		for (size_t Source = 0; Source < SourceNames.size(); ++Source)
		{
			const bool bAngle = IsAngleCurve(FindLiveLinkCurve(SourceNames[Source]));
			bool bHasRule = false;
			for (size_t RuleIndex = 0; RuleIndex < Settings.Rules.size(); ++RuleIndex)
			{
				const FCurveRemapRule& Rule = Settings.Rules[RuleIndex];
				if (!SameCurve(Trim(Rule.Source), SourceNames[Source]))
				{
					continue;
				}
				bHasRule = true;
				RuleMatched[RuleIndex] = true;
				const std::string Target(Trim(Rule.Target));
				if (!Target.empty())
				{
					Terms.push_back({Source, TargetIndex(Target, bAngle), Rule.Multiplier, Rule.Offset});
				}
			}
			if (!bHasRule && Settings.bPassUnlisted)
			{
				Terms.push_back({Source, TargetIndex(ConvertCurveName(SourceNames[Source], Settings.Naming), bAngle), 1.0f, 0.0f});
			}
		}
		for (size_t RuleIndex = 0; RuleIndex < RuleMatched.size(); ++RuleIndex)
		{
			if (!RuleMatched[RuleIndex])
			{
				UnmatchedRules.push_back(RuleIndex);
			}
		}
		TargetClamp.resize(TargetNames.size(), 0);
		if (Settings.bClamp)
		{
			for (size_t Index = 0; Index < TargetNames.size(); ++Index)
			{
				TargetClamp[Index] = TargetAllAngles[Index] ? 2 : 1;
			}
		}
		return true;
	}

	void FCurveRemapper::Apply(const float* SourceValues, size_t NumValues, float* OutTargetValues) const
	{
		std::fill(OutTargetValues, OutTargetValues + TargetNames.size(), 0.0f);
		for (const FTerm& Term : Terms)
		{
			const float Value = Term.Source < NumValues ? SourceValues[Term.Source] : 0.0f;
			OutTargetValues[Term.Target] += Value * Term.Multiplier + Term.Offset;
		}
		for (size_t Index = 0; Index < TargetNames.size(); ++Index)
		{
			if (TargetClamp[Index] == 1)
			{
				OutTargetValues[Index] = std::min(1.0f, std::max(0.0f, OutTargetValues[Index]));
			}
			else if (TargetClamp[Index] == 2)
			{
				OutTargetValues[Index] = std::min(1.0f, std::max(-1.0f, OutTargetValues[Index]));
			}
		}
	}

	void FCurveRemapper::Apply(const std::vector<float>& SourceValues, std::vector<float>& OutTargetValues) const
	{
		OutTargetValues.resize(TargetNames.size());
		Apply(SourceValues.data(), SourceValues.size(), OutTargetValues.data());
	}

	bool ParseRemapCsv(std::string_view Text, FCurveRemapSettings& OutSettings, std::string* OutError)
	{
		FCurveRemapSettings Settings;
		size_t LineNumber = 0;
		bool bSeenRow = false;
		auto Fail = [&LineNumber, OutError](const std::string& Reason)
		{
			if (OutError)
			{
				*OutError = "line " + std::to_string(LineNumber) + ": " + Reason;
			}
			return false;
		};
		while (!Text.empty())
		{
			++LineNumber;
			const size_t End = Text.find('\n');
			std::string_view Line = Trim(Text.substr(0, End));
			Text = End == std::string_view::npos ? std::string_view() : Text.substr(End + 1);
			if (LineNumber == 1 && Line.size() >= 3 && static_cast<unsigned char>(Line[0]) == 0xEF)
			{
				Line.remove_prefix(3); // UTF-8 byte order mark, as spreadsheets write it
			}
			if (Line.empty() || Line.front() == '#')
			{
				continue;
			}
			if (Line.front() == '@')
			{
				const size_t Space = Line.find_first_of(" \t");
				const std::string_view Key = Line.substr(1, Space == std::string_view::npos ? std::string_view::npos : Space - 1);
				const std::string_view Value = Space == std::string_view::npos ? std::string_view() : Trim(Line.substr(Space));
				if (NamesEqual(Key, "naming"))
				{
					if (!ParseCurveNaming(Value, Settings.Naming))
					{
						return Fail("unknown naming '" + std::string(Value) + "' (LiveLinkFace, ArkitCamelCase or AppleArkit)");
					}
				}
				else if (NamesEqual(Key, "unlisted"))
				{
					if (!NamesEqual(Value, "pass") && !NamesEqual(Value, "drop"))
					{
						return Fail("@unlisted takes pass or drop");
					}
					Settings.bPassUnlisted = NamesEqual(Value, "pass");
				}
				else if (NamesEqual(Key, "clamp"))
				{
					if (!NamesEqual(Value, "on") && !NamesEqual(Value, "off"))
					{
						return Fail("@clamp takes on or off");
					}
					Settings.bClamp = NamesEqual(Value, "on");
				}
				else
				{
					return Fail("unknown directive @" + std::string(Key));
				}
				continue;
			}
			const std::vector<std::string_view> Cells = SplitCells(Line);
			if (!bSeenRow && NamesEqual(Cells[0], "source"))
			{
				bSeenRow = true; // the header
				continue;
			}
			bSeenRow = true;
			if (Cells.size() < 2 || Cells.size() > 4)
			{
				return Fail("expected source,target[,multiplier[,offset]]");
			}
			if (Cells[0].empty())
			{
				return Fail("the source curve is empty");
			}
			FCurveRemapRule Rule;
			Rule.Source = std::string(Cells[0]);
			Rule.Target = std::string(Cells[1]);
			if (Cells.size() > 2 && !Cells[2].empty() && !ParseFloat(Cells[2], Rule.Multiplier))
			{
				return Fail("multiplier '" + std::string(Cells[2]) + "' is not a finite number");
			}
			if (Cells.size() > 3 && !Cells[3].empty() && !ParseFloat(Cells[3], Rule.Offset))
			{
				return Fail("offset '" + std::string(Cells[3]) + "' is not a finite number");
			}
			Settings.Rules.push_back(std::move(Rule));
		}
		OutSettings = std::move(Settings);
		return true;
	}

	std::string WriteRemapCsv(const FCurveRemapSettings& Settings)
	{
		std::string Out = "# FantasyTalking curve remap\n";
		Out += "@naming " + std::string(CurveNamingName(Settings.Naming)) + "\n";
		Out += std::string("@unlisted ") + (Settings.bPassUnlisted ? "pass" : "drop") + "\n";
		Out += std::string("@clamp ") + (Settings.bClamp ? "on" : "off") + "\n";
		Out += "source,target,multiplier,offset\n";
		for (const FCurveRemapRule& Rule : Settings.Rules)
		{
			Out += Rule.Source + "," + Rule.Target + "," + FormatFloat(Rule.Multiplier) + "," + FormatFloat(Rule.Offset) + "\n";
		}
		return Out;
	}
}
