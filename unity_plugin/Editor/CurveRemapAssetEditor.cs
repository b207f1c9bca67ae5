// The remap asset's inspector: rows as usual, plus CSV import/export and a starting table made from
// a mesh's blend shapes (each ARKit curve matched automatically where it can be, left blank where not).
using System.IO;
using UnityEditor;
using UnityEngine;

namespace FantasyTalking.Editor
{
    [CustomEditor(typeof(CurveRemapAsset))]
    sealed class CurveRemapAssetEditor : UnityEditor.Editor
    {
        SkinnedMeshRenderer mesh;

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var asset = (CurveRemapAsset)target;
            EditorGUILayout.Space();
            using (new EditorGUILayout.HorizontalScope())
            {
                if (GUILayout.Button("Import CSV..."))
                {
                    string path = EditorUtility.OpenFilePanel("Curve remap CSV", "", "csv");
                    if (!string.IsNullOrEmpty(path))
                    {
                        Undo.RecordObject(asset, "Import curve remap");
                        try { asset.ImportCsv(File.ReadAllText(path)); }
                        catch (System.FormatException e) { EditorUtility.DisplayDialog("FantasyTalking", e.Message, "OK"); }
                        EditorUtility.SetDirty(asset);
                    }
                }
                if (GUILayout.Button("Export CSV..."))
                {
                    string path = EditorUtility.SaveFilePanel("Curve remap CSV", "", asset.name + ".csv", "csv");
                    if (!string.IsNullOrEmpty(path)) File.WriteAllText(path, asset.Table.ToCsv());
                }
            }
            mesh = (SkinnedMeshRenderer)EditorGUILayout.ObjectField("Start from mesh", mesh, typeof(SkinnedMeshRenderer), true);
            using (new EditorGUI.DisabledScope(mesh == null))
                if (GUILayout.Button("Fill rows from mesh"))
                {
                    Undo.RecordObject(asset, "Fill curve remap");
                    string[] shapes = BlendshapeDriver.BlendShapeNames(mesh);
                    BlendshapeMapping map = BlendshapeMapping.Build(ArkitNames.LiveLink, shapes, NameMatchMode.Auto);
                    asset.Table.Entries.Clear();
                    for (int k = 0; k < map.LinkCount; k++)
                        asset.Table.Entries.Add(new CurveRemapEntry(map.CurveNames[map.SourceIndex[k]], shapes[map.TargetIndex[k]]));
                    foreach (string missing in map.MissingCurves) asset.Table.Entries.Add(new CurveRemapEntry(missing, ""));
                    EditorUtility.SetDirty(asset);
                }
        }
    }
}
