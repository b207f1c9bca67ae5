// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"
#include "FtalkCurveNames.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace FantasyTalking
{
	struct FPose;

	/**
	 * One rule of a remap table: Target += Source * Multiplier + Offset.
	 *
	 * Source may be spelled any way FindLiveLinkCurve understands ("JawOpen", "jawOpen"), or be
	 * any other curve the stream carries ("TongueTipUp", "viseme_aa"). An empty Target drops the
	 * source curve. Several rules may share a Source (one curve drives several targets) or a
	 * Target (their contributions add up).
	 */
	struct FCurveRemapRule
	{
		std::string Source;
		std::string Target;
		float Multiplier = 1.0f;
		float Offset = 0.0f;
	};

	/** A whole remap: the rig's spelling for curves without a rule, plus the rules. */
	struct FCurveRemapSettings
	{
		/** Spelling of every curve that no rule names. */
		ECurveNaming Naming = ECurveNaming::LiveLinkFace;
		std::vector<FCurveRemapRule> Rules;
		/** Whether curves that no rule names go out (under Naming's spelling) or are dropped. */
		bool bPassUnlisted = true;
		/** Clamp blendshape targets to [0, 1] and angle targets (all sources angles) to [-1, 1]. */
		bool bClamp = true;
	};

	/** Ready-made remaps for common rigs. */
	enum class ERemapPreset : uint8_t
	{
		/** Live Link Face names, everything passed: MetaHuman's ARKit mapping pose, our GLB heads. */
		MetaHuman,
		/** Ready Player Me: camelCase ARKit, its mouthOpen / mouthSmile extras, no head curves. */
		ReadyPlayerMe,
		/** Apple's ARBlendShapeLocation names (eyeBlink_L). */
		AppleArkit,
	};

	FTALKCORE_API FCurveRemapSettings MakeRemapPreset(ERemapPreset Preset);

	/**
	 * The source curve list the remapper reads: the stream's curve names, then (optionally) the nine
	 * Live Link angles as Live Link normalises them (radians / pi).
	 */
	FTALKCORE_API std::vector<std::string> MakeSourceNames(const std::vector<std::string>& StreamCurveNames, bool bIncludeAngles);

	/** Fills OutValues to match MakeSourceNames: the pose's weights, then its angles / pi (0 if the pose has none). */
	FTALKCORE_API void MakeSourceValues(const FPose& Pose, bool bIncludeAngles, std::vector<float>& OutValues);

	/**
	 * A remap compiled against one stream's curve list: from then on Apply is a flat loop over
	 * precomputed indices, cheap enough for every animation update.
	 */
	class FTALKCORE_API FCurveRemapper
	{
	public:
		/**
		 * Compiles Settings for SourceNames. False with a reason for a rule that cannot work
		 * (empty Source, a non-finite multiplier or offset). Rules whose Source the stream does not
		 * carry are not an error (a table may serve several rig profiles): see GetUnmatchedRules.
		 */
		bool Build(const std::vector<std::string>& SourceNames, const FCurveRemapSettings& Settings, std::string* OutError = nullptr);

		size_t NumSources() const { return NumSourceCurves; }
		size_t NumTargets() const { return TargetNames.size(); }
		const std::vector<std::string>& GetTargetNames() const { return TargetNames; }

		/** Indices into Settings.Rules of rules whose Source matched nothing. */
		const std::vector<size_t>& GetUnmatchedRules() const { return UnmatchedRules; }

		/** Source values in SourceNames order → target values in GetTargetNames order. */
		void Apply(const float* SourceValues, size_t NumValues, float* OutTargetValues) const;

		/** Convenience for the above with vectors (OutTargetValues is resized). */
		void Apply(const std::vector<float>& SourceValues, std::vector<float>& OutTargetValues) const;

	private:
		struct FTerm
		{
			size_t Source = 0;
			size_t Target = 0;
			float Multiplier = 1.0f;
			float Offset = 0.0f;
		};

		size_t NumSourceCurves = 0;
		std::vector<std::string> TargetNames;
		/** Per target: 0 no clamp, 1 clamp to [0, 1], 2 clamp to [-1, 1]. */
		std::vector<unsigned char> TargetClamp;
		std::vector<FTerm> Terms;
		std::vector<size_t> UnmatchedRules;
	};

	/**
	 * Reads a remap table from CSV text, the format the data asset imports and exports:
	 *
	 *     # comment
	 *     @naming ArkitCamelCase        (optional; LiveLinkFace by default)
	 *     @unlisted drop                (optional; "pass" by default)
	 *     @clamp off                    (optional; "on" by default)
	 *     source,target,multiplier,offset
	 *     JawOpen,jawOpen,1.2,0
	 *     MouthSmileLeft,smile,0.5      (multiplier and offset may be left out)
	 *     HeadYaw,                      (an empty target drops the curve)
	 *
	 * The header line is optional. False with "line N: ..." on the first bad line.
	 */
	FTALKCORE_API bool ParseRemapCsv(std::string_view Text, FCurveRemapSettings& OutSettings, std::string* OutError = nullptr);

	/** Writes Settings in the format ParseRemapCsv reads (round trip exact for 9 significant digits). */
	FTALKCORE_API std::string WriteRemapCsv(const FCurveRemapSettings& Settings);
}
