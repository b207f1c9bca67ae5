// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"

namespace FantasyTalking
{
	/**
	 * The audio clock as the game thread sees it.
	 *
	 * The audio engine reports where playback is only now and then (Unreal: once per audio buffer,
	 * every 10-40 ms, on the game thread after the fact), while the face is sampled every game
	 * frame. Between reports the clock runs on at wall-clock speed, never more than
	 * MaxExtrapolation past the last report (a stalled or finished sound stops the face instead of
	 * letting it run ahead), and never backwards by less than SeekThreshold (a late report does
	 * not make the mouth stutter). Every report re-anchors the clock to the audio's own position,
	 * so errors cannot accumulate however long the audio plays: the audio is the clock.
	 */
	class FTALKCORE_API FPlaybackClock
	{
	public:
		/** Forgets every report; Now returns AudioSeconds until the next report. */
		void Reset(double AudioSeconds = 0.0);

		/** Playback is at AudioSeconds at WallSeconds (any monotonic clock, such as FPlatformTime::Seconds). */
		void Report(double AudioSeconds, double WallSeconds);

		/** The audio time to sample at WallSeconds, minus the output latency. */
		double Now(double WallSeconds);

		bool HasReport() const { return bHasReport; }

		/** How far past the last report the clock may run (default 0.1 s). */
		double MaxExtrapolation = 0.1;
		/** A report this far behind what the clock already returned is a seek, not jitter (default 0.25 s). */
		double SeekThreshold = 0.25;
		/** Audio leaves the speakers this much after the engine reports it played (default 0). */
		double OutputLatency = 0.0;

	private:
		double LastAudio = 0.0;
		double LastWall = 0.0;
		double LastReturned = 0.0;
		bool bHasReport = false;
	};
}
