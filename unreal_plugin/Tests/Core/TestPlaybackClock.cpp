// Copyright FantasyTalking contributors. Apache-2.0.
//
// An hour of playback, simulated faster than real time: an audio device whose crystal runs 0.05 %
// fast, position reports once per 1024-sample buffer delivered with up to 8 ms of jitter, game
// frames at a jittery 60 Hz. The sampled time must never step back, stay within one report
// interval plus jitter of the true audio time, and end the hour just as close: no drift.

#include "FtalkPlaybackClock.h"
#include "TestHarness.h"

#include <random>

using namespace FantasyTalking;

TEST_CASE("an hour of jittery reports: bounded error, monotonic, no accumulated drift")
{
	std::mt19937 Random(3);
	std::uniform_real_distribution<double> ReportJitter(0.0, 0.008);
	std::uniform_real_distribution<double> FrameJitter(-0.004, 0.004);

	const double DeviceRate = 1.0005;            // audio seconds per wall second
	const double BufferSeconds = 1024.0 / 48000.0;
	FPlaybackClock Clock;
	Clock.Reset();

	double Wall = 0.0;
	double NextReportWall = BufferSeconds / DeviceRate;
	double ReportedAudio = 0.0;
	double NextDelay = ReportJitter(Random);
	double Previous = -1.0;
	double WorstError = 0.0;
	double LastError = 0.0;
	bool bMonotonic = true;
	while (Wall < 3600.0)
	{
		Wall += 1.0 / 60.0 + FrameJitter(Random);
		// Deliver every report that became due. The game thread stamps a report when it gets it,
		// which is up to 8 ms after the audio was at that position.
		while (NextReportWall + NextDelay <= Wall)
		{
			ReportedAudio += BufferSeconds;
			Clock.Report(ReportedAudio, NextReportWall + NextDelay);
			NextReportWall += BufferSeconds / DeviceRate;
			NextDelay = ReportJitter(Random);
		}
		const double Sampled = Clock.Now(Wall);
		const double TrueAudio = Wall * DeviceRate;
		bMonotonic = bMonotonic && Sampled >= Previous;
		Previous = Sampled;
		LastError = Sampled - TrueAudio;
		if (Wall > 1.0)
		{
			WorstError = std::max(WorstError, std::fabs(LastError));
		}
	}
	std::printf("  worst |error| %.2f ms, error after one hour %.2f ms\n", WorstError * 1000.0, LastError * 1000.0);
	CHECK(bMonotonic);
	CHECK(WorstError < 0.010); // the 8 ms delivery jitter, plus rounding
	CHECK(std::fabs(LastError) < 0.010);
}

TEST_CASE("a stalled sound stops the face instead of running ahead")
{
	FPlaybackClock Clock;
	Clock.Report(2.0, 10.0);
	CHECK_NEAR(Clock.Now(10.05), 2.05, 1e-12);
	CHECK_NEAR(Clock.Now(11.0), 2.0 + Clock.MaxExtrapolation, 1e-12);
	CHECK_NEAR(Clock.Now(50.0), 2.0 + Clock.MaxExtrapolation, 1e-12);
}

TEST_CASE("late reports hold the clock still; a real seek moves it back")
{
	FPlaybackClock Clock;
	Clock.Report(1.0, 0.0);
	CHECK_NEAR(Clock.Now(0.08), 1.08, 1e-12);
	Clock.Report(1.05, 0.07); // a report that lags our extrapolation a little
	CHECK_NEAR(Clock.Now(0.08), 1.08, 1e-12);
	CHECK_NEAR(Clock.Now(0.12), 1.10, 1e-12);
	Clock.Report(0.2, 0.13); // the sound restarted
	CHECK_NEAR(Clock.Now(0.13), 0.2, 1e-12);
}

TEST_CASE("before any report the clock stays where Reset put it; output latency shifts every sample")
{
	FPlaybackClock Clock;
	Clock.Reset(0.5);
	CHECK(!Clock.HasReport());
	CHECK_NEAR(Clock.Now(123.0), 0.5, 0);
	Clock.OutputLatency = 0.02;
	Clock.Report(1.0, 5.0);
	CHECK_NEAR(Clock.Now(5.0), 0.98, 1e-12);
}

TEST_MAIN()
