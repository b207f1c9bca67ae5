// Declarations (no behaviour) of the part of Unity's API that the FantasyTalking package uses:
// UnityEngine, UnityEngine.Events/Playables/Timeline, UnityEditor and glTFast, with the signatures of
// Unity 2021.3's documentation. Unity itself is not available here; tools/test_unity.sh compiles the
// package's Components, Timeline, Editor and Sample code against these declarations, so that
// syntax, names and types of the engine layer are checked by a compiler even without Unity. It is a
// type check against our reading of the API, not a substitute for compiling in Unity.
#pragma warning disable 0067, 0649, 0626
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace UnityEngine
{
    public class Object
    {
        public string name { get; set; }
        public static void Destroy(Object obj) { }
        public static T FindObjectOfType<T>() where T : Object { return null; }
        public static implicit operator bool(Object o) { return !ReferenceEquals(o, null); }
    }

    public class Component : Object
    {
        public GameObject gameObject { get { return null; } }
        public Transform transform { get { return null; } }
        public T GetComponent<T>() { return default(T); }
        public T GetComponentInChildren<T>() { return default(T); }
        public T GetComponentInChildren<T>(bool includeInactive) { return default(T); }
        public T[] GetComponentsInChildren<T>() { return null; }
        public T[] GetComponentsInChildren<T>(bool includeInactive) { return null; }
    }

    public class Behaviour : Component
    {
        public bool enabled { get; set; }
        public bool isActiveAndEnabled { get { return true; } }
    }

    public class MonoBehaviour : Behaviour { }

    public class ScriptableObject : Object
    {
        public static T CreateInstance<T>() where T : ScriptableObject { return null; }
    }

    public sealed class GameObject : Object
    {
        public GameObject(string name) { }
        public Transform transform { get { return null; } }
        public T AddComponent<T>() where T : Component { return null; }
        public T GetComponent<T>() { return default(T); }
        public T GetComponentInChildren<T>() { return default(T); }
        public T GetComponentInChildren<T>(bool includeInactive) { return default(T); }
        public T[] GetComponentsInChildren<T>(bool includeInactive) { return null; }
    }

    public class Transform : Component
    {
        public Vector3 localPosition { get; set; }
        public Quaternion localRotation { get; set; }
        public int childCount { get { return 0; } }
        public Transform GetChild(int index) { return null; }
        public void SetParent(Transform parent, bool worldPositionStays) { }
    }

    public struct Vector2 { public float x, y; }

    public struct Vector3
    {
        public float x, y, z;
        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
        public static Vector3 operator +(Vector3 a, Vector3 b) { return a; }
    }

    public struct Quaternion
    {
        public float x, y, z, w;
        public Quaternion(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }
    }

    public struct Color
    {
        public float r, g, b, a;
        public Color(float r, float g, float b) { this.r = r; this.g = g; this.b = b; a = 1f; }
        public Color(float r, float g, float b, float a) { this.r = r; this.g = g; this.b = b; this.a = a; }
        public static Color white { get { return new Color(1, 1, 1); } }
    }

    public struct Rect
    {
        public Rect(float x, float y, float width, float height) { }
    }

    public sealed class Mesh : Object
    {
        public int blendShapeCount { get { return 0; } }
        public int subMeshCount { get; set; }
        public string GetBlendShapeName(int shapeIndex) { return null; }
        public void SetVertices(List<Vector3> inVertices) { }
        public void SetTriangles(List<int> triangles, int submesh) { }
        public void RecalculateNormals() { }
        public void RecalculateBounds() { }
        public void AddBlendShapeFrame(string shapeName, float frameWeight, Vector3[] deltaVertices, Vector3[] deltaNormals, Vector3[] deltaTangents) { }
    }

    public class Renderer : Component
    {
        public Material[] sharedMaterials { get; set; }
    }

    public class SkinnedMeshRenderer : Renderer
    {
        public Mesh sharedMesh { get; set; }
        public bool updateWhenOffscreen { get; set; }
        public void SetBlendShapeWeight(int index, float value) { }
    }

    public class Material : Object
    {
        public Material(Shader shader) { }
        public Color color { get; set; }
    }

    public sealed class Shader : Object
    {
        public static Shader Find(string name) { return null; }
    }

    public sealed class TextAsset : Object
    {
        public string text { get { return null; } }
        public byte[] bytes { get { return null; } }
    }

    public enum AudioClipLoadType { DecompressOnLoad = 0, CompressedInMemory = 1, Streaming = 2 }
    public enum AudioDataLoadState { Unloaded = 0, Loading = 1, Loaded = 2, Failed = 3 }
    public enum AudioSpeakerMode { Mono = 1, Stereo = 2, Quad = 3, Surround = 4, Mode5point1 = 5, Mode7point1 = 6, Prologic = 7 }

    public sealed class AudioClip : Object
    {
        public delegate void PCMReaderCallback(float[] data);
        public int samples { get { return 0; } }
        public int channels { get { return 0; } }
        public int frequency { get { return 0; } }
        public float length { get { return 0f; } }
        public AudioClipLoadType loadType { get { return AudioClipLoadType.DecompressOnLoad; } }
        public AudioDataLoadState loadState { get { return AudioDataLoadState.Loaded; } }
        public bool LoadAudioData() { return true; }
        public bool GetData(float[] data, int offsetSamples) { return true; }
        public static AudioClip Create(string name, int lengthSamples, int channels, int frequency, bool stream, PCMReaderCallback pcmreadercallback) { return null; }
    }

    public sealed class AudioSource : Behaviour
    {
        public AudioClip clip { get; set; }
        public float time { get; set; }
        public void Play() { }
        public void PlayScheduled(double time) { }
        public void Stop() { }
    }

    public struct AudioConfiguration
    {
        public AudioSpeakerMode speakerMode;
        public int sampleRate;
    }

    public sealed class AudioSettings
    {
        public static double dspTime { get { return 0; } }
        public static int outputSampleRate { get { return 48000; } }
        public static AudioConfiguration GetConfiguration() { return default(AudioConfiguration); }
    }

    public sealed class Microphone
    {
        public static string[] devices { get { return null; } }
        public static AudioClip Start(string deviceName, bool loop, int lengthSec, int frequency) { return null; }
        public static void End(string deviceName) { }
        public static int GetPosition(string deviceName) { return 0; }
        public static void GetDeviceCaps(string deviceName, out int minFreq, out int maxFreq) { minFreq = maxFreq = 0; }
    }

    public static class Debug
    {
        public static void Log(object message) { }
        public static void Log(object message, Object context) { }
        public static void LogWarning(object message) { }
        public static void LogWarning(object message, Object context) { }
        public static void LogError(object message) { }
        public static void LogError(object message, Object context) { }
        public static void LogException(Exception exception) { }
    }

    public static class Application
    {
        public static bool isPlaying { get { return false; } }
        public static string streamingAssetsPath { get { return null; } }
        public static event Action quitting;
    }

    public static class Time
    {
        public static float realtimeSinceStartup { get { return 0f; } }
        public static double realtimeSinceStartupAsDouble { get { return 0; } }
        public static double unscaledTimeAsDouble { get { return 0; } }
    }

    public struct Mathf
    {
        public const float PI = 3.14159274f;
        public static float Abs(float f) { return f; }
        public static float Cos(float f) { return f; }
        public static float Sin(float f) { return f; }
        public static float Sqrt(float f) { return f; }
        public static int Clamp(int value, int min, int max) { return value; }
        public static float Clamp(float value, float min, float max) { return value; }
        public static int Max(int a, int b) { return a; }
        public static int Min(int a, int b) { return a; }
        public static float Max(float a, float b) { return a; }
        public static float Min(float a, float b) { return a; }
    }

    public struct Keyframe
    {
        public Keyframe(float time, float value) { }
    }

    public class AnimationCurve
    {
        public AnimationCurve(params Keyframe[] keys) { }
    }

    public sealed class AnimationClip : Object
    {
        public float frameRate { get; set; }
        public float length { get { return 0f; } }
        public void EnsureQuaternionContinuity() { }
    }

    public enum EventType { MouseDown = 0, Repaint = 7, Layout = 8 }

    public sealed class Event
    {
        public static Event current { get { return null; } }
        public EventType type { get { return EventType.Layout; } }
    }

    public class GUIContent
    {
        public GUIContent(string text) { }
        public GUIContent(string text, string tooltip) { }
    }

    public class GUIStyle { }
    public sealed class GUISkin { public GUIStyle box { get { return null; } } }
    public sealed class GUILayoutOption { }

    public class GUI
    {
        public static bool enabled { get; set; }
        public static GUISkin skin { get { return null; } }
    }

    public class GUILayout
    {
        public static void BeginArea(Rect screenRect, GUIStyle style) { }
        public static void EndArea() { }
        public static void BeginHorizontal(params GUILayoutOption[] options) { }
        public static void EndHorizontal() { }
        public static void Label(string text, params GUILayoutOption[] options) { }
        public static bool Button(string text, params GUILayoutOption[] options) { return false; }
        public static bool Toggle(bool value, string text, params GUILayoutOption[] options) { return value; }
        public static string TextField(string text, params GUILayoutOption[] options) { return text; }
        public static string TextArea(string text, params GUILayoutOption[] options) { return text; }
        public static void Space(float pixels) { }
        public static GUILayoutOption Height(float height) { return null; }
        public static GUILayoutOption MinHeight(float minHeight) { return null; }
    }

    [AttributeUsage(AttributeTargets.Field)] public sealed class SerializeField : Attribute { }
    [AttributeUsage(AttributeTargets.Field)] public sealed class HideInInspector : Attribute { }
    [AttributeUsage(AttributeTargets.Field)] public class PropertyAttribute : Attribute { }
    public sealed class TooltipAttribute : PropertyAttribute { public TooltipAttribute(string tooltip) { } }
    public sealed class RangeAttribute : PropertyAttribute { public RangeAttribute(float min, float max) { } }
    public sealed class TextAreaAttribute : PropertyAttribute
    {
        public TextAreaAttribute() { }
        public TextAreaAttribute(int minLines, int maxLines) { }
    }
    [AttributeUsage(AttributeTargets.Class)] public sealed class AddComponentMenu : Attribute { public AddComponentMenu(string menuName) { } }
    [AttributeUsage(AttributeTargets.Class)] public sealed class DisallowMultipleComponent : Attribute { }
    [AttributeUsage(AttributeTargets.Class)] public sealed class HelpURLAttribute : Attribute { public HelpURLAttribute(string url) { } }
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)] public sealed class RequireComponent : Attribute { public RequireComponent(Type requiredComponent) { } }
    [AttributeUsage(AttributeTargets.Class)] public sealed class DefaultExecutionOrder : Attribute { public DefaultExecutionOrder(int order) { } }
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class CreateAssetMenuAttribute : Attribute
    {
        public string menuName { get; set; }
        public string fileName { get; set; }
    }
    public enum RuntimeInitializeLoadType { AfterSceneLoad = 0, BeforeSceneLoad = 1, AfterAssembliesLoaded = 2, BeforeSplashScreen = 3, SubsystemRegistration = 4 }
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RuntimeInitializeOnLoadMethodAttribute : Attribute
    {
        public RuntimeInitializeOnLoadMethodAttribute() { }
        public RuntimeInitializeOnLoadMethodAttribute(RuntimeInitializeLoadType loadType) { }
    }
}

namespace UnityEngine.Events
{
    public abstract class UnityEventBase { }
    public class UnityEvent : UnityEventBase { public void Invoke() { } }
    public class UnityEvent<T0> : UnityEventBase { public void Invoke(T0 arg0) { } }
    public class UnityEvent<T0, T1> : UnityEventBase { public void Invoke(T0 arg0, T1 arg1) { } }
}

namespace UnityEngine.Playables
{
    public interface IPlayable { }
    public interface IPlayableBehaviour { }
    public struct PlayableGraph { }
    public struct FrameData { }

    public struct Playable : IPlayable
    {
        public int GetInputCount() { return 0; }
        public float GetInputWeight(int inputIndex) { return 0f; }
        public Playable GetInput(int inputPort) { return default(Playable); }
    }

    public struct ScriptPlayable<T> : IPlayable where T : class, IPlayableBehaviour, new()
    {
        public static ScriptPlayable<T> Create(PlayableGraph graph, int inputCount = 0) { return default(ScriptPlayable<T>); }
        public T GetBehaviour() { return null; }
        public double GetTime() { return 0; }
        public static implicit operator Playable(ScriptPlayable<T> playable) { return default(Playable); }
        public static explicit operator ScriptPlayable<T>(Playable playable) { return default(ScriptPlayable<T>); }
    }

    public abstract class PlayableBehaviour : IPlayableBehaviour
    {
        public virtual void ProcessFrame(Playable playable, FrameData info, object playerData) { }
        public virtual void OnGraphStop(Playable playable) { }
        public virtual void OnPlayableDestroy(Playable playable) { }
    }

    public abstract class PlayableAsset : ScriptableObject
    {
        public abstract Playable CreatePlayable(PlayableGraph graph, GameObject owner);
        public virtual double duration { get { return 0; } }
    }
}

namespace UnityEngine.Timeline
{
    using UnityEngine.Playables;

    [Flags]
    public enum ClipCaps { None = 0, Looping = 1, Extrapolation = 2, ClipIn = 4, SpeedMultiplier = 8, Blending = 16, All = 31 }

    public interface ITimelineClipAsset { ClipCaps clipCaps { get; } }

    public sealed class TimelineClip
    {
        public Object asset { get { return null; } }
        public string displayName { get; set; }
    }

    public abstract class TrackAsset : PlayableAsset
    {
        public virtual Playable CreateTrackMixer(PlayableGraph graph, GameObject go, int inputCount) { return default(Playable); }
        public IEnumerable<TimelineClip> GetClips() { return null; }
        public override Playable CreatePlayable(PlayableGraph graph, GameObject go) { return default(Playable); }
    }

    [AttributeUsage(AttributeTargets.Class)] public sealed class TrackColorAttribute : Attribute { public TrackColorAttribute(float r, float g, float b) { } }
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)] public sealed class TrackClipTypeAttribute : Attribute { public TrackClipTypeAttribute(Type clipClass) { } }
    [AttributeUsage(AttributeTargets.Class)] public sealed class TrackBindingTypeAttribute : Attribute { public TrackBindingTypeAttribute(Type type) { } }
}

namespace UnityEditor
{
    using UnityEngine;

    public enum MessageType { None = 0, Info = 1, Warning = 2, Error = 3 }
    public enum PlayModeStateChange { EnteredEditMode, ExitingEditMode, EnteredPlayMode, ExitingPlayMode }

    [AttributeUsage(AttributeTargets.Class)] public sealed class InitializeOnLoadAttribute : Attribute { }
    [AttributeUsage(AttributeTargets.Class)] public sealed class CustomEditor : Attribute { public CustomEditor(Type inspectedType) { } }
    [AttributeUsage(AttributeTargets.Method)] public sealed class MenuItem : Attribute { public MenuItem(string itemName) { } }

    public class Editor : ScriptableObject
    {
        public Object target { get { return null; } }
        public SerializedObject serializedObject { get { return null; } }
        public virtual void OnInspectorGUI() { }
        public bool DrawDefaultInspector() { return false; }
        public void Repaint() { }
    }

    public class EditorWindow : ScriptableObject
    {
        public static T GetWindow<T>(string title) where T : EditorWindow { return null; }
        public void Show() { }
        public void Repaint() { }
    }

    public sealed class SerializedObject
    {
        public void Update() { }
        public bool ApplyModifiedProperties() { return false; }
        public SerializedProperty FindProperty(string propertyPath) { return null; }
    }

    public sealed class SerializedProperty
    {
        public bool boolValue { get; set; }
        public int enumValueIndex { get; set; }
        public string stringValue { get; set; }
    }

    public sealed class EditorPrefs
    {
        public static string GetString(string key, string defaultValue) { return defaultValue; }
        public static void SetString(string key, string value) { }
    }

    public sealed class EditorStyles { public static GUIStyle boldLabel { get { return null; } } }

    public class EditorGUI
    {
        public class DisabledScope : IDisposable
        {
            public DisabledScope(bool disabled) { }
            public void Dispose() { }
        }
        public static void ProgressBar(Rect position, float value, string text) { }
    }

    public class EditorGUILayout
    {
        public class HorizontalScope : IDisposable
        {
            public HorizontalScope(params GUILayoutOption[] options) { }
            public void Dispose() { }
        }
        public static bool PropertyField(SerializedProperty property, params GUILayoutOption[] options) { return false; }
        public static bool PropertyField(SerializedProperty property, GUIContent label, params GUILayoutOption[] options) { return false; }
        public static string TextField(string label, string text, params GUILayoutOption[] options) { return text; }
        public static string TextField(GUIContent label, string text, params GUILayoutOption[] options) { return text; }
        public static string TextArea(string text, params GUILayoutOption[] options) { return text; }
        public static string PasswordField(string label, string password, params GUILayoutOption[] options) { return password; }
        public static Enum EnumPopup(string label, Enum selected, params GUILayoutOption[] options) { return selected; }
        public static Object ObjectField(string label, Object obj, Type objType, bool allowSceneObjects, params GUILayoutOption[] options) { return obj; }
        public static int IntSlider(string label, int value, int leftValue, int rightValue, params GUILayoutOption[] options) { return value; }
        public static float Slider(string label, float value, float leftValue, float rightValue, params GUILayoutOption[] options) { return value; }
        public static float Slider(GUIContent label, float value, float leftValue, float rightValue, params GUILayoutOption[] options) { return value; }
        public static bool Toggle(string label, bool value, params GUILayoutOption[] options) { return value; }
        public static bool Foldout(bool foldout, string content) { return foldout; }
        public static void LabelField(string label, params GUILayoutOption[] options) { }
        public static void LabelField(string label, string label2, params GUILayoutOption[] options) { }
        public static void LabelField(string label, GUIStyle style, params GUILayoutOption[] options) { }
        public static void HelpBox(string message, MessageType type) { }
        public static void Space() { }
        public static Vector2 BeginScrollView(Vector2 scrollPosition, params GUILayoutOption[] options) { return scrollPosition; }
        public static void EndScrollView() { }
        public static Rect GetControlRect(params GUILayoutOption[] options) { return default(Rect); }
    }

    public sealed class EditorGUIUtility { public static void PingObject(Object obj) { } }

    public sealed class EditorUtility
    {
        public static void SetDirty(Object target) { }
        public static bool DisplayDialog(string title, string message, string ok) { return true; }
        public static string OpenFilePanel(string title, string directory, string extension) { return null; }
        public static string SaveFilePanel(string title, string directory, string defaultName, string extension) { return null; }
    }

    public sealed class Undo { public static void RecordObject(Object objectToUndo, string name) { } }
    public sealed class Selection { public static GameObject activeGameObject { get { return null; } } }
    public class SceneView { public static void RepaintAll() { } }

    public sealed class AssetDatabase
    {
        public static void CreateAsset(Object asset, string path) { }
        public static string GenerateUniqueAssetPath(string path) { return path; }
        public static void ImportAsset(string path) { }
        public static T LoadAssetAtPath<T>(string assetPath) where T : Object { return null; }
        public static void SaveAssets() { }
    }

    public struct EditorCurveBinding
    {
        public static EditorCurveBinding FloatCurve(string inPath, Type inType, string inPropertyName) { return default(EditorCurveBinding); }
    }

    public sealed class AnimationUtility
    {
        public enum TangentMode { Free = 0, Auto = 1, Linear = 2, Constant = 3, ClampedAuto = 4 }
        public static void SetKeyLeftTangentMode(AnimationCurve curve, int index, TangentMode tangentMode) { }
        public static void SetKeyRightTangentMode(AnimationCurve curve, int index, TangentMode tangentMode) { }
        public static void SetEditorCurve(AnimationClip clip, EditorCurveBinding binding, AnimationCurve curve) { }
        public static string CalculateTransformPath(Transform targetTransform, Transform root) { return null; }
    }

    public sealed class AnimationMode
    {
        public static void StartAnimationMode() { }
        public static void StopAnimationMode() { }
        public static bool InAnimationMode() { return false; }
        public static void BeginSampling() { }
        public static void EndSampling() { }
        public static void SampleAnimationClip(GameObject gameObject, AnimationClip clip, float time) { }
    }

    public static class AssemblyReloadEvents
    {
        public delegate void AssemblyReloadCallback();
        public static event AssemblyReloadCallback beforeAssemblyReload;
    }

    public sealed class EditorApplication
    {
        public delegate void CallbackFunction();
        public static CallbackFunction update;
        public static bool isPlaying { get { return false; } }
        public static event Action<PlayModeStateChange> playModeStateChanged;
        public static event Action quitting;
    }
}

namespace GLTFast
{
    public class ImportSettings { }

    public class GltfImport : IDisposable
    {
        public Task<bool> LoadGltfBinary(byte[] bytes, Uri uri = null, ImportSettings importSettings = null, CancellationToken cancellationToken = default(CancellationToken)) { return Task.FromResult(true); }
        public Task<bool> InstantiateMainSceneAsync(UnityEngine.Transform parent, CancellationToken cancellationToken = default(CancellationToken)) { return Task.FromResult(true); }
        public void Dispose() { }
    }
}
