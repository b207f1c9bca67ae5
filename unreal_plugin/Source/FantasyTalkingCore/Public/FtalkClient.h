// Copyright FantasyTalking contributors. Apache-2.0.

#pragma once

#include "FtalkCoreApi.h"
#include "FtalkFrameTrack.h"

#include "ftalk_client.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

/**
 * C++ ownership over the native client's C API (ftalk_client.h), without Unreal types.
 *
 * The C API is the contract; these classes only give each handle one owner (closed in the
 * destructor), turn every status into an FResult that carries the library's message, and copy
 * clips and stream frames into FFrameTrack. The Unreal modules use nothing else of the library,
 * and the CTest suite runs these classes against the real server.
 */
namespace FantasyTalking
{
	/** A status and, when it is an error, the library's message. */
	struct FTALKCORE_API FResult
	{
		ftalk_status Status = FTALK_OK;
		std::string Message;

		bool IsOk() const { return Status >= 0; }
		bool IsError() const { return Status < 0; }

		/** Status plus ftalk_last_error() when Status is an error (call on the failing thread). */
		static FResult FromStatus(ftalk_status Status);
		static FResult Error(ftalk_status Status, std::string Message);
	};

	/** ftalk_client_config as owned strings. */
	struct FConnectionSettings
	{
		std::string Address = "127.0.0.1:50051";
		std::string Token;
		bool bUseTls = false;
		/** PEM of the root that signs the server's certificate; empty for the system roots. */
		std::string TlsRootCertPem;
		std::string TlsServerName;
		uint32_t ConnectTimeoutMs = 0;
		uint32_t CallTimeoutMs = 0;
		uint32_t LongCallTimeoutMs = 0;
	};

	/** ftalk_animation_options as owned strings; negative numbers mean the server's default. */
	struct FAnimationSettings
	{
		uint32_t Fps = 30;
		int32_t LookaheadMs = -1;
		std::string Language;
		std::string Transcript;
		float HeadMotion = -1.0f;
		float Blink = -1.0f;
		float Expression = -1.0f;
		ftalk_rig_profile Rig = FTALK_RIG_ARKIT_52;
		uint64_t Seed = 0;
		std::vector<std::pair<std::string, float>> Emotions;
	};

	/**
	 * Fills Out from Settings. The C struct points into Settings and NameStorage, so both must
	 * outlive the call that uses Out (the library copies everything before returning).
	 */
	FTALKCORE_API void FillAnimationOptions(const FAnimationSettings& Settings, std::vector<const char*>& NameStorage,
		std::vector<float>& StrengthStorage, ftalk_animation_options& Out);

	/** Names of a stream or clip, copied out of the library. */
	struct FAnimationLayout
	{
		std::vector<std::string> CurveNames;
		std::vector<std::string> JointNames;
		uint32_t Fps = 0;
		uint32_t LookaheadMs = 0;
		std::string Engine;
	};

	FTALKCORE_API FAnimationLayout CopyLayout(const ftalk_animation_header& Header);

	/** A connection to one server; shared by every stream and call made from it. */
	class FTALKCORE_API FClient
	{
	public:
		static FResult Create(const FConnectionSettings& Settings, std::shared_ptr<FClient>& OutClient);
		~FClient();
		FClient(const FClient&) = delete;
		FClient& operator=(const FClient&) = delete;

		/** Blocking (connect + call timeout): checks the peer is a FantasyTalking v1 server that takes our token. */
		FResult Connect();

		ftalk_client* Get() const { return Handle; }
		const FConnectionSettings& GetSettings() const { return Settings; }

	private:
		FClient() = default;
		ftalk_client* Handle = nullptr;
		FConnectionSettings Settings;
	};

	/** A live animation stream or a Speak stream. Closing (the destructor) cancels it if still running. */
	class FTALKCORE_API FStream
	{
	public:
		/**
		 * Opens a live stream for PCM in Encoding at SampleRateHz; never blocks.
		 *
		 * IdleAfterMs is how long the server waits for audio before it fills the gap with idle frames
		 * "as if silence had been sent" (0: the server's 250 ms). Such filler moves the stream clock
		 * ahead of the audio the caller plays, so a caller that plays the audio itself passes the
		 * maximum, MaxIdleAfterMs, and keeps its audio gapless instead (see UFantasyTalkingComponent).
		 */
		static FResult OpenLive(const std::shared_ptr<FClient>& Client, ftalk_audio_encoding Encoding, uint32_t SampleRateHz,
			uint32_t Channels, const FAnimationSettings& Animation, std::unique_ptr<FStream>& OutStream, uint32_t IdleAfterMs = 0);

		/** The longest idle_after_ms the server accepts. */
		static constexpr uint32_t MaxIdleAfterMs = 10000;

		/** Starts speaking Text; audio comes back through ReadAudio as s16le at SampleRateHz. Never blocks. */
		static FResult OpenSpeak(const std::shared_ptr<FClient>& Client, const std::string& Text, const std::string& Language,
			const std::string& Voice, uint32_t SampleRateHz, const FAnimationSettings& Animation, std::unique_ptr<FStream>& OutStream);

		~FStream();
		FStream(const FStream&) = delete;
		FStream& operator=(const FStream&) = delete;

		FResult PushFloat(const float* Samples, size_t NumSamples);
		FResult PushInt16(const int16_t* Samples, size_t NumSamples);
		FResult Interrupt();
		FResult End();

		/** Waits up to TimeoutMs for the header; FTALK_NOT_READY on time-out. */
		FResult WaitReady(uint32_t TimeoutMs);
		/** Waits up to TimeoutMs for the end; FTALK_DONE when finished or failed. */
		FResult Wait(uint32_t TimeoutMs);

		/** The names, once the header has come (false before). */
		bool GetLayout(FAnimationLayout& OutLayout) const;

		/**
		 * Samples at TimeSeconds on the audio clock into Out (sized from the header). FTALK_NOT_READY
		 * before the header or the first frame (Out is then neutral, when the header is known).
		 */
		FResult Sample(double TimeSeconds, FPose& Out) const;

		/** Speak streams: appends synthesised s16le PCM waiting in the library. FTALK_DONE when all of it has been read. */
		FResult ReadAudio(std::vector<int16_t>& OutSamples);

		/** Sample rate of the Speak audio (0 before its header). */
		uint32_t GetSpeechSampleRate() const;

		/** Copies every frame the library still holds into Track (layout from the header). */
		FResult CopyFramesTo(FFrameTrack& Track) const;

		/** State, error and the server's closing message. */
		ftalk_stream_result GetResult(std::string* OutMessage = nullptr) const;

		ftalk_stream* Get() const { return Handle; }

	private:
		FStream() = default;
		std::shared_ptr<FClient> Client;
		ftalk_stream* Handle = nullptr;
		uint32_t SpeechSampleRate = 0;
	};

	/** AnimateClip: a whole file or PCM buffer in, every frame out, copied into a track. Blocking. */
	FTALKCORE_API FResult AnimateFile(FClient& Client, const void* FileBytes, size_t FileSize, const FAnimationSettings& Animation,
		FFrameTrack& OutTrack, FAnimationLayout* OutLayout = nullptr);
	FTALKCORE_API FResult AnimatePcm(FClient& Client, const void* Pcm, size_t Bytes, ftalk_audio_encoding Encoding, uint32_t SampleRateHz,
		uint32_t Channels, const FAnimationSettings& Animation, FFrameTrack& OutTrack, FAnimationLayout* OutLayout = nullptr);

	/** Copies a clip's frames into a track (what AnimateFile does after the call). */
	FTALKCORE_API FResult ClipToTrack(const ftalk_clip* Clip, FFrameTrack& OutTrack, FAnimationLayout* OutLayout = nullptr);

	/** What CreateHead returns, copied out of the library. */
	struct FHeadResult
	{
		std::vector<uint8_t> Glb;
		std::vector<std::string> MorphTargetNames;
		std::vector<std::string> JointNames;
		std::vector<std::string> Warnings;
		float YawDegrees = 0.0f;
		float PitchDegrees = 0.0f;
		float RollDegrees = 0.0f;
		float Frontality = 0.0f;
		float InferredFraction = 0.0f;
	};

	/** Progress: stage and fraction 0..1; return false to cancel. Runs on the calling thread. */
	using FHeadProgress = std::function<bool(const char* Stage, float Fraction)>;

	/** What CreateHead builds (ftalk_head_request). */
	struct FHeadSettings
	{
		/** Texture atlas side 512..4096; 0 means 1024. */
		uint32_t TextureSize = 1024;
		/** "" or "auto" (chosen from the photo), "none", or a style: short02, short04, bob02, long01, ponytail01, afro01. */
		std::string Hair;
		/** Level of detail 0..3: 0 the full head, 1..3 a half, a quarter, an eighth of its triangles. */
		uint32_t Lod = 0;
	};

	/** CreateHead: an encoded photo (JPEG, PNG, WebP) in, a GLB out. Blocking (long call timeout). */
	FTALKCORE_API FResult CreateHead(FClient& Client, const void* Image, size_t ImageSize, const FHeadSettings& Settings,
		const FHeadProgress& Progress, FHeadResult& OutHead);
}
