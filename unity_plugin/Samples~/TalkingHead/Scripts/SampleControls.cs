// The sample's on-screen controls: speak typed text, play the AudioSource's clip, talk into the
// microphone, interrupt, and Create Head from a portrait file; the head that comes back speaks too.
using System.IO;
using UnityEngine;

namespace FantasyTalking.Samples
{
    public sealed class SampleControls : MonoBehaviour
    {
        [SerializeField] SpeechAnimator character;
        [SerializeField] HeadLoader headLoader;
        [SerializeField] SpeechAnimator createdHeadAnimator;
        [SerializeField] string text = "Hello! I am speaking with FantasyTalking, straight from the server.";
        [SerializeField] string photoPath = "";
        bool useCreatedHead;
        string message = "";

        void OnGUI()
        {
            GUILayout.BeginArea(new Rect(10, 10, 420, 420), GUI.skin.box);
            GUILayout.Label("FantasyTalking sample");
            SpeechAnimator target = useCreatedHead && createdHeadAnimator != null ? createdHeadAnimator : character;
            useCreatedHead = GUILayout.Toggle(useCreatedHead, "Drive the created head");
            text = GUILayout.TextArea(text, GUILayout.Height(60));
            GUILayout.BeginHorizontal();
            if (GUILayout.Button("Speak")) target.Speak(text);
            GUI.enabled = target.GetComponent<AudioSource>().clip != null;
            if (GUILayout.Button("Play clip")) target.Play(target.GetComponent<AudioSource>().clip);
            GUI.enabled = true;
            if (GUILayout.Button("Microphone")) target.StartMicrophone();
            GUILayout.EndHorizontal();
            GUILayout.BeginHorizontal();
            if (GUILayout.Button("Interrupt")) target.Interrupt();
            if (GUILayout.Button("Stop")) target.Stop();
            GUILayout.EndHorizontal();
            GUILayout.Space(8);
            GUILayout.Label("Create Head: path of a portrait (JPEG/PNG)");
            photoPath = GUILayout.TextField(photoPath);
            GUI.enabled = headLoader != null && !headLoader.IsBusy;
            if (GUILayout.Button(headLoader != null && headLoader.IsBusy ? "Creating... " + headLoader.Stage + " " + (headLoader.Progress * 100f).ToString("F0") + "%" : "Create Head"))
                CreateHead();
            GUI.enabled = true;
            if (!string.IsNullOrEmpty(message)) GUILayout.Label(message);
            if (target.Header != null) GUILayout.Label("t = " + target.PlaybackTime.ToString("F2") + " s");
            GUILayout.EndArea();
        }

        async void CreateHead()
        {
            if (!File.Exists(photoPath)) { message = "No file at " + photoPath; return; }
            message = "";
            GameObject head = await headLoader.CreateHead(File.ReadAllBytes(photoPath));
            if (head == null) { message = "No head (see the Console)."; return; }
            message = "Head ready: " + headLoader.LastResult.MorphTargetNames.Length + " morph targets.";
            useCreatedHead = true;
        }
    }
}
