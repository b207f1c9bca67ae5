// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkPcm.h"

#include <algorithm>
#include <cmath>

namespace FantasyTalking
{
	void FloatToInt16(const float* Samples, size_t NumSamples, std::vector<int16_t>& Out)
	{
		Out.resize(NumSamples);
		for (size_t Index = 0; Index < NumSamples; ++Index)
		{
			const float Value = std::isfinite(Samples[Index]) ? Samples[Index] : 0.0f;
			const float Scaled = std::round(std::min(1.0f, std::max(-1.0f, Value)) * 32767.0f);
			Out[Index] = static_cast<int16_t>(Scaled);
		}
	}

	int32_t PrepareForServer(const int16_t* Samples, size_t NumSamples, int32_t NumChannels, std::vector<int16_t>& Out)
	{
		Out.clear();
		if (NumChannels < 1 || NumSamples % static_cast<size_t>(NumChannels) != 0)
		{
			return 0;
		}
		if (NumChannels <= 2)
		{
			Out.assign(Samples, Samples + NumSamples);
			return NumChannels;
		}
		const size_t NumFrames = NumSamples / static_cast<size_t>(NumChannels);
		Out.resize(NumFrames);
		for (size_t Frame = 0; Frame < NumFrames; ++Frame)
		{
			int32_t Sum = 0;
			for (int32_t Channel = 0; Channel < NumChannels; ++Channel)
			{
				Sum += Samples[Frame * static_cast<size_t>(NumChannels) + static_cast<size_t>(Channel)];
			}
			Out[Frame] = static_cast<int16_t>(Sum / NumChannels);
		}
		return 1;
	}

	int64_t GaplessTopUpBytes(int64_t AvailableBytes, int64_t TargetBytes, int64_t FrameBytes)
	{
		if (FrameBytes <= 0 || TargetBytes <= 0 || AvailableBytes * 2 >= TargetBytes)
		{
			return 0;
		}
		return (TargetBytes - std::max<int64_t>(AvailableBytes, 0)) / FrameBytes * FrameBytes;
	}
}
