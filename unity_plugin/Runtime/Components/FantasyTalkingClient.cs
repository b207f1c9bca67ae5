// The server connection as a scene component. Address, TLS and timeouts are serialised; the token
// never is: it comes from an environment variable, from this machine's EditorPrefs (editor only,
// entered in the inspector), or from your own code at runtime (SetToken), for example after your
// game's backend handed it out.
using System;
using FantasyTalking.Native;
using UnityEngine;

namespace FantasyTalking
{
    /// <summary>Where the token comes from.</summary>
    public enum TokenSource
    {
        /// <summary>The server needs no token.</summary>
        None = 0,
        /// <summary>An environment variable of the player or editor process (default FTALK_TOKEN).</summary>
        EnvironmentVariable = 1,
        /// <summary>This machine's EditorPrefs, entered in the inspector; editor only, never in the scene or a build.</summary>
        EditorPrefs = 2,
        /// <summary>Your code calls SetToken at runtime.</summary>
        Script = 3,
    }

    /// <summary>Which native log lines reach the Console.</summary>
    public enum NativeLogLevel { Off = 0, Errors = 1, Info = 2, Everything = 3 }

    [AddComponentMenu("FantasyTalking/FantasyTalking Client")]
    [DisallowMultipleComponent]
    [HelpURL("https://github.com/fantasytalking/fantasytalking/tree/main/unity_plugin")]
    public sealed class FantasyTalkingClient : MonoBehaviour
    {
        [Tooltip("host:port of the FantasyTalking server (ftalk serve).")]
        [SerializeField] string address = "127.0.0.1:50051";
        [SerializeField] bool useTls;
        [Tooltip("PEM of the certificate that signs the server's (a self-signed certificate is its own root). Empty: the system's roots.")]
        [SerializeField] TextAsset rootCertificate;
        [Tooltip("Name checked against the server certificate, when it differs from the address's host.")]
        [SerializeField] string serverNameOverride = "";
        [SerializeField] TokenSource tokenSource = TokenSource.None;
        [SerializeField] string tokenEnvironmentVariable = "FTALK_TOKEN";
        // Names this component's token entry in EditorPrefs; the token itself is never serialised.
        [SerializeField, HideInInspector] string editorTokenKey = "";
        [SerializeField] int connectTimeoutMs = 5000;
        [SerializeField] int callTimeoutMs = 10000;
        [SerializeField] int longCallTimeoutMs = 300000;
        [Tooltip("Native client and gRPC log lines shown in the Console.")]
        [SerializeField] NativeLogLevel nativeLog = NativeLogLevel.Errors;

        [NonSerialized] string scriptToken;
        [NonSerialized] FtalkClient client;

        static readonly MainThreadDispatcher SharedDispatcher = new MainThreadDispatcher();

        /// <summary>The queue every FantasyTalking callback is marshalled through; pumped each frame by any active client
        /// component and, in the editor, by the editor's update loop.</summary>
        public static MainThreadDispatcher Dispatcher { get { return SharedDispatcher; } }

        public string Address
        {
            get { return address; }
            set { address = value; Reconnect(); }
        }

        public TokenSource TokenSource { get { return tokenSource; } }

        /// <summary>The EditorPrefs key holding this component's token (editor only).</summary>
        public string EditorTokenKey
        {
            get
            {
                if (string.IsNullOrEmpty(editorTokenKey)) editorTokenKey = Guid.NewGuid().ToString("N");
                return "FantasyTalking.Token." + editorTokenKey;
            }
        }

        /// <summary>Sets the token for TokenSource.Script (kept in memory only) and reconnects.</summary>
        public void SetToken(string token)
        {
            scriptToken = token;
            Reconnect();
        }

        /// <summary>The native client, made on first use. Throws FtalkException with a clear message when the
        /// native library is missing or the address is unusable.</summary>
        public FtalkClient Client
        {
            get
            {
                if (client == null || client.IsDisposed)
                {
                    client = new FtalkClient(Options(), SharedDispatcher);
                    ForwardNativeLog(nativeLog);
                }
                return client;
            }
        }

        /// <summary>Shows the native core's log lines at <paramref name="level"/> and above in the Console (Off: none).</summary>
        public static void ForwardNativeLog(NativeLogLevel level)
        {
            if (level == NativeLogLevel.Off) { NativeLog.Disable(); return; }
            var min = level == NativeLogLevel.Everything ? FtalkLogLevel.Debug : level == NativeLogLevel.Info ? FtalkLogLevel.Info : FtalkLogLevel.Error;
            NativeLog.Enable((l, line) =>
            {
                if (l == FtalkLogLevel.Error) Debug.LogWarning("FantasyTalking native: " + line);
                else Debug.Log("FantasyTalking native: " + line);
            }, min, SharedDispatcher);
        }

        /// <summary>The options this component describes, with the token resolved.</summary>
        public ClientOptions Options()
        {
            return new ClientOptions
            {
                Address = address,
                UseTls = useTls,
                RootCertificatePem = rootCertificate != null ? rootCertificate.text : null,
                ServerNameOverride = serverNameOverride,
                Token = ResolveToken(),
                ConnectTimeoutMs = connectTimeoutMs,
                CallTimeoutMs = callTimeoutMs,
                LongCallTimeoutMs = longCallTimeoutMs,
            };
        }

        string ResolveToken()
        {
            switch (tokenSource)
            {
                case TokenSource.EnvironmentVariable:
                    string value = Environment.GetEnvironmentVariable(tokenEnvironmentVariable ?? "");
                    if (string.IsNullOrEmpty(value))
                        Debug.LogWarning("FantasyTalking: the environment variable " + tokenEnvironmentVariable + " holding the server token is not set.", this);
                    return value;
                case TokenSource.EditorPrefs:
#if UNITY_EDITOR
                    return UnityEditor.EditorPrefs.GetString(EditorTokenKey, "");
#else
                    Debug.LogWarning("FantasyTalking: the token was kept in the editor's EditorPrefs, which builds do not have. Use an environment variable or SetToken.", this);
                    return null;
#endif
                case TokenSource.Script:
                    return scriptToken;
                default:
                    return null;
            }
        }

        /// <summary>Drops the current connection; the next use makes a new one with the current settings.</summary>
        public void Reconnect()
        {
            if (client != null) client.Dispose();
            client = null;
        }

        /// <summary>The first active client in the scene (what a SpeechAnimator without one uses).</summary>
        public static FantasyTalkingClient FindDefault()
        {
#if UNITY_2023_1_OR_NEWER
            return FindFirstObjectByType<FantasyTalkingClient>();
#else
            return FindObjectOfType<FantasyTalkingClient>();
#endif
        }

        void Update()
        {
            SharedDispatcher.Pump();
        }

        void OnDisable()
        {
            Reconnect();
        }

        void OnValidate()
        {
            if (client != null) Reconnect();
        }

        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        static void HookQuit()
        {
            SharedDispatcher.Error -= LogError;
            SharedDispatcher.Error += LogError;
            Application.quitting -= CloseEverything;
            Application.quitting += CloseEverything;
        }

        static void LogError(Exception e)
        {
            Debug.LogException(e);
        }

        /// <summary>Closes every open native stream and client (play mode ends, scripts reload, the player quits).</summary>
        public static void CloseEverything()
        {
            NativeResources.DisposeAll();
        }
    }
}
