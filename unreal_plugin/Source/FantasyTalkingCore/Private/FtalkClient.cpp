// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkClient.h"

#include <cstring>

namespace FantasyTalking
{
	namespace
	{
		std::vector<std::string> CopyNames(const char* const* Names, size_t Count)
		{
			std::vector<std::string> Out;
			Out.reserve(Count);
			for (size_t Index = 0; Index < Count; ++Index)
			{
				Out.emplace_back(Names[Index] ? Names[Index] : "");
			}
			return Out;
		}

		const char* OrNull(const std::string& Text)
		{
			return Text.empty() ? nullptr : Text.c_str();
		}

		FQuatd ToQuat(const ftalk_quat& Q)
		{
			return FQuatd{Q.x, Q.y, Q.z, Q.w};
		}

		struct FHeadProgressContext
		{
			const FHeadProgress* Progress = nullptr;
		};

		int OnHeadProgress(void* UserData, const char* Stage, float Fraction)
		{
			const FHeadProgressContext* Context = static_cast<const FHeadProgressContext*>(UserData);
			return (*Context->Progress)(Stage ? Stage : "", Fraction) ? 0 : 1;
		}
	}

	FResult FResult::FromStatus(ftalk_status Status)
	{
		FResult Result;
		Result.Status = Status;
		if (Status < 0)
		{
			const char* Message = ftalk_last_error();
			Result.Message = Message && *Message ? Message : ftalk_status_name(Status);
		}
		return Result;
	}

	FResult FResult::Error(ftalk_status Status, std::string Message)
	{
		FResult Result;
		Result.Status = Status;
		Result.Message = std::move(Message);
		return Result;
	}

	void FillAnimationOptions(const FAnimationSettings& Settings, std::vector<const char*>& NameStorage,
		std::vector<float>& StrengthStorage, ftalk_animation_options& Out)
	{
		ftalk_animation_options_init(&Out);
		Out.fps = Settings.Fps;
		Out.lookahead_ms = Settings.LookaheadMs;
		Out.language = OrNull(Settings.Language);
		Out.transcript = OrNull(Settings.Transcript);
		Out.head_motion = Settings.HeadMotion;
		Out.blink = Settings.Blink;
		Out.expression = Settings.Expression;
		Out.rig = Settings.Rig;
		Out.seed = Settings.Seed;
		Out.engine = FTALK_ENGINE_AUTO;
		NameStorage.clear();
		StrengthStorage.clear();
		for (const auto& Emotion : Settings.Emotions)
		{
			NameStorage.push_back(Emotion.first.c_str());
			StrengthStorage.push_back(Emotion.second);
		}
		Out.emotion_count = NameStorage.size();
		Out.emotion_names = NameStorage.empty() ? nullptr : NameStorage.data();
		Out.emotion_strengths = StrengthStorage.empty() ? nullptr : StrengthStorage.data();
	}

	FAnimationLayout CopyLayout(const ftalk_animation_header& Header)
	{
		FAnimationLayout Layout;
		Layout.CurveNames = CopyNames(Header.curve_names, Header.curve_count);
		Layout.JointNames = CopyNames(Header.joint_names, Header.joint_count);
		Layout.Fps = Header.fps;
		Layout.LookaheadMs = Header.lookahead_ms;
		Layout.Engine = Header.engine ? Header.engine : "";
		return Layout;
	}

	// Client ---------------------------------------------------------------------------------------

	FResult FClient::Create(const FConnectionSettings& Settings, std::shared_ptr<FClient>& OutClient)
	{
		if (ftalk_abi_version() != FTALK_ABI_VERSION)
		{
			return FResult::Error(FTALK_E_PROTOCOL, "the loaded ftalk_client library has ABI " + std::to_string(ftalk_abi_version())
				+ ", the plugin was built for " + std::to_string(FTALK_ABI_VERSION));
		}
		ftalk_client_config Config;
		ftalk_client_config_init(&Config);
		Config.address = Settings.Address.c_str();
		Config.use_tls = Settings.bUseTls ? 1 : 0;
		Config.tls_root_cert_pem = OrNull(Settings.TlsRootCertPem);
		Config.tls_server_name = OrNull(Settings.TlsServerName);
		Config.token = OrNull(Settings.Token);
		Config.connect_timeout_ms = Settings.ConnectTimeoutMs;
		Config.call_timeout_ms = Settings.CallTimeoutMs;
		Config.long_call_timeout_ms = Settings.LongCallTimeoutMs;
		ftalk_client* Handle = nullptr;
		const ftalk_status Status = ftalk_client_create(&Config, &Handle);
		if (Status != FTALK_OK)
		{
			return FResult::FromStatus(Status);
		}
		std::shared_ptr<FClient> Client(new FClient());
		Client->Handle = Handle;
		Client->Settings = Settings;
		OutClient = std::move(Client);
		return FResult();
	}

	FClient::~FClient()
	{
		if (Handle)
		{
			ftalk_client_close(Handle);
		}
	}

	FResult FClient::Connect()
	{
		return FResult::FromStatus(ftalk_client_connect(Handle));
	}

	// Stream ---------------------------------------------------------------------------------------

	FResult FStream::OpenLive(const std::shared_ptr<FClient>& Client, ftalk_audio_encoding Encoding, uint32_t SampleRateHz,
		uint32_t Channels, const FAnimationSettings& Animation, std::unique_ptr<FStream>& OutStream, uint32_t IdleAfterMs)
	{
		if (!Client)
		{
			return FResult::Error(FTALK_E_INVALID_ARGUMENT, "no client");
		}
		ftalk_stream_config Config;
		ftalk_stream_config_init(&Config);
		Config.encoding = Encoding;
		Config.sample_rate_hz = SampleRateHz;
		Config.channels = Channels;
		Config.idle_after_ms = IdleAfterMs;
		std::vector<const char*> Names;
		std::vector<float> Strengths;
		FillAnimationOptions(Animation, Names, Strengths, Config.options);
		ftalk_stream* Handle = nullptr;
		const ftalk_status Status = ftalk_stream_open(Client->Get(), &Config, &Handle);
		if (Status != FTALK_OK)
		{
			return FResult::FromStatus(Status);
		}
		std::unique_ptr<FStream> Stream(new FStream());
		Stream->Client = Client;
		Stream->Handle = Handle;
		OutStream = std::move(Stream);
		return FResult();
	}

	FResult FStream::OpenSpeak(const std::shared_ptr<FClient>& Client, const std::string& Text, const std::string& Language,
		const std::string& Voice, uint32_t SampleRateHz, const FAnimationSettings& Animation, std::unique_ptr<FStream>& OutStream)
	{
		if (!Client)
		{
			return FResult::Error(FTALK_E_INVALID_ARGUMENT, "no client");
		}
		ftalk_speak_request Request;
		ftalk_speak_request_init(&Request);
		Request.text = Text.c_str();
		Request.language = OrNull(Language);
		Request.voice = OrNull(Voice);
		Request.sample_rate_hz = SampleRateHz;
		Request.encoding = FTALK_AUDIO_PCM_S16LE;
		std::vector<const char*> Names;
		std::vector<float> Strengths;
		FillAnimationOptions(Animation, Names, Strengths, Request.options);
		ftalk_stream* Handle = nullptr;
		const ftalk_status Status = ftalk_speak(Client->Get(), &Request, &Handle);
		if (Status != FTALK_OK)
		{
			return FResult::FromStatus(Status);
		}
		std::unique_ptr<FStream> Stream(new FStream());
		Stream->Client = Client;
		Stream->Handle = Handle;
		OutStream = std::move(Stream);
		return FResult();
	}

	FStream::~FStream()
	{
		if (Handle)
		{
			ftalk_stream_close(Handle);
		}
	}

	FResult FStream::PushFloat(const float* Samples, size_t NumSamples)
	{
		return FResult::FromStatus(ftalk_stream_push(Handle, Samples, NumSamples * sizeof(float)));
	}

	FResult FStream::PushInt16(const int16_t* Samples, size_t NumSamples)
	{
		return FResult::FromStatus(ftalk_stream_push(Handle, Samples, NumSamples * sizeof(int16_t)));
	}

	FResult FStream::Interrupt()
	{
		return FResult::FromStatus(ftalk_stream_interrupt(Handle));
	}

	FResult FStream::End()
	{
		return FResult::FromStatus(ftalk_stream_end(Handle));
	}

	FResult FStream::WaitReady(uint32_t TimeoutMs)
	{
		return FResult::FromStatus(ftalk_stream_wait_ready(Handle, TimeoutMs));
	}

	FResult FStream::Wait(uint32_t TimeoutMs)
	{
		return FResult::FromStatus(ftalk_stream_wait(Handle, TimeoutMs));
	}

	bool FStream::GetLayout(FAnimationLayout& OutLayout) const
	{
		ftalk_animation_header Header;
		std::memset(&Header, 0, sizeof(Header));
		if (ftalk_stream_header(Handle, &Header) != FTALK_OK)
		{
			return false;
		}
		OutLayout = CopyLayout(Header);
		return true;
	}

	FResult FStream::Sample(double TimeSeconds, FPose& Out) const
	{
		ftalk_animation_header Header;
		std::memset(&Header, 0, sizeof(Header));
		const ftalk_status HeaderStatus = ftalk_stream_header(Handle, &Header);
		if (HeaderStatus != FTALK_OK)
		{
			return FResult::FromStatus(HeaderStatus);
		}
		Out.Weights.resize(Header.curve_count);
		Out.Angles.resize(FTALK_ANGLE_COUNT);
		std::vector<ftalk_quat> Joints(Header.joint_count);
		ftalk_sample_info Info;
		std::memset(&Info, 0, sizeof(Info));
		const ftalk_status Status = ftalk_stream_sample_ex(Handle, TimeSeconds, Out.Weights.data(), Out.Weights.size(),
			Joints.data(), Joints.size(), Out.Angles.data(), Out.Angles.size(), &Info);
		Out.Joints.resize(Joints.size());
		for (size_t Index = 0; Index < Joints.size(); ++Index)
		{
			Out.Joints[Index] = ToQuat(Joints[Index]);
		}
		Out.bIdle = Info.idle != 0;
		return FResult::FromStatus(Status);
	}

	FResult FStream::ReadAudio(std::vector<int16_t>& OutSamples)
	{
		int16_t Buffer[4096];
		for (;;)
		{
			size_t Bytes = 0;
			const ftalk_status Status = ftalk_stream_read_audio(Handle, Buffer, sizeof(Buffer), &Bytes);
			OutSamples.insert(OutSamples.end(), Buffer, Buffer + Bytes / sizeof(int16_t));
			if (Status != FTALK_OK || Bytes == 0)
			{
				return FResult::FromStatus(Status);
			}
		}
	}

	uint32_t FStream::GetSpeechSampleRate() const
	{
		ftalk_speech_info Info;
		std::memset(&Info, 0, sizeof(Info));
		return ftalk_stream_speech_info(Handle, &Info) == FTALK_OK ? Info.sample_rate_hz : 0;
	}

	FResult FStream::CopyFramesTo(FFrameTrack& Track) const
	{
		FAnimationLayout Layout;
		if (!GetLayout(Layout))
		{
			return FResult::Error(FTALK_NOT_READY, "the stream's header has not arrived");
		}
		Track.SetLayout(Layout.CurveNames, Layout.JointNames);
		uint64_t First = 0;
		uint64_t Count = 0;
		const ftalk_status HeldStatus = ftalk_stream_frames_held(Handle, &First, &Count);
		if (HeldStatus != FTALK_OK)
		{
			return FResult::FromStatus(HeldStatus);
		}
		std::vector<float> Weights(Layout.CurveNames.size());
		std::vector<ftalk_quat> Joints(Layout.JointNames.size());
		std::vector<float> Angles(FTALK_ANGLE_COUNT);
		for (uint64_t Index = First; Index < First + Count; ++Index)
		{
			ftalk_frame View;
			std::memset(&View, 0, sizeof(View));
			const ftalk_status Status = ftalk_stream_frame(Handle, Index, Weights.data(), Weights.size(), Joints.data(), Joints.size(),
				Angles.data(), Angles.size(), &View);
			if (Status == FTALK_NOT_READY)
			{
				continue; // dropped from the history while we copied
			}
			if (Status != FTALK_OK)
			{
				return FResult::FromStatus(Status);
			}
			FFrame Frame;
			Frame.TimeSeconds = View.time_s;
			Frame.Weights.assign(Weights.begin(), Weights.begin() + View.weight_count);
			for (size_t Joint = 0; Joint < View.joint_count; ++Joint)
			{
				Frame.Joints.push_back(ToQuat(Joints[Joint]));
			}
			Frame.Angles.assign(Angles.begin(), Angles.begin() + View.angle_count);
			Frame.bIdle = View.idle != 0;
			std::string Error;
			if (!Track.Append(std::move(Frame), &Error))
			{
				return FResult::Error(FTALK_E_PROTOCOL, "frame " + std::to_string(Index) + ": " + Error);
			}
		}
		return FResult();
	}

	ftalk_stream_result FStream::GetResult(std::string* OutMessage) const
	{
		ftalk_stream_result Result;
		std::memset(&Result, 0, sizeof(Result));
		ftalk_stream_result_get(Handle, &Result);
		if (OutMessage)
		{
			*OutMessage = Result.message ? Result.message : "";
		}
		return Result;
	}

	// Clips and heads ------------------------------------------------------------------------------

	FResult ClipToTrack(const ftalk_clip* Clip, FFrameTrack& OutTrack, FAnimationLayout* OutLayout)
	{
		ftalk_clip_view View;
		std::memset(&View, 0, sizeof(View));
		const ftalk_status Status = ftalk_clip_view_get(Clip, &View);
		if (Status != FTALK_OK)
		{
			return FResult::FromStatus(Status);
		}
		const FAnimationLayout Layout = CopyLayout(View.header);
		OutTrack.SetLayout(Layout.CurveNames, Layout.JointNames);
		const size_t NumCurves = View.header.curve_count;
		const size_t NumJoints = View.header.joint_count;
		for (size_t Index = 0; Index < View.frame_count; ++Index)
		{
			FFrame Frame;
			Frame.TimeSeconds = View.times[Index];
			Frame.Weights.assign(View.weights + Index * NumCurves, View.weights + (Index + 1) * NumCurves);
			for (size_t Joint = 0; Joint < NumJoints; ++Joint)
			{
				Frame.Joints.push_back(ToQuat(View.joints[Index * NumJoints + Joint]));
			}
			if (View.angle_count > 0)
			{
				Frame.Angles.assign(View.angles + Index * View.angle_count, View.angles + (Index + 1) * View.angle_count);
			}
			Frame.bIdle = View.idle && View.idle[Index] != 0;
			std::string Error;
			if (!OutTrack.Append(std::move(Frame), &Error))
			{
				return FResult::Error(FTALK_E_PROTOCOL, "frame " + std::to_string(Index) + ": " + Error);
			}
		}
		if (OutLayout)
		{
			*OutLayout = Layout;
		}
		return FResult();
	}

	namespace
	{
		FResult FinishClip(ftalk_status Status, ftalk_clip* Clip, FFrameTrack& OutTrack, FAnimationLayout* OutLayout)
		{
			if (Status != FTALK_OK)
			{
				return FResult::FromStatus(Status);
			}
			FResult Result = ClipToTrack(Clip, OutTrack, OutLayout);
			ftalk_clip_free(Clip);
			return Result;
		}
	}

	FResult AnimateFile(FClient& Client, const void* FileBytes, size_t FileSize, const FAnimationSettings& Animation,
		FFrameTrack& OutTrack, FAnimationLayout* OutLayout)
	{
		ftalk_animation_options Options;
		std::vector<const char*> Names;
		std::vector<float> Strengths;
		FillAnimationOptions(Animation, Names, Strengths, Options);
		ftalk_clip* Clip = nullptr;
		const ftalk_status Status = ftalk_animate_clip(Client.Get(), FileBytes, FileSize, &Options, &Clip);
		return FinishClip(Status, Clip, OutTrack, OutLayout);
	}

	FResult AnimatePcm(FClient& Client, const void* Pcm, size_t Bytes, ftalk_audio_encoding Encoding, uint32_t SampleRateHz,
		uint32_t Channels, const FAnimationSettings& Animation, FFrameTrack& OutTrack, FAnimationLayout* OutLayout)
	{
		ftalk_animation_options Options;
		std::vector<const char*> Names;
		std::vector<float> Strengths;
		FillAnimationOptions(Animation, Names, Strengths, Options);
		ftalk_clip* Clip = nullptr;
		const ftalk_status Status = ftalk_animate_pcm(Client.Get(), Pcm, Bytes, Encoding, SampleRateHz, Channels, &Options, &Clip);
		return FinishClip(Status, Clip, OutTrack, OutLayout);
	}

	FResult CreateHead(FClient& Client, const void* Image, size_t ImageSize, const FHeadSettings& Settings,
		const FHeadProgress& Progress, FHeadResult& OutHead)
	{
		ftalk_head_request Request;
		ftalk_head_request_init(&Request);
		Request.image = Image;
		Request.image_size = ImageSize;
		Request.texture_size = Settings.TextureSize;
		Request.hair = Settings.Hair.empty() ? nullptr : Settings.Hair.c_str();
		Request.lod = Settings.Lod;
		FHeadProgressContext Context{&Progress};
		if (Progress)
		{
			Request.on_progress = &OnHeadProgress;
			Request.user_data = &Context;
		}
		ftalk_head* Head = nullptr;
		const ftalk_status Status = ftalk_create_head(Client.Get(), &Request, &Head);
		if (Status != FTALK_OK)
		{
			return FResult::FromStatus(Status);
		}
		ftalk_head_view View;
		std::memset(&View, 0, sizeof(View));
		const ftalk_status ViewStatus = ftalk_head_view_get(Head, &View);
		if (ViewStatus != FTALK_OK)
		{
			FResult Result = FResult::FromStatus(ViewStatus);
			ftalk_head_free(Head);
			return Result;
		}
		OutHead.Glb.assign(View.glb, View.glb + View.glb_size);
		OutHead.MorphTargetNames = CopyNames(View.morph_target_names, View.morph_target_count);
		OutHead.JointNames = CopyNames(View.joint_names, View.joint_count);
		OutHead.Warnings = CopyNames(View.warnings, View.warning_count);
		OutHead.YawDegrees = View.yaw_deg;
		OutHead.PitchDegrees = View.pitch_deg;
		OutHead.RollDegrees = View.roll_deg;
		OutHead.Frontality = View.frontality;
		OutHead.InferredFraction = View.inferred_fraction;
		ftalk_head_free(Head);
		return FResult();
	}
}
