// Copyright FantasyTalking contributors. Apache-2.0.
//
// A few assertion macros for the core's CTest executables: each test file is one executable whose
// main runs its cases and exits non-zero on the first failing check of any case.

#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace FtalkTest
{
	struct FCase
	{
		const char* Name;
		std::function<void()> Body;
	};

	inline std::vector<FCase>& Cases()
	{
		static std::vector<FCase> All;
		return All;
	}

	inline int& Failures()
	{
		static int Count = 0;
		return Count;
	}

	struct FRegister
	{
		FRegister(const char* Name, std::function<void()> Body) { Cases().push_back({Name, std::move(Body)}); }
	};

	inline int RunAll()
	{
		int Passed = 0;
		for (const FCase& Case : Cases())
		{
			std::printf("...  %s\n", Case.Name);
			std::fflush(stdout);
			const int Before = Failures();
			Case.Body();
			if (Failures() == Before)
			{
				++Passed;
				std::printf("ok   %s\n", Case.Name);
			}
			else
			{
				std::printf("FAIL %s\n", Case.Name);
			}
		}
		std::printf("%d passed, %d failed\n", Passed, static_cast<int>(Cases().size()) - Passed);
		return Passed == static_cast<int>(Cases().size()) ? 0 : 1;
	}
}

#define FTALK_CONCAT_INNER(A, B) A##B
#define FTALK_CONCAT(A, B) FTALK_CONCAT_INNER(A, B)
#define TEST_CASE(Name) \
	static void FTALK_CONCAT(TestBody_, __LINE__)(); \
	static FtalkTest::FRegister FTALK_CONCAT(TestRegister_, __LINE__)(Name, &FTALK_CONCAT(TestBody_, __LINE__)); \
	static void FTALK_CONCAT(TestBody_, __LINE__)()

#define CHECK(Condition) \
	do { if (!(Condition)) { ++FtalkTest::Failures(); std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #Condition); } } while (0)

#define CHECK_EQ_STR(A, B) \
	do { const std::string FtalkA_(A); const std::string FtalkB_(B); if (FtalkA_ != FtalkB_) { ++FtalkTest::Failures(); \
		std::printf("  %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, FtalkA_.c_str(), FtalkB_.c_str()); } } while (0)

#define CHECK_NEAR(A, B, Tolerance) \
	do { const double FtalkA_ = (A); const double FtalkB_ = (B); if (!(std::fabs(FtalkA_ - FtalkB_) <= (Tolerance))) { ++FtalkTest::Failures(); \
		std::printf("  %s:%d: %s = %.9g, %s = %.9g, differ by more than %g\n", __FILE__, __LINE__, #A, FtalkA_, #B, FtalkB_, static_cast<double>(Tolerance)); } } while (0)

#define TEST_MAIN() int main() { return FtalkTest::RunAll(); }
