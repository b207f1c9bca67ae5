// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"
#include "FtalkMath.h"

#include <cstddef>
#include <string>
#include <vector>

namespace FantasyTalking
{
	/** One animation frame as the server sends it: weights in header order, joints, the nine angles in radians. */
	struct FFrame
	{
		double TimeSeconds = 0.0;
		std::vector<float> Weights;
		std::vector<FQuatd> Joints;
		std::vector<float> Angles;
		bool bIdle = false;
	};

	/** What sampling a track at one instant gives. */
	struct FPose
	{
		std::vector<float> Weights;
		std::vector<FQuatd> Joints;
		std::vector<float> Angles;
		bool bIdle = false;
	};

	/**
	 * Frames of a whole clip (AnimateClip, a Speak reply, a recorded stream) sampled on the audio clock.
	 *
	 * Live streams are sampled by the native library (ftalk_stream_sample); this is the same rule for
	 * what the plugin holds itself: clips for playback and the bake. Weights and angles interpolate
	 * linearly, joints by slerp; before the first frame the first frame holds, after the last the
	 * last. Not thread-safe: one owner appends and samples (the plugin's owners lock around it).
	 */
	class FTALKCORE_API FFrameTrack
	{
	public:
		/** Names once, as in the stream's header. Clears any frames. */
		void SetLayout(std::vector<std::string> InCurveNames, std::vector<std::string> InJointNames);

		/**
		 * Adds a frame. Refused (false, with a reason) when its sizes differ from the layout, or its
		 * time is not after the previous frame's, or it holds a non-finite number.
		 */
		bool Append(FFrame Frame, std::string* OutError = nullptr);

		/** Samples at TimeSeconds; false (Out untouched) when the track is empty. */
		bool Sample(double TimeSeconds, FPose& Out) const;

		/** Drops frames no longer needed to sample at or after TimeSeconds (bounds memory in long sessions). */
		void DiscardBefore(double TimeSeconds);

		void Reset();

		const std::vector<std::string>& GetCurveNames() const { return CurveNames; }
		const std::vector<std::string>& GetJointNames() const { return JointNames; }
		size_t Num() const { return Frames.size(); }
		const FFrame& GetFrame(size_t Index) const { return Frames[Index]; }
		double GetStartTime() const { return Frames.empty() ? 0.0 : Frames.front().TimeSeconds; }
		double GetEndTime() const { return Frames.empty() ? 0.0 : Frames.back().TimeSeconds; }

	private:
		std::vector<std::string> CurveNames;
		std::vector<std::string> JointNames;
		std::vector<FFrame> Frames;
	};
}
