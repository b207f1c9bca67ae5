// In play mode the SpeechAnimator's inspector has buttons to play, speak and interrupt, and shows
// the mouth curves live with the playback time, uLipSync-style, so a set-up can be checked by eye.
using UnityEditor;
using UnityEngine;

namespace FantasyTalking.Editor
{
    [CustomEditor(typeof(SpeechAnimator))]
    sealed class SpeechAnimatorEditor : UnityEditor.Editor
    {
        static readonly string[] Shown = { "JawOpen", "MouthClose", "MouthFunnel", "MouthPucker", "MouthSmileLeft", "EyeBlinkLeft", "BrowInnerUp" };

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var animator = (SpeechAnimator)target;
            if (!Application.isPlaying)
            {
                EditorGUILayout.HelpBox("Enter play mode to try it here; bake clips with Window > FantasyTalking > Bake Speech Animation.", MessageType.None);
                return;
            }
            EditorGUILayout.Space();
            using (new EditorGUILayout.HorizontalScope())
            {
                if (GUILayout.Button("Play clip")) animator.Play(animator.GetComponent<AudioSource>().clip);
                if (GUILayout.Button("Speak text")) animator.Speak(serializedObject.FindProperty("text").stringValue);
                if (GUILayout.Button("Microphone")) animator.StartMicrophone();
            }
            using (new EditorGUILayout.HorizontalScope())
            {
                if (GUILayout.Button("Interrupt")) animator.Interrupt();
                if (GUILayout.Button("Stop")) animator.Stop();
            }
            AnimationHeader header = animator.Header;
            FrameSample sample = animator.CurrentSample;
            if (header == null || sample == null) return;
            EditorGUILayout.LabelField("Playback time", animator.PlaybackTime.ToString("F3") + " s (" + sample.Kind + (sample.Idle ? ", idle" : "") + ")");
            foreach (string curve in Shown)
            {
                int i = header.CurveIndex(curve);
                if (i < 0) continue;
                Rect r = EditorGUILayout.GetControlRect();
                EditorGUI.ProgressBar(r, sample.Weights[i], curve + "  " + sample.Weights[i].ToString("F2"));
            }
            Repaint();
        }
    }
}
