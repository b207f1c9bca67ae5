// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace FantasyTalking
{
	/** Float samples in [-1, 1] as 16-bit PCM (clamped, rounded to nearest). */
	FTALKCORE_API void FloatToInt16(const float* Samples, size_t NumSamples, std::vector<int16_t>& Out);

	/**
	 * Interleaved audio with any channel count as what the server takes: unchanged for mono and
	 * stereo (the server averages stereo itself), averaged to mono for three channels or more.
	 * Returns the channel count of Out; 0 (Out empty) for NumChannels < 1 or a partial frame.
	 */
	FTALKCORE_API int32_t PrepareForServer(const int16_t* Samples, size_t NumSamples, int32_t NumChannels, std::vector<int16_t>& Out);

	/**
	 * Silence to queue so playback never runs dry: when fewer than half of TargetBytes are still
	 * waiting to be played, the bytes that bring the queue back to TargetBytes (whole frames of
	 * FrameBytes); otherwise 0. The same silence goes to the server, so its clock and the
	 * playback clock move together through the pause.
	 */
	FTALKCORE_API int64_t GaplessTopUpBytes(int64_t AvailableBytes, int64_t TargetBytes, int64_t FrameBytes);

	/** Bytes per second of 16-bit PCM: what the playback clock divides by. */
	constexpr double Int16BytesPerSecond(int32_t SampleRate, int32_t NumChannels)
	{
		return 2.0 * SampleRate * NumChannels;
	}
}
