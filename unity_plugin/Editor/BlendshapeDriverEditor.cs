// Shows, before play, which curves find a blend shape on the target mesh and which do not, for the
// chosen match mode and remap asset, so a rig's naming problem is visible at set-up time.
using UnityEditor;
using UnityEngine;

namespace FantasyTalking.Editor
{
    [CustomEditor(typeof(BlendshapeDriver))]
    sealed class BlendshapeDriverEditor : UnityEditor.Editor
    {
        bool showMatches;

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var driver = (BlendshapeDriver)target;
            if (driver.Target == null)
            {
                EditorGUILayout.HelpBox("Pick the SkinnedMeshRenderer whose blend shapes form the face.", MessageType.Warning);
                return;
            }
            string[] shapes = BlendshapeDriver.BlendShapeNames(driver.Target);
            BlendshapeMapping map = BlendshapeMapping.Build(ArkitNames.LiveLink, shapes, driver.MatchMode, driver.Remap != null ? driver.Remap.Table : null);
            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Mapping (ARKit-52)", map.MatchedCurveCount + " of 52 curves drive a blend shape; the mesh has " + shapes.Length);
            string warning = map.Describe(driver.Target.name);
            if (warning != null) EditorGUILayout.HelpBox(warning, map.LinkCount == 0 ? MessageType.Error : MessageType.Warning);
            showMatches = EditorGUILayout.Foldout(showMatches, "Matches");
            if (showMatches)
                for (int k = 0; k < map.LinkCount; k++)
                    EditorGUILayout.LabelField(map.CurveNames[map.SourceIndex[k]], map.TargetNames[map.TargetIndex[k]] +
                        (map.Multiplier[k] != 1f || map.Offset[k] != 0f ? "  ×" + map.Multiplier[k] + " +" + map.Offset[k] : ""));
        }
    }
}
