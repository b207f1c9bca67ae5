// The options of the API in managed form: what the components serialise and the Editor shows.
// Each converts itself to the native struct inside a Utf8Scope that owns the strings for the call.
using System;
using System.Collections.Generic;
using FantasyTalking.Native;

namespace FantasyTalking
{
    /// <summary>How to reach a server (ftalk_client_config).</summary>
    [Serializable]
    public sealed class ClientOptions
    {
        /// <summary>"host:port".</summary>
        public string Address = "127.0.0.1:50051";
        public bool UseTls;
        /// <summary>PEM of the root certificate(s) that sign the server's certificate; null for the system roots.</summary>
        public string RootCertificatePem;
        /// <summary>Name checked against the certificate when it differs from the address's host.</summary>
        public string ServerNameOverride;
        /// <summary>Bearer token; null or empty sends none. Never serialise it into a scene (see FantasyTalkingClient).</summary>
        [NonSerialized] public string Token;
        public int ConnectTimeoutMs = 5000;
        public int CallTimeoutMs = 10000;
        public int LongCallTimeoutMs = 300000;

        internal FtalkClientConfig ToNative(Utf8Scope s)
        {
            if (string.IsNullOrEmpty(Address)) throw new ArgumentException("the server address is empty (expected host:port, such as 127.0.0.1:50051)");
            var c = new FtalkClientConfig();
            Interop.Check(NativeMethods.ftalk_client_config_init(ref c), "ftalk_client_config_init");
            c.address = s.String(Address.Trim());
            c.use_tls = UseTls || !string.IsNullOrEmpty(RootCertificatePem) ? 1 : 0;
            c.tls_root_cert_pem = string.IsNullOrEmpty(RootCertificatePem) ? IntPtr.Zero : s.String(RootCertificatePem);
            c.tls_server_name = string.IsNullOrEmpty(ServerNameOverride) ? IntPtr.Zero : s.String(ServerNameOverride);
            c.token = string.IsNullOrEmpty(Token) ? IntPtr.Zero : s.String(Token);
            c.connect_timeout_ms = (uint)Math.Max(0, ConnectTimeoutMs);
            c.call_timeout_ms = (uint)Math.Max(0, CallTimeoutMs);
            c.long_call_timeout_ms = (uint)Math.Max(0, LongCallTimeoutMs);
            return c;
        }
    }

    /// <summary>Animation options (fantasytalking.v1.AnimationOptions). Negative scales and look-ahead mean the server's default.</summary>
    [Serializable]
    public sealed class AnimationOptions
    {
        /// <summary>Frames per second, 1..120; 0 means 30.</summary>
        public int Fps = 30;
        /// <summary>Look-ahead in ms, 0..500; negative means the server's default (100).</summary>
        public int LookaheadMs = -1;
        /// <summary>BCP-47 language hint; empty means unknown.</summary>
        public string Language = "";
        /// <summary>What is said, when known (English clips: its words are aligned, and the lips meet on their p, b and m).</summary>
        public string Transcript = "";
        public float HeadMotion = -1f;
        public float Blink = -1f;
        public float Expression = -1f;
        public FtalkRigProfile Rig = FtalkRigProfile.Default;
        public long Seed;
        public FtalkSpeechEngine Engine = FtalkSpeechEngine.Auto;
        /// <summary>Held emotions by name (joy, anger, ... the Audio2Face-3D set), strengths 0..1.</summary>
        public List<EmotionWeight> Emotions = new List<EmotionWeight>();

        internal FtalkAnimationOptions ToNative(Utf8Scope s)
        {
            var o = new FtalkAnimationOptions();
            Interop.Check(NativeMethods.ftalk_animation_options_init(ref o), "ftalk_animation_options_init");
            o.fps = (uint)Math.Max(0, Fps);
            o.lookahead_ms = LookaheadMs;
            o.language = string.IsNullOrEmpty(Language) ? IntPtr.Zero : s.String(Language);
            o.transcript = string.IsNullOrEmpty(Transcript) ? IntPtr.Zero : s.String(Transcript);
            o.head_motion = HeadMotion;
            o.blink = Blink;
            o.expression = Expression;
            o.rig = Rig;
            o.seed = (ulong)Seed;
            o.engine = Engine;
            if (Emotions != null && Emotions.Count > 0)
            {
                var names = new List<string>();
                var strengths = new List<float>();
                foreach (EmotionWeight e in Emotions) { names.Add(e.Name); strengths.Add(e.Strength); }
                o.emotion_count = (UIntPtr)names.Count;
                o.emotion_names = s.StringArray(names);
                o.emotion_strengths = s.Floats(strengths);
            }
            return o;
        }
    }

    /// <summary>One held emotion.</summary>
    [Serializable]
    public struct EmotionWeight
    {
        public string Name;
        public float Strength;

        public EmotionWeight(string name, float strength)
        {
            Name = name;
            Strength = strength;
        }
    }

    /// <summary>A live animation stream's audio layout and buffering (ftalk_stream_config).</summary>
    [Serializable]
    public sealed class StreamOptions
    {
        /// <summary>8000..48000 Hz: Unity's output rate (AudioSettings.outputSampleRate) works as it is.</summary>
        public int SampleRateHz = 16000;
        /// <summary>1 or 2; more channels are mixed down to mono before sending.</summary>
        public int Channels = 1;
        /// <summary>Milliseconds without audio before the server fills in idle motion; 0 means 250.</summary>
        public int IdleAfterMs;
        /// <summary>Seconds of frames kept behind the newest sampled time; 0 means 30.</summary>
        public int HistorySeconds;
        public AnimationOptions Animation = new AnimationOptions();
    }

    /// <summary>Text to speech with an aligned face (ftalk_speak_request).</summary>
    [Serializable]
    public sealed class SpeakOptions
    {
        public string Text = "";
        public string Language = "";
        public string Voice = "";
        public float Rate = 1f;
        public float Pitch = 1f;
        public float Volume = 1f;
        /// <summary>Sample rate of the returned audio; 0 means 16000.</summary>
        public int SampleRateHz;
        public int HistorySeconds;
        public AnimationOptions Animation = new AnimationOptions();
    }

    /// <summary>Photo → head options (ftalk_head_request).</summary>
    [Serializable]
    public sealed class HeadOptions
    {
        /// <summary>Texture atlas side 512..4096; 0 means 1024.</summary>
        public int TextureSize;
        /// <summary>FTALK_HEAD_PART_* bits; 0 means every part.</summary>
        public int Parts;
        public FtalkMeshDetail Detail = FtalkMeshDetail.Default;
        /// <summary>"" or "auto" (chosen from the photo), "none", or a style: short02, short04, bob02, long01, ponytail01, afro01.</summary>
        public string Hair = "";
        /// <summary>Level of detail 0..3: 0 the full head, 1..3 a half, a quarter, an eighth of its triangles.</summary>
        public int Lod;
    }
}
