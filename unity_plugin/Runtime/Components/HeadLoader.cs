// Create Head: a portrait goes to the server, a GLB head comes back and glTFast builds it at
// runtime under this GameObject. The head's morph targets are named exactly as the curves and its
// joints as the stream's joints, so the loader wires a BlendshapeDriver (exact names) and a
// BoneDriver (glTFast's axis conversion is the API-to-Unity map) and hands both to a SpeechAnimator.
using System;
using System.Threading;
using System.Threading.Tasks;
using FantasyTalking.Native;
using UnityEngine;
using UnityEngine.Events;

namespace FantasyTalking
{
    [Serializable] public sealed class HeadLoadedEvent : UnityEvent<GameObject> { }

    [AddComponentMenu("FantasyTalking/Head Loader")]
    public sealed class HeadLoader : MonoBehaviour
    {
        [SerializeField] FantasyTalkingClient client;
        [Tooltip("The portrait, as imported bytes: rename photo.jpg to photo.bytes, or use Photo Path / CreateHead(byte[]).")]
        [SerializeField] TextAsset photo;
        [Tooltip("A JPEG/PNG/WebP file to read at runtime (absolute, or relative to StreamingAssets).")]
        [SerializeField] string photoPath = "";
        [SerializeField] HeadOptions options = new HeadOptions();
        [Tooltip("Receives the head's drivers once it is loaded.")]
        [SerializeField] SpeechAnimator speechAnimator;
        [SerializeField] bool createOnStart;
        [SerializeField] HeadLoadedEvent onHeadLoaded = new HeadLoadedEvent();

        [NonSerialized] CancellationTokenSource cancel;

        /// <summary>The server's stage ("landmarks", "texture", ...) while a head is being made.</summary>
        public string Stage { get; private set; }
        /// <summary>0..1 while a head is being made.</summary>
        public float Progress { get; private set; }
        public bool IsBusy { get { return cancel != null; } }
        /// <summary>The last head made (with its quality report), or null.</summary>
        public HeadResult LastResult { get; private set; }
        public GameObject Head { get; private set; }

        async void Start()
        {
            if (createOnStart) await CreateHead();
        }

        /// <summary>Makes a head from the configured photo.</summary>
        public Task<GameObject> CreateHead()
        {
            byte[] bytes = null;
            if (photo != null) bytes = photo.bytes;
            else if (!string.IsNullOrEmpty(photoPath))
            {
                string path = System.IO.Path.IsPathRooted(photoPath) ? photoPath : System.IO.Path.Combine(Application.streamingAssetsPath, photoPath);
                if (!System.IO.File.Exists(path))
                {
                    Debug.LogError("FantasyTalking: no photo at " + path, this);
                    return Task.FromResult<GameObject>(null);
                }
                bytes = System.IO.File.ReadAllBytes(path);
            }
            if (bytes == null || bytes.Length == 0)
            {
                Debug.LogError("FantasyTalking: HeadLoader has no photo (set Photo or Photo Path).", this);
                return Task.FromResult<GameObject>(null);
            }
            return CreateHead(bytes);
        }

        /// <summary>Makes a head from an encoded photo (JPEG, PNG or WebP): the server call runs on a worker thread,
        /// progress is marshalled to the main thread, the GLB is loaded with glTFast on the main thread.</summary>
        public async Task<GameObject> CreateHead(byte[] image)
        {
            if (cancel != null) { Debug.LogWarning("FantasyTalking: a head is already being made.", this); return null; }
            FtalkClient native;
            try
            {
                if (client == null) client = FantasyTalkingClient.FindDefault();
                if (client == null) throw new InvalidOperationException("no FantasyTalkingClient in the scene; add one (it holds the server address).");
                native = client.Client;
            }
            catch (Exception e)
            {
                Debug.LogError("FantasyTalking: " + e.Message, this);
                return null;
            }
            cancel = new CancellationTokenSource();
            CancellationToken token = cancel.Token;
            MainThreadDispatcher dispatcher = FantasyTalkingClient.Dispatcher;
            try
            {
                Stage = "upload";
                Progress = 0f;
                HeadOptions o = options;
                LastResult = await Task.Run(() => native.CreateHead(image, o, (stage, fraction) =>
                {
                    dispatcher.Post(() => { Stage = stage; Progress = fraction; });
                    return !token.IsCancellationRequested;
                }));
                foreach (string w in LastResult.Warnings) Debug.LogWarning("FantasyTalking head: " + w, this);
                if (this == null || token.IsCancellationRequested) return null;  // destroyed or cancelled meanwhile
                GameObject head = await Load(LastResult, token);
                if (head != null && onHeadLoaded != null) onHeadLoaded.Invoke(head);
                return head;
            }
            catch (Exception e)
            {
                // A rejected photo, an unreachable server, a GLB glTFast cannot read: one message, no exception into Unity.
                Debug.LogError("FantasyTalking: " + e.Message, this);
                return null;
            }
            finally
            {
                cancel = null;
                Stage = null;
            }
        }

        async Task<GameObject> Load(HeadResult result, CancellationToken token)
        {
            var gltf = new GLTFast.GltfImport();
            bool ok = await gltf.LoadGltfBinary(result.Glb, new Uri("memory://fantasytalking/head.glb"), null, token);
            if (!ok || this == null)
            {
                Debug.LogError("FantasyTalking: glTFast could not load the head GLB (" + result.Glb.Length + " bytes).", this);
                gltf.Dispose();
                return null;
            }
            if (Head != null) Destroy(Head);
            var root = new GameObject("FantasyTalking Head");
            root.transform.SetParent(transform, false);
            ok = await gltf.InstantiateMainSceneAsync(root.transform);
            if (!ok)
            {
                Debug.LogError("FantasyTalking: glTFast could not instantiate the head.", this);
                Destroy(root);
                return null;
            }
            Head = root;
            Wire(root);
            return root;
        }

        /// <summary>Adds the drivers to a loaded head and hands them to the SpeechAnimator.</summary>
        public void Wire(GameObject head)
        {
            SkinnedMeshRenderer renderer = head.GetComponentInChildren<SkinnedMeshRenderer>();
            if (renderer == null)
            {
                Debug.LogError("FantasyTalking: the loaded head has no SkinnedMeshRenderer.", this);
                return;
            }
            var blendshapes = head.AddComponent<BlendshapeDriver>();
            blendshapes.Target = renderer;
            blendshapes.MatchMode = NameMatchMode.Exact;  // the head's morph targets are named exactly as the curves
            var bones = head.AddComponent<BoneDriver>();
            foreach (BoneSlot s in bones.Bones)
            {
                s.axes = BoneAxisMap.UnityFacingPositiveZ;  // glTF (+X left, right-handed) as glTFast converts it
                // JawOpen and EyeLook* already move the jaw and eyes in this head's morph targets.
                s.weight = s.joint == "jaw" || s.joint == "eye_L" || s.joint == "eye_R" ? 0f : 1f;
            }
            bones.AutoAssign(head.transform);
            if (speechAnimator != null)
            {
                speechAnimator.BlendshapeDrivers.Add(blendshapes);
                speechAnimator.BoneDriver = bones;
            }
        }

        /// <summary>Cancels a head being made (the server call stops at its next progress report).</summary>
        public void Cancel()
        {
            if (cancel != null) cancel.Cancel();
        }

        void OnDestroy()
        {
            Cancel();
        }
    }
}
