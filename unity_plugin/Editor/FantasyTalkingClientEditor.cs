// The client's inspector: the token is typed into a password field and stored in this machine's
// EditorPrefs under a key the component names, never in the scene; "Test connection" checks the
// server on a worker thread and reports what it found.
using System.Threading.Tasks;
using UnityEditor;
using UnityEngine;

namespace FantasyTalking.Editor
{
    [CustomEditor(typeof(FantasyTalkingClient))]
    sealed class FantasyTalkingClientEditor : UnityEditor.Editor
    {
        string status = "";
        MessageType statusType = MessageType.None;
        bool testing;

        public override void OnInspectorGUI()
        {
            serializedObject.Update();
            EditorGUILayout.PropertyField(serializedObject.FindProperty("address"));
            EditorGUILayout.PropertyField(serializedObject.FindProperty("useTls"), new GUIContent("Use TLS"));
            if (serializedObject.FindProperty("useTls").boolValue)
            {
                EditorGUILayout.PropertyField(serializedObject.FindProperty("rootCertificate"));
                EditorGUILayout.PropertyField(serializedObject.FindProperty("serverNameOverride"));
            }
            SerializedProperty source = serializedObject.FindProperty("tokenSource");
            EditorGUILayout.PropertyField(source);
            var client = (FantasyTalkingClient)target;
            switch ((TokenSource)source.enumValueIndex)
            {
                case TokenSource.EnvironmentVariable:
                    EditorGUILayout.PropertyField(serializedObject.FindProperty("tokenEnvironmentVariable"));
                    break;
                case TokenSource.EditorPrefs:
                    SerializedProperty keyName = serializedObject.FindProperty("editorTokenKey");
                    if (string.IsNullOrEmpty(keyName.stringValue)) keyName.stringValue = System.Guid.NewGuid().ToString("N");
                    serializedObject.ApplyModifiedProperties();  // the key (not the token) is saved with the scene
                    string key = client.EditorTokenKey;
                    string token = EditorPrefs.GetString(key, "");
                    string typed = EditorGUILayout.PasswordField("Token (this machine only)", token);
                    if (typed != token) { EditorPrefs.SetString(key, typed); client.Reconnect(); }
                    EditorGUILayout.HelpBox("Stored in this machine's EditorPrefs, not in the scene; builds do not have it. Use an environment variable or SetToken in players.", MessageType.Info);
                    break;
                case TokenSource.Script:
                    EditorGUILayout.HelpBox("Call SetToken(token) from your code at runtime.", MessageType.Info);
                    break;
            }
            EditorGUILayout.PropertyField(serializedObject.FindProperty("connectTimeoutMs"));
            EditorGUILayout.PropertyField(serializedObject.FindProperty("callTimeoutMs"));
            EditorGUILayout.PropertyField(serializedObject.FindProperty("longCallTimeoutMs"));
            EditorGUILayout.PropertyField(serializedObject.FindProperty("nativeLog"));
            serializedObject.ApplyModifiedProperties();

            using (new EditorGUI.DisabledScope(testing))
                if (GUILayout.Button(testing ? "Testing..." : "Test connection")) TestConnection(client.Options());
            if (!string.IsNullOrEmpty(status)) EditorGUILayout.HelpBox(status, statusType);
        }

        async void TestConnection(ClientOptions options)
        {
            testing = true;
            status = "";
            try
            {
                ServerInfo info = await Task.Run(() =>
                {
                    using (var c = new FtalkClient(options))
                    {
                        c.Connect();
                        return c.GetServerInfo();
                    }
                });
                status = "Connected: FantasyTalking " + info.Version + ", engines " + string.Join(", ", info.Engines) +
                         ", up to " + info.MaxConcurrentStreams + " streams.";
                statusType = MessageType.Info;
            }
            catch (System.Exception e)
            {
                status = e.Message;
                statusType = MessageType.Error;
            }
            testing = false;
            Repaint();
        }
    }
}
