// Window > FantasyTalking > Bake Speech Animation: an audio clip (with an optional transcript) or
// typed text becomes an AnimationClip with blend-shape and bone curves for the chosen character,
// plus a BakedSpeech asset for the Timeline track (and the synthesised voice as a WAV for text).
// The server call runs on a worker thread; curve values come from ClipBaker (Runtime/Core), so this
// window only gathers Unity's data and writes assets. Preview samples the new clip on the character
// with AnimationMode and a time slider.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using FantasyTalking.Native;
using UnityEditor;
using UnityEngine;

namespace FantasyTalking.Editor
{
    sealed class BakeWindow : EditorWindow
    {
        enum Source { AudioClip, Text }

        const string AddressKey = "FantasyTalking.Bake.Address";
        const string TokenKey = "FantasyTalking.Bake.Token";

        Source source;
        AudioClip audioClip;
        string transcript = "";
        string text = "Hello! This line was baked by FantasyTalking.";
        string language = "en-US";
        string voice = "";
        GameObject character;
        FtalkRigProfile rig = FtalkRigProfile.Arkit52;
        int fps = 30;
        float weightTolerance = 0.5f;
        string folder = "Assets/FantasyTalking Bakes";
        string status = "";
        MessageType statusType = MessageType.None;
        bool busy;
        AnimationClip lastClip;
        float previewTime;
        bool previewing;
        Vector2 scroll;

        [MenuItem("Window/FantasyTalking/Bake Speech Animation")]
        static void Open()
        {
            GetWindow<BakeWindow>("FantasyTalking Bake").Show();
        }

        void OnEnable()
        {
            if (character == null) character = Selection.activeGameObject;
        }

        void OnDisable()
        {
            StopPreview();
        }

        void OnGUI()
        {
            scroll = EditorGUILayout.BeginScrollView(scroll);
            EditorGUILayout.LabelField("Server", EditorStyles.boldLabel);
            FantasyTalkingClient sceneClient = FantasyTalkingClient.FindDefault();
            if (sceneClient != null)
                EditorGUILayout.HelpBox("Using the scene's FantasyTalkingClient (" + sceneClient.Address + ").", MessageType.None);
            else
            {
                string address = EditorGUILayout.TextField("Address", EditorPrefs.GetString(AddressKey, "127.0.0.1:50051"));
                EditorPrefs.SetString(AddressKey, address);
                string token = EditorGUILayout.PasswordField("Token (this machine)", EditorPrefs.GetString(TokenKey, ""));
                EditorPrefs.SetString(TokenKey, token);
            }

            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Speech", EditorStyles.boldLabel);
            source = (Source)EditorGUILayout.EnumPopup("Source", source);
            if (source == Source.AudioClip)
            {
                audioClip = (AudioClip)EditorGUILayout.ObjectField("Audio clip", audioClip, typeof(AudioClip), false);
                transcript = EditorGUILayout.TextField(new GUIContent("Transcript (optional)", "English transcripts enable forced alignment."), transcript);
            }
            else
            {
                EditorGUILayout.LabelField("Text");
                text = EditorGUILayout.TextArea(text, GUILayout.MinHeight(48));
                voice = EditorGUILayout.TextField("Voice (optional)", voice);
            }
            language = EditorGUILayout.TextField("Language", language);
            rig = (FtalkRigProfile)EditorGUILayout.EnumPopup("Curves", rig);
            fps = EditorGUILayout.IntSlider("Frames per second", fps, 1, 120);

            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Character", EditorStyles.boldLabel);
            character = (GameObject)EditorGUILayout.ObjectField("Root", character, typeof(GameObject), true);
            weightTolerance = EditorGUILayout.Slider(new GUIContent("Key reduction", "Largest weight error (0..100) a removed key may leave; 0 keeps every frame."), weightTolerance, 0f, 2f);
            folder = EditorGUILayout.TextField("Save to", folder);

            EditorGUILayout.Space();
            using (new EditorGUI.DisabledScope(busy || character == null || (source == Source.AudioClip && audioClip == null)))
                if (GUILayout.Button(busy ? "Baking..." : "Bake", GUILayout.Height(28))) Bake();
            if (!string.IsNullOrEmpty(status)) EditorGUILayout.HelpBox(status, statusType);

            if (lastClip != null && character != null)
            {
                EditorGUILayout.Space();
                EditorGUILayout.LabelField("Preview", EditorStyles.boldLabel);
                EditorGUILayout.ObjectField("Clip", lastClip, typeof(AnimationClip), false);
                bool wanted = EditorGUILayout.Toggle("Preview on character", previewing);
                if (wanted && !previewing) { AnimationMode.StartAnimationMode(); previewing = true; }
                if (!wanted && previewing) StopPreview();
                float t = EditorGUILayout.Slider("Time", previewTime, 0f, lastClip.length);
                if (previewing && (t != previewTime || Event.current.type == EventType.Repaint))
                {
                    previewTime = t;
                    AnimationMode.BeginSampling();
                    AnimationMode.SampleAnimationClip(character, lastClip, previewTime);
                    AnimationMode.EndSampling();
                    SceneView.RepaintAll();
                }
                previewTime = t;
            }
            EditorGUILayout.EndScrollView();
        }

        void StopPreview()
        {
            if (previewing && AnimationMode.InAnimationMode()) AnimationMode.StopAnimationMode();
            previewing = false;
        }

        ClientOptions ServerOptions()
        {
            FantasyTalkingClient sceneClient = FantasyTalkingClient.FindDefault();
            if (sceneClient != null) return sceneClient.Options();
            return new ClientOptions { Address = EditorPrefs.GetString(AddressKey, "127.0.0.1:50051"), Token = EditorPrefs.GetString(TokenKey, "") };
        }

        async void Bake()
        {
            busy = true;
            status = "Talking to the server...";
            statusType = MessageType.Info;
            try
            {
                var options = new AnimationOptions { Fps = fps, Rig = rig, Language = language, Transcript = transcript };
                ClientOptions server = ServerOptions();
                AnimationClipData data;
                float[] speechAudio = null;
                int speechRate = 0;
                string name;
                if (source == Source.AudioClip)
                {
                    name = audioClip.name;
                    if (audioClip.loadType == AudioClipLoadType.Streaming)
                        throw new InvalidOperationException("'" + audioClip.name + "' is imported with Load Type 'Streaming'; its samples cannot be read. Choose 'Decompress On Load'.");
                    if (audioClip.loadState != AudioDataLoadState.Loaded) audioClip.LoadAudioData();
                    var samples = new float[audioClip.samples * audioClip.channels];
                    if (samples.Length == 0 || !audioClip.GetData(samples, 0))
                        throw new InvalidOperationException("'" + audioClip.name + "' has no audio data.");
                    int rate = audioClip.frequency, channels = audioClip.channels;
                    data = await Task.Run(() =>
                    {
                        using (var c = new FtalkClient(server)) return c.AnimateSamples(samples, rate, channels, options);
                    });
                }
                else
                {
                    name = MakeName(text);
                    string words = text, v = voice, lang = language;
                    var result = await Task.Run(() => SpeakToEnd(server, words, v, lang, options));
                    data = result.Key;
                    speechAudio = result.Value;
                    speechRate = 16000;
                }
                WriteAssets(name, data, speechAudio, speechRate);
            }
            catch (Exception e)
            {
                status = e.Message;
                statusType = MessageType.Error;
            }
            busy = false;
            Repaint();
        }

        /// <summary>Runs a Speak call to its end on this (worker) thread: the frames as a clip and the audio.</summary>
        static KeyValuePair<AnimationClipData, float[]> SpeakToEnd(ClientOptions server, string words, string voice, string language, AnimationOptions options)
        {
            using (var c = new FtalkClient(server))
            using (AnimationStream s = c.Speak(new SpeakOptions { Text = words, Voice = voice, Language = language, SampleRateHz = 16000, Animation = options }))
            {
                var audio = new List<float>();
                var buffer = new float[8192];
                DateTime deadline = DateTime.UtcNow.AddMinutes(5);
                while (DateTime.UtcNow < deadline)
                {
                    int n = s.ReadAudio(buffer, 0, buffer.Length);
                    if (n < 0) break;
                    for (int i = 0; i < n; i++) audio.Add(buffer[i]);
                    if (n == 0) Thread.Sleep(5);
                }
                s.Wait(10000);
                StreamResult r = s.Result;
                if (r.State == FtalkStreamState.Failed) throw new FtalkException(r.Error, "speaking failed: " + r.Message, r.GrpcCode);
                return new KeyValuePair<AnimationClipData, float[]>(s.ToClipData(), audio.ToArray());
            }
        }

        void WriteAssets(string name, AnimationClipData data, float[] speechAudio, int speechRate)
        {
            BakeSettings settings = SettingsFor(character);
            settings.WeightTolerance = weightTolerance;
            BakedClip baked = ClipBaker.Bake(data, settings);
            Directory.CreateDirectory(folder);

            var clip = new AnimationClip { frameRate = baked.FrameRate };
            foreach (BakedCurve c in baked.Curves)
            {
                Type type = c.ComponentType == "Transform" ? typeof(Transform) : typeof(SkinnedMeshRenderer);
                var keys = new Keyframe[c.KeyCount];
                for (int i = 0; i < keys.Length; i++) keys[i] = new Keyframe(c.Times[i], c.Values[i]);
                var curve = new AnimationCurve(keys);
                for (int i = 0; i < keys.Length; i++)
                {
                    AnimationUtility.SetKeyLeftTangentMode(curve, i, AnimationUtility.TangentMode.Linear);
                    AnimationUtility.SetKeyRightTangentMode(curve, i, AnimationUtility.TangentMode.Linear);
                }
                AnimationUtility.SetEditorCurve(clip, EditorCurveBinding.FloatCurve(c.Path, type, c.Property), curve);
            }
            clip.EnsureQuaternionContinuity();
            string clipPath = AssetDatabase.GenerateUniqueAssetPath(folder + "/" + name + ".anim");
            AssetDatabase.CreateAsset(clip, clipPath);

            var speech = CreateInstance<BakedSpeech>();
            speech.Data = data;
            speech.Transcript = source == Source.Text ? text : transcript;
            speech.Audio = audioClip;
            if (speechAudio != null)
            {
                string wavPath = AssetDatabase.GenerateUniqueAssetPath(folder + "/" + name + ".wav");
                File.WriteAllBytes(wavPath, WavFile.Encode(speechAudio, speechRate, 1));
                AssetDatabase.ImportAsset(wavPath);
                speech.Audio = AssetDatabase.LoadAssetAtPath<AudioClip>(wavPath);
            }
            AssetDatabase.CreateAsset(speech, AssetDatabase.GenerateUniqueAssetPath(folder + "/" + name + " speech.asset"));
            AssetDatabase.SaveAssets();

            lastClip = clip;
            previewTime = 0f;
            status = "Baked " + clipPath + ": " + baked.Curves.Count + " curves, " + baked.KeyCount + " keys, " + baked.LengthSeconds.ToString("F2") + " s.";
            statusType = MessageType.Info;
            if (baked.MissingCurves.Length > 0)
            {
                status += "\nNo blend shape for: " + string.Join(", ", baked.MissingCurves);
                statusType = MessageType.Warning;
                Debug.LogWarning("FantasyTalking bake: '" + character.name + "' has no blend shape for " + string.Join(", ", baked.MissingCurves), character);
            }
            EditorGUIUtility.PingObject(clip);
        }

        /// <summary>Every blend-shape mesh below the character, with its BlendshapeDriver's matching when it has one,
        /// and the BoneDriver's bones.</summary>
        static BakeSettings SettingsFor(GameObject root)
        {
            var settings = new BakeSettings();
            var drivers = new Dictionary<SkinnedMeshRenderer, BlendshapeDriver>();
            foreach (BlendshapeDriver d in root.GetComponentsInChildren<BlendshapeDriver>(true))
                if (d.Target != null) drivers[d.Target] = d;
            foreach (SkinnedMeshRenderer r in root.GetComponentsInChildren<SkinnedMeshRenderer>(true))
            {
                if (r.sharedMesh == null || r.sharedMesh.blendShapeCount == 0) continue;
                var target = new BakeMeshTarget
                {
                    Path = AnimationUtility.CalculateTransformPath(r.transform, root.transform),
                    BlendShapeNames = BlendshapeDriver.BlendShapeNames(r),
                };
                BlendshapeDriver driver;
                if (drivers.TryGetValue(r, out driver))
                {
                    target.Mode = driver.MatchMode;
                    target.Remap = driver.Remap != null ? driver.Remap.Table : null;
                    target.Intensity = driver.Intensity;
                }
                settings.Meshes.Add(target);
            }
            BoneDriver bones = root.GetComponentInChildren<BoneDriver>(true);
            if (bones != null)
                foreach (BoneSlot s in bones.Bones)
                {
                    if (s.bone == null || s.weight <= 0f || !s.axes.IsValid) continue;
                    settings.Bones.Add(new BakeBoneTarget
                    {
                        Joint = s.joint,
                        Path = AnimationUtility.CalculateTransformPath(s.bone, root.transform),
                        Binding = new BoneBinding { Axes = s.axes, Weight = s.weight, Rest = BoneDriver.ToQuat(s.bone.localRotation) },
                    });
                }
            if (settings.Meshes.Count == 0 && settings.Bones.Count == 0)
                throw new InvalidOperationException("'" + root.name + "' has no SkinnedMeshRenderer with blend shapes and no BoneDriver: nothing to bake onto.");
            return settings;
        }

        static string MakeName(string words)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in words)
            {
                if (sb.Length >= 32) break;
                if (char.IsLetterOrDigit(c)) sb.Append(c);
                else if (sb.Length > 0 && sb[sb.Length - 1] != '_') sb.Append('_');
            }
            string s = sb.ToString().Trim('_');
            return s.Length > 0 ? s : "speech";
        }
    }
}
