// The managed face of ftalk_client: connect, ask, open streams, speak, animate whole clips, build
// heads. Blocking calls say so (run them off the main thread: HeadLoader and the bake window do);
// everything a game calls every frame (push, sample) never blocks.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using FantasyTalking.Native;

namespace FantasyTalking
{
    /// <summary>What a server offers (InfoService.GetServerInfo).</summary>
    public sealed class ServerInfo
    {
        public string Version;
        public string[] Engines;
        public string[] Languages;
        public string[] Services;
        public string[] JointNames;
        /// <summary>ARKit-52 curve names in frame order.</summary>
        public string[] CurveNames;
        public int MaxConcurrentStreams;
        public int MinSampleRateHz, MaxSampleRateHz, MaxFps, MaxLookaheadMs;
        public double MaxClipSeconds;
    }

    /// <summary>A TTS voice.</summary>
    public sealed class VoiceInfo
    {
        public string Name, Engine, Language, Gender, Description;

        public override string ToString()
        {
            return Name + " (" + Language + ", " + Engine + ")";
        }
    }

    /// <summary>A head built from a photo: the GLB and what the server found.</summary>
    public sealed class HeadResult
    {
        public byte[] Glb;
        public string[] MorphTargetNames;
        public string[] JointNames;
        public int VertexCount;
        public float YawDegrees, PitchDegrees, RollDegrees;
        public float Frontality;
        public float InferredFraction;
        public int FacesFound;
        public string[] Warnings;
    }

    /// <summary>A connection to a FantasyTalking server through the native core. Thread-safe.</summary>
    public sealed class FtalkClient : IDisposable
    {
        readonly ClientHandle handle;
        readonly string address;

        /// <summary>Makes a client; does not touch the network. Throws FtalkException for a bad config and
        /// DllNotFoundException-based FtalkException when the native library is missing.</summary>
        public FtalkClient(ClientOptions options, MainThreadDispatcher dispatcher = null)
        {
            if (options == null) throw new ArgumentNullException("options");
            NativeLibrary.EnsureLoaded();
            Dispatcher = dispatcher ?? new MainThreadDispatcher();
            address = options.Address;
            using (var s = new Utf8Scope())
            {
                FtalkClientConfig c = options.ToNative(s);
                ClientHandle h;
                FtalkStatus st = NativeMethods.ftalk_client_create(ref c, out h);
                if (st != FtalkStatus.Ok)
                {
                    if (h != null) h.Dispose();
                    throw Interop.Error(st, "cannot make a client for " + options.Address);
                }
                handle = h;
            }
            NativeResources.Register(this);
        }

        /// <summary>Where stream events (visemes, finished) are queued for the main thread.</summary>
        public MainThreadDispatcher Dispatcher { get; private set; }

        public string Address { get { return address; } }

        public bool IsDisposed { get { return handle.IsClosed; } }

        internal ClientHandle Handle
        {
            get
            {
                if (handle.IsClosed) throw new ObjectDisposedException("FtalkClient", "this FantasyTalking client (" + address + ") was disposed; make a new one");
                return handle;
            }
        }

        /// <summary>Blocking (connect + call timeout): checks that the server is a FantasyTalking v1 server that
        /// takes our token. Throws FtalkException (Unavailable, Timeout, Unauthenticated, Protocol, Tls).</summary>
        public void Connect()
        {
            Interop.Check(NativeMethods.ftalk_client_connect(Handle), "cannot connect to " + address);
        }

        public FtalkConnectionState ConnectionState
        {
            get
            {
                FtalkConnectionState s;
                Interop.Check(NativeMethods.ftalk_client_connection_state(Handle, out s), "connection state");
                return s;
            }
        }

        /// <summary>Blocking: the grpc.health.v1 check of the whole server (or of one service).</summary>
        public FtalkHealth Health(string service = null)
        {
            using (var s = new Utf8Scope())
            {
                FtalkHealth h;
                Interop.Check(NativeMethods.ftalk_client_health(Handle, s.String(service), out h), "health check of " + address);
                return h;
            }
        }

        /// <summary>Blocking: what the server offers.</summary>
        public ServerInfo GetServerInfo()
        {
            ServerInfoHandle info;
            FtalkStatus st = NativeMethods.ftalk_client_server_info(Handle, out info);
            using (info)
            {
                Interop.Check(st, "server info from " + address);
                FtalkServerInfoView v;
                Interop.Check(NativeMethods.ftalk_server_info_view_get(info, out v), "server info");
                var engines = new string[Interop.Count(v.engine_count)];
                int size = Marshal.SizeOf(typeof(FtalkEngineInfo));
                for (int i = 0; i < engines.Length; i++)
                {
                    var e = (FtalkEngineInfo)Marshal.PtrToStructure(new IntPtr(v.engines.ToInt64() + i * size), typeof(FtalkEngineInfo));
                    engines[i] = Interop.ReadUtf8(e.name);
                }
                UIntPtr count;
                IntPtr names;
                Interop.Check(NativeMethods.ftalk_server_info_curve_names(info, FtalkRigProfile.Arkit52, out count, out names), "curve names");
                return new ServerInfo
                {
                    Version = Interop.ReadUtf8(v.version),
                    Engines = engines,
                    Languages = Interop.ReadUtf8Array(v.languages, v.language_count),
                    Services = Interop.ReadUtf8Array(v.services, v.service_count),
                    JointNames = Interop.ReadUtf8Array(v.joint_names, v.joint_count),
                    CurveNames = Interop.ReadUtf8Array(names, count),
                    MaxConcurrentStreams = (int)v.max_concurrent_streams,
                    MinSampleRateHz = (int)v.min_sample_rate_hz,
                    MaxSampleRateHz = (int)v.max_sample_rate_hz,
                    MaxFps = (int)v.max_fps,
                    MaxLookaheadMs = (int)v.max_lookahead_ms,
                    MaxClipSeconds = v.max_clip_seconds,
                };
            }
        }

        /// <summary>Blocking: the TTS voices, best match first for <paramref name="language"/>.</summary>
        public VoiceInfo[] ListVoices(string language = null)
        {
            using (var s = new Utf8Scope())
            {
                VoiceListHandle list;
                FtalkStatus st = NativeMethods.ftalk_client_list_voices(Handle, s.String(language), out list);
                using (list)
                {
                    Interop.Check(st, "voices from " + address);
                    UIntPtr n;
                    Interop.Check(NativeMethods.ftalk_voice_list_count(list, out n), "voice count");
                    var result = new VoiceInfo[Interop.Count(n)];
                    for (int i = 0; i < result.Length; i++)
                    {
                        FtalkVoice v;
                        Interop.Check(NativeMethods.ftalk_voice_list_get(list, (UIntPtr)i, out v), "voice");
                        result[i] = new VoiceInfo
                        {
                            Name = Interop.ReadUtf8(v.name),
                            Engine = Interop.ReadUtf8(v.engine),
                            Language = Interop.ReadUtf8(v.language),
                            Gender = Interop.ReadUtf8(v.gender),
                            Description = Interop.ReadUtf8(v.description),
                        };
                    }
                    return result;
                }
            }
        }

        /// <summary>Opens a live stream for float PCM (sent as f32le). Never blocks; connection errors
        /// surface through WaitReady, Push and Result.</summary>
        public AnimationStream OpenStream(StreamOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (options.Channels < 1) throw new ArgumentException("channels must be at least 1");
            int sendChannels = options.Channels > 2 ? 1 : options.Channels;
            var events = new AnimationStream.EventSink(Dispatcher);
            GCHandle target = GCHandle.Alloc(events);
            using (var s = new Utf8Scope())
            {
                var c = new FtalkStreamConfig();
                Interop.Check(NativeMethods.ftalk_stream_config_init(ref c), "ftalk_stream_config_init");
                c.encoding = FtalkAudioEncoding.PcmF32LE;
                c.sample_rate_hz = (uint)Math.Max(0, options.SampleRateHz);
                c.channels = (uint)sendChannels;
                c.idle_after_ms = (uint)Math.Max(0, options.IdleAfterMs);
                c.history_seconds = (uint)Math.Max(0, options.HistorySeconds);
                c.options = (options.Animation ?? new AnimationOptions()).ToNative(s);
                c.callbacks = AnimationStream.EventSink.Callbacks(GCHandle.ToIntPtr(target));
                StreamHandle h;
                FtalkStatus st = NativeMethods.ftalk_stream_open(Handle, ref c, out h);
                if (st != FtalkStatus.Ok)
                {
                    if (h != null && !h.IsInvalid) h.AttachCallbackTarget(target);
                    else target.Free();
                    if (h != null) h.Dispose();
                    throw Interop.Error(st, "cannot open a stream to " + address);
                }
                h.AttachCallbackTarget(target);
                return new AnimationStream(h, events, false, options.SampleRateHz, options.Channels, sendChannels);
            }
        }

        /// <summary>Starts speaking <paramref name="options"/>.Text; never blocks. Read the audio with
        /// AnimationStream.ReadAudio and sample the face at the audio's playback time.</summary>
        public AnimationStream Speak(SpeakOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (string.IsNullOrEmpty(options.Text)) throw new ArgumentException("nothing to say: the text is empty");
            var events = new AnimationStream.EventSink(Dispatcher);
            GCHandle target = GCHandle.Alloc(events);
            using (var s = new Utf8Scope())
            {
                var r = new FtalkSpeakRequest();
                Interop.Check(NativeMethods.ftalk_speak_request_init(ref r), "ftalk_speak_request_init");
                r.text = s.String(options.Text);
                r.language = string.IsNullOrEmpty(options.Language) ? IntPtr.Zero : s.String(options.Language);
                r.voice = string.IsNullOrEmpty(options.Voice) ? IntPtr.Zero : s.String(options.Voice);
                r.rate = options.Rate;
                r.pitch = options.Pitch;
                r.volume = options.Volume;
                r.sample_rate_hz = (uint)Math.Max(0, options.SampleRateHz);
                r.encoding = FtalkAudioEncoding.PcmF32LE;
                r.history_seconds = (uint)Math.Max(0, options.HistorySeconds);
                r.options = (options.Animation ?? new AnimationOptions()).ToNative(s);
                r.callbacks = AnimationStream.EventSink.Callbacks(GCHandle.ToIntPtr(target));
                StreamHandle h;
                FtalkStatus st = NativeMethods.ftalk_speak(Handle, ref r, out h);
                if (st != FtalkStatus.Ok)
                {
                    if (h != null && !h.IsInvalid) h.AttachCallbackTarget(target);
                    else target.Free();
                    if (h != null) h.Dispose();
                    throw Interop.Error(st, "cannot speak through " + address);
                }
                h.AttachCallbackTarget(target);
                return new AnimationStream(h, events, true, 0, 1, 1);
            }
        }

        /// <summary>Blocking: animates a whole audio file (WAV, MP3, OGG, FLAC, M4A...).</summary>
        public AnimationClipData AnimateFile(byte[] fileBytes, AnimationOptions options = null)
        {
            if (fileBytes == null || fileBytes.Length == 0) throw new ArgumentException("the audio file is empty");
            using (var s = new Utf8Scope())
            {
                FtalkAnimationOptions o = (options ?? new AnimationOptions()).ToNative(s);
                ClipHandle clip;
                FtalkStatus st = NativeMethods.ftalk_animate_clip(Handle, fileBytes, (UIntPtr)fileBytes.Length, ref o, out clip);
                using (clip)
                {
                    Interop.Check(st, "cannot animate the file through " + address);
                    return ClipReader.Read(clip);
                }
            }
        }

        /// <summary>Blocking: animates float PCM (interleaved, any channel count: more than two are mixed to mono).
        /// An empty clip is an ArgumentException: there is nothing to animate.</summary>
        public AnimationClipData AnimateSamples(float[] samples, int sampleRateHz, int channels, AnimationOptions options = null)
        {
            if (samples == null || samples.Length == 0) throw new ArgumentException("the audio has no samples (an AudioClip with no data, or not loaded: set its Load Type to Decompress On Load or call LoadAudioData)");
            if (channels < 1) throw new ArgumentException("channels must be at least 1");
            float[] send = samples;
            int sendChannels = channels;
            if (channels > 2) { send = Pcm.DownmixToMono(samples, channels); sendChannels = 1; }
            byte[] pcm = Pcm.ToF32LE(send, 0, send.Length);
            using (var s = new Utf8Scope())
            {
                FtalkAnimationOptions o = (options ?? new AnimationOptions()).ToNative(s);
                ClipHandle clip;
                FtalkStatus st = NativeMethods.ftalk_animate_pcm(Handle, pcm, (UIntPtr)pcm.Length, FtalkAudioEncoding.PcmF32LE,
                                                                 (uint)sampleRateHz, (uint)sendChannels, ref o, out clip);
                using (clip)
                {
                    Interop.Check(st, "cannot animate the audio through " + address);
                    return ClipReader.Read(clip);
                }
            }
        }

        /// <summary>Blocking (up to the long-call timeout): a GLB head from a portrait (JPEG, PNG, WebP).
        /// <paramref name="progress"/> runs on the calling thread (stage, 0..1); return false from it to cancel.</summary>
        public HeadResult CreateHead(byte[] image, HeadOptions options = null, Func<string, float, bool> progress = null)
        {
            if (image == null || image.Length == 0) throw new ArgumentException("the photo is empty");
            options = options ?? new HeadOptions();
            if (options.Lod < 0) throw new ArgumentException("HeadOptions.Lod must be 0..3, got " + options.Lod);
            var r = new FtalkHeadRequest();
            Interop.Check(NativeMethods.ftalk_head_request_init(ref r), "ftalk_head_request_init");
            GCHandle pinned = GCHandle.Alloc(image, GCHandleType.Pinned);
            GCHandle progressTarget = progress != null ? GCHandle.Alloc(progress) : default(GCHandle);
            var strings = new Utf8Scope();
            try
            {
                r.image = pinned.AddrOfPinnedObject();
                r.hair = strings.String(string.IsNullOrEmpty(options.Hair) ? null : options.Hair);
                r.lod = (uint)options.Lod;
                r.image_size = (UIntPtr)image.Length;
                r.texture_size = (uint)Math.Max(0, options.TextureSize);
                r.parts = (uint)options.Parts;
                r.detail = options.Detail;
                if (progress != null)
                {
                    r.on_progress = ProgressThunk.Pointer;
                    r.user_data = GCHandle.ToIntPtr(progressTarget);
                }
                HeadHandle head;
                FtalkStatus st = NativeMethods.ftalk_create_head(Handle, ref r, out head);
                using (head)
                {
                    Interop.Check(st, "cannot create a head through " + address);
                    FtalkHeadView v;
                    Interop.Check(NativeMethods.ftalk_head_view_get(head, out v), "head");
                    return new HeadResult
                    {
                        Glb = Interop.ReadBytes(v.glb, (long)v.glb_size.ToUInt64()),
                        MorphTargetNames = Interop.ReadUtf8Array(v.morph_target_names, v.morph_target_count),
                        JointNames = Interop.ReadUtf8Array(v.joint_names, v.joint_count),
                        VertexCount = (int)v.vertex_count,
                        YawDegrees = v.yaw_deg,
                        PitchDegrees = v.pitch_deg,
                        RollDegrees = v.roll_deg,
                        Frontality = v.frontality,
                        InferredFraction = v.inferred_fraction,
                        FacesFound = (int)v.faces_found,
                        Warnings = Interop.ReadUtf8Array(v.warnings, v.warning_count),
                    };
                }
            }
            finally
            {
                pinned.Free();
                if (progressTarget.IsAllocated) progressTarget.Free();
                strings.Dispose();
            }
        }

        public void Dispose()
        {
            NativeResources.Unregister(this);
            handle.Dispose();
        }

        /// <summary>The progress callback: a static method (IL2CPP needs one) that finds the delegate through user_data.</summary>
        static class ProgressThunk
        {
            static readonly FtalkProgressCallback Callback = OnProgress;
            public static readonly IntPtr Pointer = Marshal.GetFunctionPointerForDelegate(Callback);

            [MonoPInvokeCallback(typeof(FtalkProgressCallback))]
            static int OnProgress(IntPtr userData, IntPtr stage, float fraction)
            {
                try
                {
                    var f = (Func<string, float, bool>)GCHandle.FromIntPtr(userData).Target;
                    return f(Interop.ReadUtf8(stage), fraction) ? 0 : 1;
                }
                catch (Exception)
                {
                    return 1;  // never let an exception cross into native code: cancel instead
                }
            }
        }
    }

    /// <summary>Copies a native clip into managed arrays.</summary>
    static class ClipReader
    {
        public static AnimationClipData Read(ClipHandle clip)
        {
            FtalkClipView v;
            Interop.Check(NativeMethods.ftalk_clip_view_get(clip, out v), "clip");
            AnimationHeader header = HeaderReader.Read(v.header);
            int n = Interop.Count(v.frame_count);
            int c = header.CurveNames.Length, j = header.JointNames.Length, g = Interop.Count(v.angle_count);
            var joints = new Quat[n * j];
            int qsize = Marshal.SizeOf(typeof(FtalkQuat));
            float[] raw = Interop.ReadFloats(v.joints, (long)n * j * 4);
            for (int i = 0; i < joints.Length; i++) joints[i] = new Quat(raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3]);
            byte[] idle = Interop.ReadBytes(v.idle, n);
            var visemes = new VisemeEvent[Interop.Count(v.viseme_count)];
            int vsize = Marshal.SizeOf(typeof(FtalkViseme));
            for (int i = 0; i < visemes.Length; i++)
            {
                var fv = (FtalkViseme)Marshal.PtrToStructure(new IntPtr(v.visemes.ToInt64() + i * vsize), typeof(FtalkViseme));
                visemes[i] = AnimationStream.EventSink.Convert(ref fv);
            }
            var data = new AnimationClipData
            {
                Header = header,
                Times = Interop.ReadDoubles(v.times, n),
                Weights = Interop.ReadFloats(v.weights, (long)n * c),
                Joints = joints,
                Angles = Interop.ReadFloats(v.angles, (long)n * g),
                Idle = Array.ConvertAll(idle, b => b != 0),
                Visemes = visemes,
                DurationSeconds = v.duration_s,
            };
            if (qsize != 16) throw new InvalidOperationException("unexpected ftalk_quat size " + qsize);
            data.Validate();
            return data;
        }
    }

    static class HeaderReader
    {
        public static AnimationHeader Read(FtalkAnimationHeader h)
        {
            return new AnimationHeader
            {
                CurveNames = Interop.ReadUtf8Array(h.curve_names, h.curve_count),
                JointNames = Interop.ReadUtf8Array(h.joint_names, h.joint_count),
                Fps = (int)h.fps,
                LookaheadMs = (int)h.lookahead_ms,
                Engine = Interop.ReadUtf8(h.engine),
            };
        }
    }

    /// <summary>Loads the native library once and checks its ABI, with a message that says what to do.</summary>
    public static class NativeLibrary
    {
        static bool checkedOk;

        /// <summary>The loaded library's version, such as "0.1.0".</summary>
        public static string Version
        {
            get { EnsureLoaded(); return Interop.ReadUtf8(NativeMethods.ftalk_version()); }
        }

        public static void EnsureLoaded()
        {
            if (checkedOk) return;
            int abi;
            try
            {
                abi = NativeMethods.ftalk_abi_version();
            }
            catch (DllNotFoundException e)
            {
                throw new FtalkException(FtalkStatus.Internal,
                    "the FantasyTalking native client (" + NativeMethods.Library + ") could not be loaded: " + e.Message +
                    ". Build it from native/ with CMake and put it under the package's Plugins/ folder for this platform " +
                    "(see Plugins/README.md).");
            }
            catch (EntryPointNotFoundException e)
            {
                throw new FtalkException(FtalkStatus.Internal, "the library named " + NativeMethods.Library + " is not the FantasyTalking client: " + e.Message);
            }
            if (abi != NativeMethods.AbiVersion)
                throw new FtalkException(FtalkStatus.Internal, "the FantasyTalking native client has ABI " + abi + "; this package needs ABI " +
                                         NativeMethods.AbiVersion + ". Rebuild the library from the same release as the package.");
            checkedOk = true;
        }
    }
}
