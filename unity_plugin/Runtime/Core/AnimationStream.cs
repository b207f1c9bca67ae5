// A live animation stream or a Speak stream. Audio goes in from any thread (push never blocks);
// the face comes out by sampling the native frame buffer at the audio's playback time, every game
// frame. Visemes and the end of the stream arrive as events on the main thread (through the
// client's MainThreadDispatcher), never on the library's receive thread.
using System;
using System.Runtime.InteropServices;
using FantasyTalking.Native;

namespace FantasyTalking
{
    /// <summary>Outcome of a stream so far (ftalk_stream_result).</summary>
    public struct StreamResult
    {
        public FtalkStreamState State;
        /// <summary>Ok unless the stream failed (Unavailable when the server went away, Shutdown when it closed the stream because it is shutting down).</summary>
        public FtalkStatus Error;
        public int GrpcCode;
        public bool Interrupted;
        public long FramesReceived;
        public double AudioSeconds;
        /// <summary>Time of the newest frame received; negative before any.</summary>
        public double LatestFrameTime;
        public string Message;

        public bool IsOver { get { return State == FtalkStreamState.Finished || State == FtalkStreamState.Failed; } }
    }

    /// <summary>The synthesiser's choices on a Speak stream.</summary>
    public struct SpeechInfo
    {
        public int SampleRateHz;
        public int Channels;
        public string Voice;
        public string Language;
        public string TtsEngine;
    }

    /// <summary>One animation stream (ftalk_stream). Dispose it when done; NativeResources.DisposeAll closes forgotten ones.</summary>
    public sealed class AnimationStream : IDisposable
    {
        readonly StreamHandle handle;
        readonly EventSink events;
        readonly int inputChannels;
        readonly int sendChannels;
        AnimationHeader header;
        FtalkQuat[] scratchJoints = new FtalkQuat[0];
        byte[] pushBuffer = new byte[0];
        byte[] audioBuffer = new byte[0];

        internal AnimationStream(StreamHandle handle, EventSink events, bool isSpeech, int sampleRateHz, int inputChannels, int sendChannels)
        {
            this.handle = handle;
            this.events = events;
            IsSpeech = isSpeech;
            SampleRateHz = sampleRateHz;
            this.inputChannels = inputChannels;
            this.sendChannels = sendChannels;
            NativeResources.Register(this);
        }

        /// <summary>True for a Speak stream (audio comes from the server), false for a live stream.</summary>
        public bool IsSpeech { get; private set; }

        /// <summary>Sample rate of the pushed audio (live) or of the synthesised audio (Speak, once its header arrived).</summary>
        public int SampleRateHz { get; private set; }

        public bool IsDisposed { get { return handle.IsClosed; } }

        /// <summary>Raised on the main thread for each viseme, as soon as the engine decides it.</summary>
        public event Action<VisemeEvent> VisemeReceived
        {
            add { events.Viseme += value; }
            remove { events.Viseme -= value; }
        }

        /// <summary>Raised once on the main thread when the stream finished or failed.</summary>
        public event Action<StreamResult> Finished
        {
            add { events.Finished += value; }
            remove { events.Finished -= value; }
        }

        StreamHandle Handle
        {
            get
            {
                if (handle.IsClosed) throw new ObjectDisposedException("AnimationStream", "this FantasyTalking stream was disposed (or closed when play mode ended / scripts reloaded); open a new one");
                return handle;
            }
        }

        /// <summary>Blocking up to <paramref name="timeoutMs"/>: true once the header (names) arrived, false on time-out;
        /// throws FtalkException when the stream failed first (server unreachable, wrong token, rejected options).</summary>
        public bool WaitReady(int timeoutMs)
        {
            FtalkStatus st = NativeMethods.ftalk_stream_wait_ready(Handle, (uint)Math.Max(0, timeoutMs));
            if (st == FtalkStatus.NotReady) return false;
            if (st < 0) throw StreamError(st, "stream failed before its header");
            return true;
        }

        /// <summary>Blocking up to <paramref name="timeoutMs"/>: true once the stream finished or failed.</summary>
        public bool Wait(int timeoutMs)
        {
            FtalkStatus st = NativeMethods.ftalk_stream_wait(Handle, (uint)Math.Max(0, timeoutMs));
            if (st == FtalkStatus.Done) return true;
            if (st == FtalkStatus.NotReady) return false;
            throw Interop.Error(st, "waiting for the stream");
        }

        /// <summary>The curve and joint names, or null before the header arrived.</summary>
        public AnimationHeader Header
        {
            get
            {
                if (header != null) return header;
                FtalkAnimationHeader h;
                FtalkStatus st = NativeMethods.ftalk_stream_header(Handle, out h);
                if (st == FtalkStatus.NotReady) return null;
                Interop.Check(st, "stream header");
                header = HeaderReader.Read(h);
                return header;
            }
        }

        /// <summary>Queues interleaved float audio (channel count as opened) for sending. Never blocks.
        /// Throws FtalkException when the stream has failed (why), InvalidOperation-like State after End, Busy when the queue is full.</summary>
        public void Push(float[] samples, int offset, int count)
        {
            FtalkStatus st = TryPush(samples, offset, count);
            if (st < 0) throw StreamError(st, "cannot push audio");
        }

        /// <summary>As Push, returning the status instead of throwing (for the audio thread, where throwing is costly).</summary>
        public FtalkStatus TryPush(float[] samples, int offset, int count)
        {
            if (samples == null) throw new ArgumentNullException("samples");
            if (offset < 0 || count < 0 || offset + count > samples.Length) throw new ArgumentOutOfRangeException("count");
            if (count % inputChannels != 0) throw new ArgumentException("push whole sample frames: " + count + " samples is not a multiple of " + inputChannels + " channels");
            if (count == 0) return FtalkStatus.Ok;
            int bytes;
            lock (this)
            {
                if (inputChannels != sendChannels)
                {
                    int frames = count / inputChannels;
                    bytes = frames * 4;
                    if (pushBuffer.Length < bytes) pushBuffer = new byte[bytes];
                    Pcm.DownmixToMonoF32LE(samples, offset, count, inputChannels, pushBuffer);
                }
                else
                {
                    bytes = count * 4;
                    if (pushBuffer.Length < bytes) pushBuffer = new byte[bytes];
                    Buffer.BlockCopy(samples, offset * 4, pushBuffer, 0, bytes);
                    if (!BitConverter.IsLittleEndian) Pcm.SwapFloats(pushBuffer, bytes);
                }
                return NativeMethods.ftalk_stream_push(Handle, pushBuffer, (UIntPtr)bytes);
            }
        }

        /// <summary>Drops audio not yet animated and settles the face to rest; later audio continues on the same clock.</summary>
        public void Interrupt()
        {
            Interop.Check(NativeMethods.ftalk_stream_interrupt(Handle), "interrupt");
        }

        /// <summary>No more audio: the server animates what it has and closes the stream.</summary>
        public void End()
        {
            Interop.Check(NativeMethods.ftalk_stream_end(Handle), "end of audio");
        }

        /// <summary>The outcome so far (never blocks).</summary>
        public StreamResult Result
        {
            get
            {
                FtalkStreamResult r;
                Interop.Check(NativeMethods.ftalk_stream_result_get(Handle, out r), "stream result");
                return new StreamResult
                {
                    State = r.state,
                    Error = r.error,
                    GrpcCode = r.grpc_code,
                    Interrupted = r.interrupted != 0,
                    FramesReceived = (long)r.frames_received,
                    AudioSeconds = r.audio_seconds,
                    LatestFrameTime = r.latest_frame_time_s,
                    Message = Interop.ReadUtf8(r.message),
                };
            }
        }

        /// <summary>Samples the face at <paramref name="t"/> seconds on the audio's clock (linear weights, slerped joints).
        /// Never blocks on the network. Before the first frame the sample is neutral.</summary>
        public SampleKind Sample(double t, FrameSample into)
        {
            if (into == null) throw new ArgumentNullException("into");
            int j = into.Joints.Length;
            if (scratchJoints.Length != j) scratchJoints = new FtalkQuat[j];
            FtalkSampleInfo info;
            FtalkStatus st = NativeMethods.ftalk_stream_sample_ex(Handle, t, into.Weights, (UIntPtr)into.Weights.Length,
                                                                  scratchJoints, (UIntPtr)j, into.Angles, (UIntPtr)into.Angles.Length, out info);
            if (st < 0) throw Interop.Error(st, "sampling the stream");
            for (int i = 0; i < j; i++) into.Joints[i] = new Quat(scratchJoints[i].x, scratchJoints[i].y, scratchJoints[i].z, scratchJoints[i].w);
            into.Time = t;
            into.Kind = (SampleKind)info.kind;
            into.FrameIndex = (long)info.frame_index;
            into.Alpha = info.alpha;
            into.Idle = info.idle != 0;
            return into.Kind;
        }

        /// <summary>Frame <paramref name="index"/> exactly as the server sent it; false when not (or no longer) held.</summary>
        public bool TryReadFrame(long index, FrameSample into, out double time)
        {
            int j = into.Joints.Length;
            if (scratchJoints.Length != j) scratchJoints = new FtalkQuat[j];
            FtalkFrame f;
            FtalkStatus st = NativeMethods.ftalk_stream_frame(Handle, (ulong)index, into.Weights, (UIntPtr)into.Weights.Length,
                                                              scratchJoints, (UIntPtr)j, into.Angles, (UIntPtr)into.Angles.Length, out f);
            time = 0;
            if (st == FtalkStatus.NotReady) return false;
            if (st < 0) throw Interop.Error(st, "reading frame " + index);
            for (int i = 0; i < j; i++) into.Joints[i] = new Quat(scratchJoints[i].x, scratchJoints[i].y, scratchJoints[i].z, scratchJoints[i].w);
            time = f.time_s;
            into.Time = f.time_s;
            into.FrameIndex = (long)f.index;
            into.Kind = SampleKind.Exact;
            into.Alpha = 0f;
            into.Idle = f.idle != 0;
            return true;
        }

        /// <summary>The range of frame indexes still held: [first, first + count).</summary>
        public bool TryGetFramesHeld(out long first, out long count)
        {
            ulong f, c;
            FtalkStatus st = NativeMethods.ftalk_stream_frames_held(Handle, out f, out c);
            first = (long)f;
            count = (long)c;
            if (st == FtalkStatus.NotReady) return false;
            Interop.Check(st, "frames held");
            return true;
        }

        /// <summary>Every frame still held, as a clip (call it once the stream finished: a recorded Speak line for
        /// baking, or a streamed clip for a BakedSpeech asset). Visemes polled so far are not included.</summary>
        public AnimationClipData ToClipData()
        {
            AnimationHeader h = Header;
            if (h == null) throw new InvalidOperationException("the stream has no header yet, so it has no frames");
            var builder = new AnimationClipData.Builder(h);
            long first, count;
            if (TryGetFramesHeld(out first, out count))
            {
                var f = FrameSample.For(h);
                for (long i = first; i < first + count; i++)
                {
                    double t;
                    if (TryReadFrame(i, f, out t)) builder.Add(t, f.Weights, f.Joints, f.Angles, f.Idle);
                }
            }
            double duration = h.Fps > 0 ? builder.Count / (double)h.Fps : 0.0;
            StreamResult r = Result;
            if (r.AudioSeconds > 0) duration = r.AudioSeconds;
            return builder.Build(duration);
        }

        /// <summary>Takes the oldest unread viseme (a polling alternative to VisemeReceived).</summary>
        public bool TryPollViseme(out VisemeEvent viseme)
        {
            FtalkViseme v;
            FtalkStatus st = NativeMethods.ftalk_stream_poll_viseme(Handle, out v);
            viseme = default(VisemeEvent);
            if (st == FtalkStatus.NotReady) return false;
            Interop.Check(st, "viseme");
            viseme = EventSink.Convert(ref v);
            return true;
        }

        /// <summary>Speak streams: what the synthesiser chose, or null before its header.</summary>
        public SpeechInfo? GetSpeechInfo()
        {
            FtalkSpeechInfo i;
            FtalkStatus st = NativeMethods.ftalk_stream_speech_info(Handle, out i);
            if (st == FtalkStatus.NotReady) return null;
            Interop.Check(st, "speech info");
            SampleRateHz = (int)i.sample_rate_hz;
            return new SpeechInfo
            {
                SampleRateHz = (int)i.sample_rate_hz,
                Channels = (int)i.channels,
                Voice = Interop.ReadUtf8(i.voice),
                Language = Interop.ReadUtf8(i.language),
                TtsEngine = Interop.ReadUtf8(i.tts_engine),
            };
        }

        /// <summary>Speak streams: moves up to <paramref name="count"/> synthesised samples into <paramref name="into"/>.
        /// Returns how many (0 when none is waiting), or -1 once all audio has been read and the stream finished.</summary>
        public int ReadAudio(float[] into, int offset, int count)
        {
            if (offset < 0 || count < 0 || offset + count > into.Length) throw new ArgumentOutOfRangeException("count");
            int capacity = count * 4;
            if (audioBuffer.Length < capacity) audioBuffer = new byte[capacity];
            UIntPtr got;
            FtalkStatus st = NativeMethods.ftalk_stream_read_audio(Handle, audioBuffer, (UIntPtr)capacity, out got);
            if (st == FtalkStatus.Done) return -1;
            if (st == FtalkStatus.NotReady) return 0;
            if (st < 0) throw StreamError(st, "reading the speech audio");
            int bytes = Interop.Count(got);
            if (!BitConverter.IsLittleEndian) Pcm.SwapFloats(audioBuffer, bytes);
            Buffer.BlockCopy(audioBuffer, 0, into, offset * 4, bytes);
            return bytes / 4;
        }

        FtalkException StreamError(FtalkStatus st, string what)
        {
            FtalkException e = Interop.Error(st, what);
            if (handle.IsClosed) return e;
            // The thread-local message may name only the symptom; the stream's own result says why it failed.
            FtalkStreamResult r;
            if (NativeMethods.ftalk_stream_result_get(handle, out r) == FtalkStatus.Ok && r.state == FtalkStreamState.Failed)
            {
                string why = Interop.ReadUtf8(r.message);
                if (!string.IsNullOrEmpty(why) && e.Message.IndexOf(why, StringComparison.Ordinal) < 0)
                    return new FtalkException(r.error < 0 ? r.error : st, what + ": " + why + " (" + Interop.ReadUtf8(NativeMethods.ftalk_status_name(r.error)) + ")", r.grpc_code);
            }
            return e;
        }

        /// <summary>Closes the stream (cancels the call if it still runs). Safe to call twice.</summary>
        public void Dispose()
        {
            NativeResources.Unregister(this);
            handle.Dispose();
        }

        /// <summary>The object behind a stream's user_data: the library's threads call the static thunks, which
        /// only copy the data and post it to the dispatcher. It holds no reference to the stream, so a
        /// forgotten stream can still be collected and finalised (which closes it).</summary>
        internal sealed class EventSink
        {
            readonly MainThreadDispatcher dispatcher;
            public event Action<VisemeEvent> Viseme;
            public event Action<StreamResult> Finished;

            public EventSink(MainThreadDispatcher dispatcher)
            {
                this.dispatcher = dispatcher;
            }

            static readonly FtalkVisemeCallback VisemeCallback = OnViseme;
            static readonly FtalkFinishedCallback FinishedCallback = OnFinished;
            static readonly IntPtr VisemePointer = Marshal.GetFunctionPointerForDelegate(VisemeCallback);
            static readonly IntPtr FinishedPointer = Marshal.GetFunctionPointerForDelegate(FinishedCallback);

            public static FtalkStreamCallbacks Callbacks(IntPtr userData)
            {
                return new FtalkStreamCallbacks { user_data = userData, on_viseme = VisemePointer, on_finished = FinishedPointer };
            }

            public static VisemeEvent Convert(ref FtalkViseme v)
            {
                return new VisemeEvent
                {
                    VisemeId = (int)v.viseme_id,
                    Viseme = Interop.ReadUtf8(v.viseme),
                    Phoneme = Interop.ReadUtf8(v.phoneme),
                    StartSeconds = v.start_s,
                    EndSeconds = v.end_s,
                };
            }

            static EventSink From(IntPtr userData)
            {
                return userData == IntPtr.Zero ? null : GCHandle.FromIntPtr(userData).Target as EventSink;
            }

            [MonoPInvokeCallback(typeof(FtalkVisemeCallback))]
            static void OnViseme(IntPtr userData, ref FtalkViseme viseme)
            {
                try
                {
                    EventSink sink = From(userData);
                    if (sink == null) return;
                    VisemeEvent v = Convert(ref viseme);
                    sink.dispatcher.Post(() =>
                    {
                        Action<VisemeEvent> handler = sink.Viseme;
                        if (handler != null) handler(v);
                    });
                }
                catch (Exception)
                {
                    // Nothing may cross back into native code.
                }
            }

            [MonoPInvokeCallback(typeof(FtalkFinishedCallback))]
            static void OnFinished(IntPtr userData, FtalkStreamState state, FtalkStatus error, IntPtr message)
            {
                try
                {
                    EventSink sink = From(userData);
                    if (sink == null) return;
                    var r = new StreamResult { State = state, Error = error, Message = Interop.ReadUtf8(message) };
                    sink.dispatcher.Post(() =>
                    {
                        Action<StreamResult> handler = sink.Finished;
                        if (handler != null) handler(r);
                    });
                }
                catch (Exception)
                {
                }
            }
        }
    }
}
