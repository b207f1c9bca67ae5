// Streams speech to the server and drives the face at the audio's playback time.
//
//  - AudioClip: the clip's samples are streamed ahead of playback, the AudioSource starts at a
//    scheduled DSP time, and the face is sampled at AudioSettings.dspTime minus that start.
//  - Text: Speak; the synthesised audio plays through a streaming AudioClip fed from a PcmQueue,
//    and the face is sampled on the same DSP clock (gaps the network caused are left out).
//  - Microphone: the device's samples are streamed as they come; nobody plays them back, so the
//    face follows the newest animated time (LiveFollowClock).
//  - Audio filter: whatever this GameObject's AudioSource plays (a voice chat, a procedural sound)
//    is pushed from OnAudioFilterRead and, optionally, held back by the look-ahead so that sound and
//    face reach the listener together.
//
// All timing and data logic sits in Runtime/Core (AudioClock, LiveFollowClock, PcmQueue,
// AudioDelayLine, AnimationStream); this component only moves Unity's data in and out.
using System;
using System.Collections.Generic;
using FantasyTalking.Native;
using UnityEngine;
using UnityEngine.Events;

namespace FantasyTalking
{
    public enum SpeechInput
    {
        /// <summary>The AudioSource's clip (or the one passed to Play).</summary>
        AudioClip = 0,
        /// <summary>Text through the server's TTS.</summary>
        Text = 1,
        /// <summary>A microphone.</summary>
        Microphone = 2,
        /// <summary>Whatever plays through this GameObject's AudioSource, captured in OnAudioFilterRead.</summary>
        AudioFilter = 3,
    }

    [Serializable] public sealed class VisemeUnityEvent : UnityEvent<string, int> { }

    [AddComponentMenu("FantasyTalking/Speech Animator")]
    [RequireComponent(typeof(AudioSource))]
    public sealed class SpeechAnimator : MonoBehaviour
    {
        [Tooltip("Server connection; empty uses the first FantasyTalkingClient in the scene.")]
        [SerializeField] FantasyTalkingClient client;
        [SerializeField] SpeechInput input = SpeechInput.AudioClip;
        [SerializeField] bool playOnStart;
        [TextArea(2, 6)]
        [SerializeField] string text = "";
        [SerializeField] string voice = "";
        [SerializeField] string language = "";
        [Tooltip("Microphone device; empty is the default device.")]
        [SerializeField] string microphoneDevice = "";
        [Tooltip("AudioFilter input: hold the sound back by the server's look-ahead so lips and sound arrive together.")]
        [SerializeField] bool delayFilteredAudio = true;
        [Tooltip("Seconds between starting and hearing the sound, for the first frames to arrive.")]
        [SerializeField, Range(0.05f, 1f)] float startDelay = 0.25f;
        [SerializeField] AnimationOptions options = new AnimationOptions();
        [SerializeField] List<BlendshapeDriver> blendshapeDrivers = new List<BlendshapeDriver>();
        [SerializeField] BoneDriver boneDriver;
        [SerializeField] VisemeUnityEvent onViseme = new VisemeUnityEvent();
        [SerializeField] UnityEvent onFinished = new UnityEvent();

        [NonSerialized] AudioSource audioSource;
        [NonSerialized] AnimationStream stream;
        [NonSerialized] FrameSample sample;
        [NonSerialized] AnimationHeader header;
        [NonSerialized] readonly AudioClock clock = new AudioClock();
        [NonSerialized] readonly LiveFollowClock liveClock = new LiveFollowClock();
        [NonSerialized] SpeechInput activeInput;
        [NonSerialized] float[] clipSamples;
        [NonSerialized] int clipChannels, clipPushed;
        [NonSerialized] PcmQueue speechQueue;
        [NonSerialized] float[] readBuffer = new float[8192];
        [NonSerialized] AudioClip microphoneClip;
        [NonSerialized] int microphoneRead;
        [NonSerialized] float[] microphoneBuffer = new float[0];
        [NonSerialized] volatile bool filterActive;
        [NonSerialized] AudioDelayLine delayLine;
        [NonSerialized] double filterStartDsp = double.NaN;
        [NonSerialized] int filterChannels;
        [NonSerialized] double filterDelaySeconds;
        [NonSerialized] int outputRate;
        [NonSerialized] bool speechStarted, finishedRaised;

        /// <summary>Raised on the main thread after the drivers got each sampled frame.</summary>
        public event Action<AnimationHeader, FrameSample> FrameApplied;
        /// <summary>Raised on the main thread for each viseme the engine decides.</summary>
        public event Action<VisemeEvent> VisemeReceived;

        public SpeechInput Input { get { return input; } set { input = value; } }
        public AnimationOptions Options { get { return options; } }
        public List<BlendshapeDriver> BlendshapeDrivers { get { return blendshapeDrivers; } }
        public BoneDriver BoneDriver { get { return boneDriver; } set { boneDriver = value; } }
        /// <summary>The curve names of the current stream (null before its header).</summary>
        public AnimationHeader Header { get { return header; } }
        /// <summary>The last sampled frame.</summary>
        public FrameSample CurrentSample { get { return sample; } }
        /// <summary>Seconds into the speech that the face shows now.</summary>
        public double PlaybackTime { get; private set; }
        public bool IsSpeaking { get { return stream != null; } }

        FantasyTalkingClient ClientComponent
        {
            get
            {
                if (client == null) client = FantasyTalkingClient.FindDefault();
                if (client == null) throw new InvalidOperationException("FantasyTalking: no FantasyTalkingClient in the scene; add one (it holds the server address).");
                return client;
            }
        }

        void Awake()
        {
            audioSource = GetComponent<AudioSource>();
            if (blendshapeDrivers.Count == 0)
                blendshapeDrivers.AddRange(GetComponentsInChildren<BlendshapeDriver>());
            if (boneDriver == null) boneDriver = GetComponentInChildren<BoneDriver>();
            outputRate = AudioSettings.outputSampleRate;
        }

        void Start()
        {
            if (!playOnStart) return;
            switch (input)
            {
                case SpeechInput.AudioClip: Play(audioSource.clip); break;
                case SpeechInput.Text: Speak(text); break;
                case SpeechInput.Microphone: StartMicrophone(); break;
                case SpeechInput.AudioFilter: StartAudioFilter(); break;
            }
        }

        /// <summary>Streams <paramref name="clip"/>, plays it after startDelay and animates the face in sync.</summary>
        public void Play(AudioClip clip)
        {
            Stop();
            if (clip == null) { Debug.LogWarning("FantasyTalking: SpeechAnimator.Play got no AudioClip.", this); return; }
            if (clip.loadType == AudioClipLoadType.Streaming)
            {
                Debug.LogError("FantasyTalking: '" + clip.name + "' is imported with Load Type 'Streaming', so its samples cannot be read. Use 'Decompress On Load' or 'Compressed In Memory'.", clip);
                return;
            }
            if (clip.loadState != AudioDataLoadState.Loaded) clip.LoadAudioData();
            var data = new float[clip.samples * clip.channels];
            if (data.Length == 0 || !clip.GetData(data, 0) || Pcm.IsSilent(data))
            {
                Debug.LogWarning("FantasyTalking: '" + clip.name + "' has no audio data (empty, silent or not loaded); nothing to animate.", clip);
                return;
            }
            if (!Open(clip.frequency, clip.channels, SpeechInput.AudioClip)) return;
            clipSamples = data;
            clipChannels = clip.channels;
            clipPushed = 0;
            PushClipAhead(startDelay + 2.0);
            double start = AudioSettings.dspTime + startDelay;
            audioSource.clip = clip;
            audioSource.time = 0f;
            audioSource.PlayScheduled(start);
            clock.Start(start);
        }

        /// <summary>Says <paramref name="words"/> with the server's TTS, playing the voice and animating the face.</summary>
        public void Speak(string words)
        {
            Stop();
            if (string.IsNullOrEmpty(words)) { Debug.LogWarning("FantasyTalking: nothing to say (the text is empty).", this); return; }
            try
            {
                stream = ClientComponent.Client.Speak(new SpeakOptions
                {
                    Text = words, Voice = voice, Language = language,
                    SampleRateHz = Mathf.Clamp(outputRate, 8000, 48000), Animation = options,
                });
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }
            activeInput = SpeechInput.Text;
            Subscribe();
            speechQueue = new PcmQueue(Mathf.Clamp(outputRate, 8000, 48000) * 30);
            speechStarted = false;
        }

        /// <summary>Streams the microphone; the face follows with the least delay the look-ahead allows.</summary>
        public void StartMicrophone()
        {
            Stop();
            if (Microphone.devices.Length == 0) { Debug.LogWarning("FantasyTalking: no microphone found.", this); return; }
            string device = string.IsNullOrEmpty(microphoneDevice) ? null : microphoneDevice;
            int min, max;
            Microphone.GetDeviceCaps(device, out min, out max);
            int rate = max == 0 ? 16000 : Mathf.Clamp(16000, Mathf.Max(min, 8000), Mathf.Min(max, 48000));
            microphoneClip = Microphone.Start(device, true, 10, rate);
            if (microphoneClip == null) { Debug.LogWarning("FantasyTalking: the microphone did not start.", this); return; }
            microphoneRead = 0;
            if (!Open(rate, microphoneClip.channels, SpeechInput.Microphone)) Microphone.End(device);
        }

        /// <summary>Animates whatever this GameObject's AudioSource plays (captured in OnAudioFilterRead).</summary>
        public void StartAudioFilter()
        {
            Stop();
            int channels = SpeakerChannels(AudioSettings.GetConfiguration().speakerMode);
            if (!Open(outputRate, channels, SpeechInput.AudioFilter)) return;
            filterChannels = channels;
            // The face can follow a sound only after the look-ahead plus the network; hold the sound back as long.
            filterDelaySeconds = delayFilteredAudio ? (options.LookaheadMs >= 0 ? options.LookaheadMs : 100) / 1000.0 + 0.06 : 0.0;
            delayLine = delayFilteredAudio ? new AudioDelayLine(filterDelaySeconds, outputRate, channels) : null;
            filterStartDsp = double.NaN;
            filterActive = true;
        }

        /// <summary>Drops speech not yet animated and settles the face; the stream stays open (live inputs keep going).</summary>
        public void Interrupt()
        {
            if (stream == null) return;
            try
            {
                stream.Interrupt();
            }
            catch (Exception e)
            {
                Fail(e);
            }
            if (activeInput == SpeechInput.AudioClip || activeInput == SpeechInput.Text)
            {
                audioSource.Stop();
                clipSamples = null;
            }
        }

        /// <summary>Stops everything and puts the face back to rest.</summary>
        public void Stop()
        {
            filterActive = false;
            if (activeInput == SpeechInput.Microphone && microphoneClip != null)
            {
                Microphone.End(string.IsNullOrEmpty(microphoneDevice) ? null : microphoneDevice);
                microphoneClip = null;
            }
            if (stream != null)
            {
                stream.Dispose();
                stream = null;
            }
            if (audioSource != null && (activeInput == SpeechInput.AudioClip || activeInput == SpeechInput.Text)) audioSource.Stop();
            clock.Stop();
            clipSamples = null;
            speechQueue = null;
            header = null;
            foreach (BlendshapeDriver d in blendshapeDrivers) if (d != null) d.ResetWeights();
            if (boneDriver != null) boneDriver.ResetPose();
        }

        bool Open(int rate, int channels, SpeechInput kind)
        {
            try
            {
                stream = ClientComponent.Client.OpenStream(new StreamOptions
                {
                    SampleRateHz = rate,
                    Channels = channels,
                    Animation = options,
                    HistorySeconds = 30,
                });
            }
            catch (Exception e)
            {
                Fail(e);
                return false;
            }
            activeInput = kind;
            Subscribe();
            return true;
        }

        void Subscribe()
        {
            finishedRaised = false;
            header = null;
            stream.VisemeReceived += v =>
            {
                if (onViseme != null) onViseme.Invoke(v.Viseme, v.VisemeId);
                if (VisemeReceived != null) VisemeReceived(v);
            };
            stream.Finished += r =>
            {
                if (r.State == FtalkStreamState.Failed && r.Error != FtalkStatus.Cancelled)  // Stop() cancels on purpose
                    Debug.LogWarning("FantasyTalking: the speech stream failed: " + r.Message + " (" + r.Error + ")", this);
            };
        }

        void Fail(Exception e)
        {
            Debug.LogError("FantasyTalking: " + e.Message, this);
            if (stream != null) { stream.Dispose(); stream = null; }
        }

        void PushClipAhead(double secondsAhead)
        {
            if (clipSamples == null) return;
            double now = Math.Max(0.0, PlaybackTime);
            int wanted = (int)Math.Min(clipSamples.Length, (now + secondsAhead) * audioSource.clip.frequency * clipChannels);
            wanted -= wanted % clipChannels;
            if (wanted <= clipPushed) return;
            FtalkStatus st = stream.TryPush(clipSamples, clipPushed, wanted - clipPushed);
            if (st == FtalkStatus.Busy) return;
            if (st < 0) throw new FtalkException(st, "cannot stream '" + audioSource.clip.name + "': " + stream.Result.Message);
            clipPushed = wanted;
            if (clipPushed == clipSamples.Length)
            {
                stream.End();
                clipSamples = null;
            }
        }

        void Update()
        {
            if (stream == null) return;
            try
            {
                Feed();
                if (stream == null) return;
                if (header == null)
                {
                    header = stream.Header;
                    if (header == null) return;
                    sample = FrameSample.For(header);
                }
                PlaybackTime = Clock();
                if (double.IsNaN(PlaybackTime)) return;
                stream.Sample(Math.Max(0.0, PlaybackTime), sample);
                ApplyFrame(header, sample);
                CheckFinished();
            }
            catch (ObjectDisposedException)
            {
                stream = null;  // closed by a domain reload or by leaving play mode
            }
            catch (FtalkException e)
            {
                Fail(e);
            }
        }

        /// <summary>Puts one sampled frame on the drivers (what Update does each frame; the Timeline track calls it too).</summary>
        public void ApplyFrame(AnimationHeader frameHeader, FrameSample frame)
        {
            foreach (BlendshapeDriver d in blendshapeDrivers) if (d != null) d.Apply(frameHeader, frame);
            if (boneDriver != null) boneDriver.Apply(frameHeader, frame);
            if (FrameApplied != null) FrameApplied(frameHeader, frame);
        }

        void Feed()
        {
            switch (activeInput)
            {
                case SpeechInput.AudioClip:
                    PushClipAhead(startDelay + 2.0);
                    break;
                case SpeechInput.Text:
                    FeedSpeech();
                    break;
                case SpeechInput.Microphone:
                    FeedMicrophone();
                    break;
            }
        }

        void FeedSpeech()
        {
            while (speechQueue.Free > readBuffer.Length)
            {
                int n = stream.ReadAudio(readBuffer, 0, readBuffer.Length);
                if (n < 0) { speechQueue.Ended = true; break; }
                if (n == 0) break;
                speechQueue.Write(readBuffer, 0, n);
            }
            if (speechStarted) return;
            SpeechInfo? info = stream.GetSpeechInfo();
            if (!info.HasValue) return;
            int rate = info.Value.SampleRateHz;
            if (speechQueue.Count < rate * startDelay && !speechQueue.Ended) return;
            // A streaming clip that pulls from the queue; ten minutes long, stopped when the speech ends.
            AudioClip voiceClip = AudioClip.Create("FantasyTalking speech", rate * 600, 1, rate, true, speechQueue.Read);
            audioSource.clip = voiceClip;
            double start = AudioSettings.dspTime + 0.05;
            audioSource.PlayScheduled(start);
            clock.Start(start);
            speechStarted = true;
        }

        void FeedMicrophone()
        {
            if (microphoneClip == null) return;
            int position = Microphone.GetPosition(string.IsNullOrEmpty(microphoneDevice) ? null : microphoneDevice);
            int total = microphoneClip.samples;
            int available = (position - microphoneRead + total) % total;
            if (available == 0) return;
            int channels = microphoneClip.channels;
            if (microphoneBuffer.Length != available * channels) microphoneBuffer = new float[available * channels];
            microphoneClip.GetData(microphoneBuffer, microphoneRead);  // wraps around the loop by itself
            microphoneRead = position;
            stream.Push(microphoneBuffer, 0, microphoneBuffer.Length);
        }

        double Clock()
        {
            double dsp = AudioSettings.dspTime;
            double real = Time.realtimeSinceStartupAsDouble;
            switch (activeInput)
            {
                case SpeechInput.AudioClip:
                    return clock.Now(dsp, real);
                case SpeechInput.Text:
                    if (!speechStarted) return 0.0;
                    // Silence played while the network was late is not speech time.
                    return clock.Now(dsp, real) - speechQueue.UnderrunSamples / (double)audioSource.clip.frequency;
                case SpeechInput.Microphone:
                    return liveClock.Now(stream.Result.LatestFrameTime, real);
                case SpeechInput.AudioFilter:
                    if (double.IsNaN(filterStartDsp)) return double.NaN;
                    if (!clock.IsRunning) clock.Start(filterStartDsp + filterDelaySeconds);
                    return clock.Now(dsp, real);
            }
            return double.NaN;
        }

        void CheckFinished()
        {
            if (finishedRaised) return;
            StreamResult r = stream.Result;
            if (!r.IsOver) return;
            bool audioDone = activeInput == SpeechInput.AudioClip ? PlaybackTime > r.LatestFrameTime
                           : activeInput == SpeechInput.Text ? speechQueue.Ended && speechQueue.Count == 0
                           : true;
            if (!audioDone) return;
            finishedRaised = true;
            if (activeInput == SpeechInput.Text) audioSource.Stop();
            if (onFinished != null) onFinished.Invoke();
        }

        void OnAudioFilterRead(float[] data, int channels)
        {
            if (!filterActive) return;
            AnimationStream s = stream;
            if (s == null) return;
            if (channels != filterChannels)
            {
                filterActive = false;
                FantasyTalkingClient.Dispatcher.Post(() => Debug.LogWarning("FantasyTalking: OnAudioFilterRead delivers " + channels + " channels, the stream was opened for " + filterChannels + "; audio filter input stopped.", this));
                return;
            }
            if (double.IsNaN(filterStartDsp)) filterStartDsp = AudioSettings.dspTime;
            // The audio thread never throws and never blocks: a full queue or a closed stream drops this buffer.
            try
            {
                s.TryPush(data, 0, data.Length - data.Length % channels);
            }
            catch (Exception)
            {
                filterActive = false;
            }
            if (delayLine != null) delayLine.Process(data, data.Length);
        }

        static int SpeakerChannels(AudioSpeakerMode mode)
        {
            switch (mode)
            {
                case AudioSpeakerMode.Mono: return 1;
                case AudioSpeakerMode.Quad: return 4;
                case AudioSpeakerMode.Surround: return 5;
                case AudioSpeakerMode.Mode5point1: return 6;
                case AudioSpeakerMode.Mode7point1: return 8;
                default: return 2;
            }
        }

        void OnDisable()
        {
            Stop();
        }
    }
}
