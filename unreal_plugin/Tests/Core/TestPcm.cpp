// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkPcm.h"
#include "TestHarness.h"

using namespace FantasyTalking;

TEST_CASE("float to 16-bit: scale, clamp, round, and no NaN gets through")
{
	const float In[] = {0.0f, 1.0f, -1.0f, 2.0f, -3.0f, 0.5f, std::nanf(""), 1e-6f};
	std::vector<int16_t> Out;
	FloatToInt16(In, 8, Out);
	CHECK(Out.size() == 8);
	CHECK(Out[0] == 0 && Out[1] == 32767 && Out[2] == -32767);
	CHECK(Out[3] == 32767 && Out[4] == -32767);
	CHECK(Out[5] == 16384 && Out[6] == 0 && Out[7] == 0);
}

TEST_CASE("mono and stereo pass through; more channels average to mono; bad layouts are refused")
{
	const int16_t Stereo[] = {1, 2, 3, 4};
	std::vector<int16_t> Out;
	CHECK(PrepareForServer(Stereo, 4, 2, Out) == 2 && Out.size() == 4 && Out[3] == 4);
	CHECK(PrepareForServer(Stereo, 4, 1, Out) == 1 && Out.size() == 4);
	const int16_t Quad[] = {100, 200, 300, 400, -4, -4, -4, -4};
	CHECK(PrepareForServer(Quad, 8, 4, Out) == 1);
	CHECK(Out.size() == 2 && Out[0] == 250 && Out[1] == -4);
	CHECK(PrepareForServer(Quad, 7, 4, Out) == 0 && Out.empty());
	CHECK(PrepareForServer(Quad, 8, 0, Out) == 0);
	CHECK(Int16BytesPerSecond(16000, 2) == 64000.0);
}

TEST_CASE("gapless top-up: nothing while half the target waits, whole frames back to the target otherwise")
{
	CHECK(GaplessTopUpBytes(3000, 4800, 4) == 0);
	CHECK(GaplessTopUpBytes(2400, 4800, 4) == 0);
	CHECK(GaplessTopUpBytes(2399, 4800, 4) == 2400);  // 2401 rounded down to whole 4-byte frames
	CHECK(GaplessTopUpBytes(0, 4800, 4) == 4800);
	CHECK(GaplessTopUpBytes(-8, 4800, 4) == 4800);
	CHECK(GaplessTopUpBytes(0, 4800, 0) == 0);
	CHECK(GaplessTopUpBytes(0, 0, 2) == 0);
}

TEST_MAIN()
