// P/Invoke declarations of the native client core's C API (native/include/ftalk_client.h).
//
// One line per C function, structs laid out field for field as the header declares them
// (natural alignment, size_t as UIntPtr, strings as UTF-8 IntPtr marshalled by hand so that
// Windows' ANSI code page never garbles them). Nothing here holds logic: FtalkClient and
// AnimationStream (Runtime/Core) wrap these calls with SafeHandles and exceptions.
using System;
using System.Runtime.InteropServices;

namespace FantasyTalking.Native
{
    /// <summary>ftalk_status: 0 success, positive non-error outcomes, negative errors.</summary>
    public enum FtalkStatus
    {
        Ok = 0,
        NotReady = 1,
        Done = 2,
        InvalidArgument = -1,
        BufferTooSmall = -2,
        State = -3,
        Closed = -4,
        Unavailable = -5,
        Timeout = -6,
        Unauthenticated = -7,
        Protocol = -8,
        Rejected = -9,
        ResourceExhausted = -10,
        Cancelled = -11,
        Busy = -12,
        Tls = -13,
        NoMemory = -14,
        Internal = -15,
        /// <summary>The server is shutting down and closed the stream; what it received was animated. Open a new stream to go on.</summary>
        Shutdown = -16,
    }

    public enum FtalkAudioEncoding { Unspecified = 0, PcmS16LE = 1, PcmF32LE = 2 }

    public enum FtalkRigProfile { Default = 0, Arkit52 = 1, Arkit52Tongue = 2, Arkit52Visemes = 3 }

    public enum FtalkSpeechEngine { Auto = 0, Acoustic = 1, Phonetic = 2, Fused = 3, Words = 4 }

    public enum FtalkConnectionState { Idle = 0, Connecting = 1, Ready = 2, TransientFailure = 3, Shutdown = 4 }

    public enum FtalkHealth { Unknown = 0, Serving = 1, NotServing = 2, ServiceUnknown = 3 }

    public enum FtalkStreamState { Connecting = 0, Streaming = 1, Ending = 2, Finished = 3, Failed = 4 }

    public enum FtalkSampleKind { Exact = 0, Interpolated = 1, HeldLast = 2, HeldFirst = 3, Neutral = 4 }

    public enum FtalkMeshDetail { Default = 0, Low = 1, Medium = 2, High = 3 }

    public enum FtalkLogLevel { Debug = 0, Info = 1, Error = 2 }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkQuat
    {
        public float x, y, z, w;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkAnimationOptions
    {
        public uint struct_size;
        public uint fps;
        public int lookahead_ms;
        public IntPtr language;
        public IntPtr transcript;
        public float head_motion;
        public float blink;
        public float expression;
        public FtalkRigProfile rig;
        public ulong seed;
        public FtalkSpeechEngine engine;
        public UIntPtr emotion_count;
        public IntPtr emotion_names;
        public IntPtr emotion_strengths;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkAnimationHeader
    {
        public UIntPtr curve_count;
        public IntPtr curve_names;
        public UIntPtr joint_count;
        public IntPtr joint_names;
        public uint fps;
        public uint lookahead_ms;
        public IntPtr engine;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkFrame
    {
        public double time_s;
        public ulong index;
        public int idle;
        public UIntPtr weight_count;
        public IntPtr weights;
        public UIntPtr joint_count;
        public IntPtr joints;
        public UIntPtr angle_count;
        public IntPtr angles;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkViseme
    {
        public uint viseme_id;
        public IntPtr viseme;
        public IntPtr phoneme;
        public double start_s;
        public double end_s;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkClientConfig
    {
        public uint struct_size;
        public IntPtr address;
        public int use_tls;
        public IntPtr tls_root_cert_pem;
        public IntPtr tls_server_name;
        public IntPtr token;
        public uint connect_timeout_ms;
        public uint call_timeout_ms;
        public uint long_call_timeout_ms;
        public uint reconnect_backoff_initial_ms;
        public uint reconnect_backoff_max_ms;
        public uint max_receive_message_bytes;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkEngineInfo
    {
        public IntPtr name;
        public IntPtr description;
        public UIntPtr language_count;
        public IntPtr languages;
        public int streaming;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkServerInfoView
    {
        public IntPtr version;
        public UIntPtr engine_count;
        public IntPtr engines;
        public UIntPtr language_count;
        public IntPtr languages;
        public UIntPtr service_count;
        public IntPtr services;
        public UIntPtr joint_count;
        public IntPtr joint_names;
        public ulong max_message_bytes;
        public uint max_concurrent_streams;
        public uint min_sample_rate_hz;
        public uint max_sample_rate_hz;
        public uint max_fps;
        public uint max_lookahead_ms;
        public double max_clip_seconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkVoice
    {
        public IntPtr name;
        public IntPtr engine;
        public IntPtr language;
        public IntPtr gender;
        public IntPtr description;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void FtalkFrameCallback(IntPtr userData, IntPtr frame);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void FtalkVisemeCallback(IntPtr userData, ref FtalkViseme viseme);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void FtalkAudioCallback(IntPtr userData, IntPtr pcm, UIntPtr bytes, double startSeconds);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void FtalkFinishedCallback(IntPtr userData, FtalkStreamState state, FtalkStatus error, IntPtr message);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int FtalkProgressCallback(IntPtr userData, IntPtr stage, float fraction);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void FtalkLogCallback(IntPtr userData, FtalkLogLevel level, IntPtr message);

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkStreamCallbacks
    {
        public IntPtr user_data;
        public IntPtr on_frame;
        public IntPtr on_viseme;
        public IntPtr on_audio;
        public IntPtr on_finished;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkStreamConfig
    {
        public uint struct_size;
        public FtalkAudioEncoding encoding;
        public uint sample_rate_hz;
        public uint channels;
        public uint idle_after_ms;
        public FtalkAnimationOptions options;
        public uint history_seconds;
        public ulong max_queued_bytes;
        public FtalkStreamCallbacks callbacks;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkStreamResult
    {
        public FtalkStreamState state;
        public FtalkStatus error;
        public int grpc_code;
        public int interrupted;
        public ulong frames;
        public ulong frames_received;
        public double audio_seconds;
        public double latest_frame_time_s;
        public IntPtr message;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkSampleInfo
    {
        public FtalkSampleKind kind;
        public ulong frame_index;
        public double frame_time_s;
        public float alpha;
        public int idle;
        public double latest_frame_time_s;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkSpeakRequest
    {
        public uint struct_size;
        public IntPtr text;
        public IntPtr language;
        public IntPtr voice;
        public float rate;
        public float pitch;
        public float volume;
        public uint sample_rate_hz;
        public FtalkAudioEncoding encoding;
        public FtalkAnimationOptions options;
        public uint history_seconds;
        public FtalkStreamCallbacks callbacks;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkSpeechInfo
    {
        public FtalkAudioEncoding encoding;
        public uint sample_rate_hz;
        public uint channels;
        public IntPtr voice;
        public IntPtr language;
        public IntPtr tts_engine;
        public uint sentences;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkClipView
    {
        public FtalkAnimationHeader header;
        public UIntPtr frame_count;
        public IntPtr times;
        public IntPtr weights;
        public IntPtr joints;
        public UIntPtr angle_count;
        public IntPtr angles;
        public IntPtr idle;
        public UIntPtr viseme_count;
        public IntPtr visemes;
        public double duration_s;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkHeadRequest
    {
        public uint struct_size;
        public IntPtr image;
        public UIntPtr image_size;
        public uint texture_size;
        public uint parts;
        public FtalkMeshDetail detail;
        public IntPtr on_progress;
        public IntPtr user_data;
        public IntPtr hair;
        public uint lod;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FtalkHeadView
    {
        public IntPtr glb;
        public UIntPtr glb_size;
        public UIntPtr morph_target_count;
        public IntPtr morph_target_names;
        public UIntPtr joint_count;
        public IntPtr joint_names;
        public UIntPtr landmark_count;
        public IntPtr landmarks_xyz;
        public uint vertex_count;
        public float yaw_deg, pitch_deg, roll_deg;
        public FtalkQuat rotation;
        public float pixels_per_metre;
        public float face_width_px;
        public float inter_ocular_px;
        public float frontality;
        public float inferred_fraction;
        public float face_inferred_fraction;
        public float reprojection_error;
        public uint faces_found;
        public UIntPtr warning_count;
        public IntPtr warnings;
    }

    /// <summary>Marks a static method that native code calls back (IL2CPP needs it; Mono ignores it).</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        public MonoPInvokeCallbackAttribute(Type delegateType) { DelegateType = delegateType; }
        public Type DelegateType { get; private set; }
    }

    /// <summary>The C functions, one to one.</summary>
    public static class NativeMethods
    {
        /// <summary>The library's file name without prefix or suffix: libftalk_client.so, ftalk_client.dll,
        /// libftalk_client.dylib. iOS links the core statically into the player.</summary>
#if UNITY_IOS && !UNITY_EDITOR
        public const string Library = "__Internal";
#else
        public const string Library = "ftalk_client";
#endif
        /// <summary>The ABI this binding was written against (FTALK_ABI_VERSION).</summary>
        public const int AbiVersion = 1;
        /// <summary>FTALK_ANGLE_COUNT.</summary>
        public const int AngleCount = 9;

        const CallingConvention Cdecl = CallingConvention.Cdecl;

        [DllImport(Library, CallingConvention = Cdecl)] public static extern int ftalk_abi_version();
        [DllImport(Library, CallingConvention = Cdecl)] public static extern IntPtr ftalk_version();
        [DllImport(Library, CallingConvention = Cdecl)] public static extern IntPtr ftalk_last_error();
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_last_error_code();
        [DllImport(Library, CallingConvention = Cdecl)] public static extern int ftalk_last_error_grpc_code();
        [DllImport(Library, CallingConvention = Cdecl)] public static extern IntPtr ftalk_status_name(FtalkStatus status);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern IntPtr ftalk_angle_name(UIntPtr i);

        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_animation_options_init(ref FtalkAnimationOptions options);

        // Client
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_config_init(ref FtalkClientConfig config);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_create(ref FtalkClientConfig config, out ClientHandle client);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_connect(ClientHandle client);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_connection_state(ClientHandle client, out FtalkConnectionState state);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_close(IntPtr client);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_health(ClientHandle client, IntPtr service, out FtalkHealth health);

        // Server info and voices
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_server_info(ClientHandle client, out ServerInfoHandle info);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_server_info_view_get(ServerInfoHandle info, out FtalkServerInfoView view);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_server_info_curve_names(ServerInfoHandle info, FtalkRigProfile rig, out UIntPtr count, out IntPtr names);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_server_info_free(IntPtr info);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_client_list_voices(ClientHandle client, IntPtr language, out VoiceListHandle list);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_voice_list_count(VoiceListHandle list, out UIntPtr count);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_voice_list_get(VoiceListHandle list, UIntPtr i, out FtalkVoice voice);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_voice_list_free(IntPtr list);

        // Streams
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_config_init(ref FtalkStreamConfig config);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_open(ClientHandle client, ref FtalkStreamConfig config, out StreamHandle stream);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_push(StreamHandle stream, byte[] pcm, UIntPtr bytes);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_push(StreamHandle stream, IntPtr pcm, UIntPtr bytes);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_interrupt(StreamHandle stream);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_end(StreamHandle stream);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_wait_ready(StreamHandle stream, uint timeoutMs);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_wait(StreamHandle stream, uint timeoutMs);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_header(StreamHandle stream, out FtalkAnimationHeader header);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_result_get(StreamHandle stream, out FtalkStreamResult result);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_sample_ex(StreamHandle stream, double t,
            float[] weights, UIntPtr weightCapacity, [In, Out] FtalkQuat[] joints, UIntPtr jointCapacity,
            float[] angles, UIntPtr angleCapacity, out FtalkSampleInfo info);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_frames_held(StreamHandle stream, out ulong first, out ulong count);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_frame(StreamHandle stream, ulong index,
            float[] weights, UIntPtr weightCapacity, [In, Out] FtalkQuat[] joints, UIntPtr jointCapacity,
            float[] angles, UIntPtr angleCapacity, out FtalkFrame frame);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_poll_viseme(StreamHandle stream, out FtalkViseme viseme);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_close(IntPtr stream);

        // Speak
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_speak_request_init(ref FtalkSpeakRequest request);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_speak(ClientHandle client, ref FtalkSpeakRequest request, out StreamHandle stream);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_speech_info(StreamHandle stream, out FtalkSpeechInfo info);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_stream_read_audio(StreamHandle stream, byte[] pcm, UIntPtr capacity, out UIntPtr bytes);

        // AnimateClip
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_animate_clip(ClientHandle client, byte[] file, UIntPtr size,
            ref FtalkAnimationOptions options, out ClipHandle clip);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_animate_pcm(ClientHandle client, byte[] pcm, UIntPtr bytes,
            FtalkAudioEncoding encoding, uint sampleRateHz, uint channels, ref FtalkAnimationOptions options, out ClipHandle clip);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_clip_view_get(ClipHandle clip, out FtalkClipView view);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_clip_sample(ClipHandle clip, double t,
            float[] weights, UIntPtr weightCapacity, [In, Out] FtalkQuat[] joints, UIntPtr jointCapacity,
            float[] angles, UIntPtr angleCapacity, out FtalkSampleInfo info);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_clip_free(IntPtr clip);

        // CreateHead
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_head_request_init(ref FtalkHeadRequest request);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_create_head(ClientHandle client, ref FtalkHeadRequest request, out HeadHandle head);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_head_view_get(HeadHandle head, out FtalkHeadView view);
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_head_free(IntPtr head);

        // Logging
        [DllImport(Library, CallingConvention = Cdecl)] public static extern FtalkStatus ftalk_set_log_callback(IntPtr callback, IntPtr userData, FtalkLogLevel minLevel);
    }
}
