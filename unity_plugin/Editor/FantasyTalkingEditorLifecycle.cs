// Keeps native handles from outliving the scripts that own them: before a domain reload (a script
// change, entering play mode with domain reload on) and when play mode ends, every open stream and
// client is closed, so no native thread calls back into an unloaded domain and nothing leaks. In
// edit mode the editor's update loop pumps the main-thread queue (the bake window and inspectors
// use the client outside play mode).
using UnityEditor;

namespace FantasyTalking.Editor
{
    [InitializeOnLoad]
    static class FantasyTalkingEditorLifecycle
    {
        static FantasyTalkingEditorLifecycle()
        {
            AssemblyReloadEvents.beforeAssemblyReload += FantasyTalkingClient.CloseEverything;
            EditorApplication.playModeStateChanged += OnPlayModeChanged;
            EditorApplication.quitting += FantasyTalkingClient.CloseEverything;
            EditorApplication.update += Pump;
        }

        static void OnPlayModeChanged(PlayModeStateChange change)
        {
            if (change == PlayModeStateChange.ExitingPlayMode || change == PlayModeStateChange.ExitingEditMode)
                FantasyTalkingClient.CloseEverything();
        }

        static void Pump()
        {
            if (!EditorApplication.isPlaying) FantasyTalkingClient.Dispatcher.Pump();
        }
    }
}
