// Copyright FantasyTalking contributors. Apache-2.0.
//
// The plugin's C++ layer over libftalk_client against the real server: a live stream, a clip,
// Speak and CreateHead, each turned into the FFrameTrack the Unreal modules play and bake. The
// checks tie the plugin's assumptions to what really arrives: the header's names are the Live
// Link names in Live Link order, and the plugin's own sampling of a track agrees with the
// library's ftalk_stream_sample / ftalk_clip_sample at any instant.

#include "FtalkBake.h"
#include "FtalkClient.h"
#include "FtalkCurveNames.h"
#include "ServerProcess.h"
#include "TestHarness.h"

#include <chrono>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

using namespace FantasyTalking;

namespace
{
	std::shared_ptr<FClient> GClient;
	/** The live stream's frames, compared with AnimateClip's of the same audio. */
	FFrameTrack GStreamTrack;

	/**
	 * A voiced, syllable-paced signal at 16 kHz: a glottal-like source (harmonics of a 120 Hz pitch
	 * gliding by 8 %, falling 6 dB an octave, up to 7.6 kHz) through three formants that alternate
	 * between an open /a/ (700, 1200 Hz) and a closer /e/ (450, 1900 Hz) syllable by syllable. A voice's
	 * spectrum fills every band; a buzz with two formants and nothing above them is not speech, and the
	 * engine's learned opening rightly leaves such a sound's mouth shut.
	 */
	std::vector<float> Voice(double Seconds)
	{
		const int Rate = 16000;
		const double Pi = 3.14159265358979;
		std::vector<float> Samples(static_cast<size_t>(Seconds * Rate));
		double Phase = 0.0;
		for (size_t Index = 0; Index < Samples.size(); ++Index)
		{
			const double Time = static_cast<double>(Index) / Rate;
			const double Syllable = 0.5 - 0.5 * std::cos(2.0 * Pi * 4.0 * Time);
			const double Pitch = 120.0 * (1.0 + 0.08 * std::sin(2.0 * Pi * 1.3 * Time));
			Phase += 2.0 * Pi * Pitch / Rate;
			const bool bOpenVowel = static_cast<int>(std::floor(Time * 4.0)) % 2 == 0;
			const double F1 = bOpenVowel ? 700.0 : 450.0;
			const double F2 = bOpenVowel ? 1200.0 : 1900.0;
			double Value = 0.0;
			for (int Harmonic = 1; Pitch * Harmonic < 7600.0; ++Harmonic)
			{
				const double Frequency = Pitch * Harmonic;
				const double Formants = std::exp(-std::pow((Frequency - F1) / 150.0, 2)) + 0.5 * std::exp(-std::pow((Frequency - F2) / 200.0, 2))
					+ 0.25 * std::exp(-std::pow((Frequency - 2600.0) / 300.0, 2)) + 0.02;
				Value += Formants * std::sin(Harmonic * Phase) / Harmonic;
			}
			Samples[Index] = static_cast<float>(0.3 * Syllable * Value);
		}
		return Samples;
	}

	double QuatAgreement(const FQuatd& A, const FQuatd& B)
	{
		return std::fabs(Dot(A, B));
	}

	void CheckHeaderIsLiveLink(const FAnimationLayout& Layout)
	{
		CHECK(Layout.CurveNames.size() >= 52);
		for (size_t Index = 0; Index < 52 && Index < Layout.CurveNames.size(); ++Index)
		{
			CHECK_EQ_STR(Layout.CurveNames[Index], LiveLinkCurveNames()[Index]);
		}
		CHECK(Layout.JointNames.size() == static_cast<size_t>(NumJoints));
		for (size_t Index = 0; Index < Layout.JointNames.size() && Index < static_cast<size_t>(NumJoints); ++Index)
		{
			CHECK_EQ_STR(Layout.JointNames[Index], JointNames()[Index]);
		}
	}
}

TEST_CASE("a live stream: Live Link names, frames on the audio clock, plugin sampling equals the library's")
{
	std::unique_ptr<FStream> Stream;
	FAnimationSettings Animation;
	Animation.Seed = 5;
	// The plugin plays what it pushes, so it asks the server not to fill gaps (see FStream::OpenLive).
	FResult Result = FStream::OpenLive(GClient, FTALK_AUDIO_PCM_F32LE, 16000, 1, Animation, Stream, FStream::MaxIdleAfterMs);
	CHECK(Result.IsOk());
	if (!Result.IsOk())
	{
		std::printf("  %s\n", Result.Message.c_str());
		return;
	}
	const std::vector<float> Audio = Voice(2.0);
	for (size_t Offset = 0; Offset < Audio.size(); Offset += 320) // 20 ms chunks, faster than real time
	{
		CHECK(Stream->PushFloat(Audio.data() + Offset, std::min<size_t>(320, Audio.size() - Offset)).IsOk());
	}
	CHECK(Stream->End().IsOk());
	CHECK(Stream->Wait(30000).Status == FTALK_DONE);
	std::string Message;
	const ftalk_stream_result Outcome = Stream->GetResult(&Message);
	CHECK(Outcome.state == FTALK_STREAM_FINISHED);

	FAnimationLayout Layout;
	CHECK(Stream->GetLayout(Layout));
	CheckHeaderIsLiveLink(Layout);
	CHECK(Layout.Fps == 30);

	FFrameTrack Track;
	CHECK(Stream->CopyFramesTo(Track).IsOk());
	// Two seconds of audio animate frames 0..60 (the end of the stream may add the frame at 2.0 s).
	CHECK(Track.Num() >= 60 && Track.Num() <= 61);
	size_t SpeechFrames = 0;
	for (size_t Index = 0; Index < Track.Num(); ++Index)
	{
		CHECK_NEAR(Track.GetFrame(Index).TimeSeconds, Index / 30.0, 1e-9);
		if (Track.GetFrame(Index).TimeSeconds > 2.0 + 1.0 / 30.0)
		{
			CHECK(Track.GetFrame(Index).bIdle);
		}
		SpeechFrames += Track.GetFrame(Index).bIdle ? 0 : 1;
	}
	CHECK(SpeechFrames > 30);
	if (std::getenv("FTALK_TEST_VERBOSE"))
	{
		for (size_t Index = 0; Index < Track.Num(); ++Index)
		{
			std::printf("  frame %zu t=%.3f idle=%d jaw=%.3f\n", Index, Track.GetFrame(Index).TimeSeconds, Track.GetFrame(Index).bIdle ? 1 : 0, Track.GetFrame(Index).Weights[17]);
		}
	}

	// At frame times and at random instants between them, the plugin's track and the library agree.
	std::mt19937 Random(1);
	std::uniform_real_distribution<double> Uniform(0.0, Track.GetEndTime());
	FPose FromTrack;
	FPose FromLibrary;
	double WorstWeight = 0.0;
	double WorstJoint = 0.0;
	for (int Trial = 0; Trial < 400; ++Trial)
	{
		const double Time = Trial < 60 ? Trial / 30.0 : Uniform(Random);
		CHECK(Track.Sample(Time, FromTrack));
		CHECK(Stream->Sample(Time, FromLibrary).IsOk());
		CHECK(FromTrack.Weights.size() == FromLibrary.Weights.size());
		for (size_t Index = 0; Index < FromTrack.Weights.size() && Index < FromLibrary.Weights.size(); ++Index)
		{
			WorstWeight = std::max(WorstWeight, static_cast<double>(std::fabs(FromTrack.Weights[Index] - FromLibrary.Weights[Index])));
		}
		for (size_t Index = 0; Index < FromTrack.Joints.size() && Index < FromLibrary.Joints.size(); ++Index)
		{
			WorstJoint = std::max(WorstJoint, 1.0 - QuatAgreement(FromTrack.Joints[Index], FromLibrary.Joints[Index]));
		}
	}
	std::printf("  %zu frames; worst weight difference %.2g, worst joint 1-|dot| %.2g\n", Track.Num(), WorstWeight, WorstJoint);
	CHECK(WorstWeight < 1e-5);
	CHECK(WorstJoint < 1e-6);

	// The mouth moved: the synthetic syllables open the jaw at least somewhere.
	float MaxJaw = 0.0f;
	for (size_t Index = 0; Index < Track.Num(); ++Index)
	{
		MaxJaw = std::max(MaxJaw, Track.GetFrame(Index).Weights[17]);
	}
	CHECK(MaxJaw > 0.05f);
	GStreamTrack = Track;
}

TEST_CASE("AnimateClip of the same audio gives a track that bakes into 61 Live Link curves and five bones")
{
	const std::vector<float> Audio = Voice(2.0);
	FFrameTrack Track;
	FAnimationLayout Layout;
	FAnimationSettings Animation;
	Animation.Seed = 5; // as the live stream above
	const FResult Result = AnimatePcm(*GClient, Audio.data(), Audio.size() * sizeof(float), FTALK_AUDIO_PCM_F32LE, 16000, 1, Animation, Track, &Layout);
	CHECK(Result.IsOk());
	if (!Result.IsOk())
	{
		std::printf("  %s\n", Result.Message.c_str());
		return;
	}
	CheckHeaderIsLiveLink(Layout);
	CHECK(Track.Num() >= 60);
	// The server promises a stream and a clip of the same audio give the same curves: then the
	// stream's timeline is the audio's, sample for sample, which is what the plugin plays against.
	double WorstDifference = 0.0;
	const size_t Common = std::min(Track.Num(), GStreamTrack.Num());
	CHECK(Common >= 60);
	for (size_t Index = 0; Index < Common; ++Index)
	{
		CHECK_NEAR(Track.GetFrame(Index).TimeSeconds, GStreamTrack.GetFrame(Index).TimeSeconds, 1e-9);
		for (size_t Curve = 0; Curve < Track.GetFrame(Index).Weights.size(); ++Curve)
		{
			WorstDifference = std::max(WorstDifference,
				static_cast<double>(std::fabs(Track.GetFrame(Index).Weights[Curve] - GStreamTrack.GetFrame(Index).Weights[Curve])));
		}
	}
	std::printf("  stream vs clip: %zu frames, worst curve difference %.2g\n", Common, WorstDifference);
	CHECK(WorstDifference < 1e-5);

	FBakedAnimation Baked;
	std::string Error;
	CHECK(BakeTrack(Track, FBakeSettings(), Baked, &Error));
	CHECK(Baked.Curves.size() == static_cast<size_t>(NumLiveLinkCurves));
	CHECK(Baked.Joints.size() == static_cast<size_t>(NumJoints));
	CHECK(Baked.NumFrames == static_cast<int32_t>(Track.Num()));
	CHECK(std::fabs(Track.GetFrame(0).Weights[0] - Baked.Curves[0].Keys[0].Value) < 1e-7);
	for (size_t Index = 0; Index < Baked.Curves.size(); ++Index)
	{
		CHECK_EQ_STR(Baked.Curves[Index].Name, LiveLinkCurveNames()[Index]);
	}
}

namespace
{
	void WriteWav(const std::string& Path, const std::vector<float>& Samples, int Rate)
	{
		std::ofstream File(Path, std::ios::binary);
		auto U32 = [&File](uint32_t Value) { File.write(reinterpret_cast<const char*>(&Value), 4); };
		auto U16 = [&File](uint16_t Value) { File.write(reinterpret_cast<const char*>(&Value), 2); };
		const uint32_t Bytes = static_cast<uint32_t>(Samples.size() * 2);
		File.write("RIFF", 4);
		U32(36 + Bytes);
		File.write("WAVEfmt ", 8);
		U32(16);
		U16(1);
		U16(1);
		U32(static_cast<uint32_t>(Rate));
		U32(static_cast<uint32_t>(Rate * 2));
		U16(2);
		U16(16);
		File.write("data", 4);
		U32(Bytes);
		for (float Sample : Samples)
		{
			const int16_t Value = static_cast<int16_t>(std::lround(std::max(-1.0f, std::min(1.0f, Sample)) * 32767.0f));
			File.write(reinterpret_cast<const char*>(&Value), 2);
		}
	}

	std::vector<std::string> SplitCsv(const std::string& Line)
	{
		std::vector<std::string> Cells;
		std::string Cell;
		for (char C : Line)
		{
			if (C == ',')
			{
				Cells.push_back(Cell);
				Cell.clear();
			}
			else if (C != '\r')
			{
				Cell += C;
			}
		}
		Cells.push_back(Cell);
		return Cells;
	}
}

TEST_CASE("the plugin's Live Link curve values equal the Live Link Face CSV that `ftalk animate` writes")
{
	// Same audio, same default options, two front ends: the server's CLI writes a Live Link Face
	// take (formats/livelink_csv.py); the plugin turns AnimateClip's frames into its Live Link
	// curves with MakeSourceNames/MakeSourceValues through the bake at 30 fps.
	const std::string Dir = std::string(FTALK_TEST_TMP) + "/livelink_csv";
	std::system(("mkdir -p '" + Dir + "'").c_str());
	std::vector<float> Audio = Voice(2.0);
	for (float& Sample : Audio)
	{
		Sample = static_cast<float>(std::lround(std::max(-1.0f, std::min(1.0f, Sample)) * 32767.0f)) / 32767.0f;
	}
	WriteWav(Dir + "/voice.wav", Audio, 16000);
	const std::string Command = std::string(FTALK_SERVER_COMMAND) + " animate '" + Dir + "/voice.wav' -o '" + Dir + "/take' > '" + Dir + "/animate.log' 2>&1";
	CHECK(std::system(Command.c_str()) == 0);
	std::ifstream Csv(Dir + "/take.csv");
	std::string Line;
	CHECK(static_cast<bool>(std::getline(Csv, Line)));
	const std::vector<std::string> Header = SplitCsv(Line);
	CHECK(Header.size() == 2 + static_cast<size_t>(NumLiveLinkCurves));
	std::vector<std::vector<double>> Rows;
	while (std::getline(Csv, Line))
	{
		const std::vector<std::string> Cells = SplitCsv(Line);
		std::vector<double> Values;
		for (size_t Index = 2; Index < Cells.size(); ++Index)
		{
			Values.push_back(std::atof(Cells[Index].c_str()));
		}
		Rows.push_back(Values);
	}

	std::vector<int16_t> Pcm;
	for (float Sample : Audio)
	{
		Pcm.push_back(static_cast<int16_t>(std::lround(Sample * 32767.0f)));
	}
	FFrameTrack Track;
	CHECK(AnimatePcm(*GClient, Pcm.data(), Pcm.size() * 2, FTALK_AUDIO_PCM_S16LE, 16000, 1, FAnimationSettings(), Track).IsOk());
	FBakedAnimation Baked;
	CHECK(BakeTrack(Track, FBakeSettings(), Baked));
	CHECK(Baked.Curves.size() == static_cast<size_t>(NumLiveLinkCurves));
	CHECK(Rows.size() == static_cast<size_t>(Baked.NumFrames));
	double Worst = 0.0;
	for (size_t Curve = 0; Curve < Baked.Curves.size() && Curve + 2 < Header.size(); ++Curve)
	{
		CHECK_EQ_STR(Baked.Curves[Curve].Name, Header[Curve + 2]);
		for (size_t Frame = 0; Frame < Rows.size() && Frame < Baked.Curves[Curve].Keys.size(); ++Frame)
		{
			Worst = std::max(Worst, std::fabs(Rows[Frame][Curve] - Baked.Curves[Curve].Keys[Frame].Value));
		}
	}
	std::printf("  %zu frames x %zu curves; worst difference from the CSV %.2g (the CSV keeps 8 decimals)\n", Rows.size(), Baked.Curves.size(), Worst);
	CHECK(Worst < 2e-7);
}

TEST_CASE("Speak: audio and frames on one clock, long enough for each other")
{
	std::unique_ptr<FStream> Stream;
	FResult Result = FStream::OpenSpeak(GClient, "Hello there. This is the Unreal plugin.", "en-US", "", 24000, FAnimationSettings(), Stream);
	CHECK(Result.IsOk());
	if (!Result.IsOk())
	{
		return;
	}
	std::vector<int16_t> Audio;
	for (int Waited = 0; Waited < 600; ++Waited)
	{
		if (Stream->ReadAudio(Audio).Status == FTALK_DONE)
		{
			break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	CHECK(Stream->Wait(30000).Status == FTALK_DONE);
	CHECK(Stream->GetSpeechSampleRate() == 24000);
	FFrameTrack Track;
	CHECK(Stream->CopyFramesTo(Track).IsOk());
	const double AudioSeconds = static_cast<double>(Audio.size()) / 24000.0;
	std::printf("  %.2f s of speech, %zu frames to %.2f s\n", AudioSeconds, Track.Num(), Track.GetEndTime());
	CHECK(AudioSeconds > 1.0);
	CHECK(std::fabs(Track.GetEndTime() - AudioSeconds) < 2.0 / 30.0);
}

TEST_CASE("CreateHead: a GLB with the 52 ARKit morph targets under Live Link names")
{
	std::ifstream File(FTALK_SAMPLE_PORTRAIT, std::ios::binary);
	if (!File)
	{
		std::printf("  skipped: %s is absent (../shared/samples)\n", FTALK_SAMPLE_PORTRAIT);
		return;
	}
	const std::vector<char> Image((std::istreambuf_iterator<char>(File)), std::istreambuf_iterator<char>());
	FHeadResult Head;
	int ProgressCalls = 0;
	FHeadSettings Settings;
	Settings.TextureSize = 512;
	const FResult Result = CreateHead(*GClient, Image.data(), Image.size(), Settings,
		[&ProgressCalls](const char*, float) { ++ProgressCalls; return true; }, Head);
	CHECK(Result.IsOk());
	if (!Result.IsOk())
	{
		std::printf("  %s\n", Result.Message.c_str());
		return;
	}
	CHECK(Head.Glb.size() > 1000 && std::memcmp(Head.Glb.data(), "glTF", 4) == 0);
	CHECK(Head.MorphTargetNames.size() >= 52);
	for (size_t Index = 0; Index < 52 && Index < Head.MorphTargetNames.size(); ++Index)
	{
		CHECK(FindLiveLinkCurve(Head.MorphTargetNames[Index]) == static_cast<int32_t>(Index));
	}
	CHECK(ProgressCalls > 0);

	// Hair and level of detail reach the server: no hair material without hair, a smaller file at LOD 2.
	FHeadResult Bare;
	Settings.Hair = "none";
	Settings.Lod = 2;
	CHECK(CreateHead(*GClient, Image.data(), Image.size(), Settings, nullptr, Bare).IsOk());
	const std::string BareGlb(Bare.Glb.begin(), Bare.Glb.end());
	CHECK(BareGlb.find("\"name\":\"hair\"") == std::string::npos);
	CHECK(Bare.Glb.size() < Head.Glb.size() / 2);
	CHECK(Bare.MorphTargetNames.size() == Head.MorphTargetNames.size());
	Settings.Hair = "mohawk";
	Settings.Lod = 0;
	const FResult Rejected = CreateHead(*GClient, Image.data(), Image.size(), Settings, nullptr, Bare);
	CHECK(Rejected.Status == FTALK_E_REJECTED && Rejected.Message.find("mohawk") != std::string::npos);
}

TEST_CASE("errors come back as messages: bad PCM size, a push after end, an unreachable server")
{
	std::unique_ptr<FStream> Stream;
	CHECK(FStream::OpenLive(GClient, FTALK_AUDIO_PCM_S16LE, 16000, 1, FAnimationSettings(), Stream).IsOk());
	const int16_t One = 0;
	CHECK(Stream->End().IsOk());
	const FResult AfterEnd = Stream->PushInt16(&One, 1);
	CHECK(AfterEnd.Status == FTALK_E_STATE && !AfterEnd.Message.empty());
	std::unique_ptr<FStream> BadRate;
	const FResult Rate = FStream::OpenLive(GClient, FTALK_AUDIO_PCM_S16LE, 1000, 1, FAnimationSettings(), BadRate);
	CHECK(Rate.Status == FTALK_E_INVALID_ARGUMENT && !Rate.Message.empty() && !BadRate);

	FConnectionSettings Nowhere;
	Nowhere.Address = "127.0.0.1:1"; // nothing listens on port 1
	Nowhere.ConnectTimeoutMs = 500;
	Nowhere.CallTimeoutMs = 500;
	std::shared_ptr<FClient> Client;
	CHECK(FClient::Create(Nowhere, Client).IsOk());
	const FResult Connect = Client->Connect();
	std::printf("  unreachable: %s\n", Connect.Message.c_str());
	CHECK(Connect.IsError() && !Connect.Message.empty());
}

int main()
{
	FtalkTest::FServerProcess Server;
	std::string Error;
	if (!Server.Start(FTALK_SERVER_COMMAND, {"serve", "--host", "127.0.0.1", "--port", "0"}, 90, Error))
	{
		std::printf("could not start the server: %s\n", Error.c_str());
		return 1;
	}
	FConnectionSettings Settings;
	Settings.Address = Server.Address;
	const FResult Created = FClient::Create(Settings, GClient);
	if (!Created.IsOk() || !GClient->Connect().IsOk())
	{
		std::printf("could not connect to %s\n", Server.Address.c_str());
		return 1;
	}
	std::printf("server at %s\n", Server.Address.c_str());
	std::fflush(stdout);
	const int Code = FtalkTest::RunAll();
	GClient.reset();
	Server.Stop();
	return Code;
}
