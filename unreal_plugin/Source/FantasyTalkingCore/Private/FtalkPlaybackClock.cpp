// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkPlaybackClock.h"

#include <algorithm>

namespace FantasyTalking
{
	void FPlaybackClock::Reset(double AudioSeconds)
	{
		LastAudio = AudioSeconds;
		LastWall = 0.0;
		LastReturned = AudioSeconds;
		bHasReport = false;
	}

	void FPlaybackClock::Report(double AudioSeconds, double WallSeconds)
	{
		LastAudio = AudioSeconds;
		LastWall = WallSeconds;
		bHasReport = true;
	}

	double FPlaybackClock::Now(double WallSeconds)
	{
		if (!bHasReport)
		{
			return LastReturned - OutputLatency;
		}
		const double Extrapolated = LastAudio + std::min(MaxExtrapolation, std::max(0.0, WallSeconds - LastWall));
		double Result = Extrapolated;
		if (Extrapolated < LastReturned && LastReturned - Extrapolated < SeekThreshold)
		{
			// The report lagged behind our extrapolation: hold still rather than step back.
			Result = LastReturned;
		}
		LastReturned = Result;
		return Result - OutputLatency;
	}
}
