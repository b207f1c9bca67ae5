// The sample's character, built in code so that the sample ships no model: a head with eyes,
// eyelids, brows and a mouth, whose blend shapes carry ARKit camelCase names (as Ready Player Me
// avatars do), on a neck and head transform for the BoneDriver. Replace it with your own character:
// the components on this GameObject work the same on any SkinnedMeshRenderer.
using System.Collections.Generic;
using UnityEngine;

namespace FantasyTalking.Samples
{
    [DefaultExecutionOrder(-100)]
    public sealed class SampleFace : MonoBehaviour
    {
        [SerializeField] Color skin = new Color(0.93f, 0.76f, 0.64f);
        [SerializeField] Color lips = new Color(0.35f, 0.08f, 0.1f);

        static readonly string[] Shapes =
        {
            "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthSmileRight",
            "mouthStretchLeft", "mouthStretchRight", "eyeBlinkLeft", "eyeBlinkRight", "browInnerUp", "browDownLeft", "browDownRight",
        };

        void Awake()
        {
            var neck = new GameObject("Neck").transform;
            neck.SetParent(transform, false);
            var head = new GameObject("Head").transform;
            head.SetParent(neck, false);
            head.localPosition = new Vector3(0f, 0.08f, 0f);
            var face = new GameObject("Face");
            face.transform.SetParent(head, false);
            face.transform.localPosition = new Vector3(0f, 0.1f, 0f);
            var renderer = face.AddComponent<SkinnedMeshRenderer>();
            renderer.sharedMesh = BuildMesh();
            renderer.sharedMaterials = new[] { Material(skin), Material(lips), Material(Color.white), Material(new Color(0.1f, 0.1f, 0.12f)) };
            renderer.updateWhenOffscreen = true;

            var blendshapes = GetComponent<BlendshapeDriver>();
            if (blendshapes != null)
            {
                blendshapes.Target = renderer;
                var lacking = new List<string>();
                foreach (string n in ArkitNames.LiveLink) if (System.Array.IndexOf(Shapes, ArkitNames.ToCamelCase(n)) < 0) lacking.Add(n);
                blendshapes.IgnoreMissing = lacking.ToArray();  // this simple face has 13 of the 52 on purpose
            }
            var bones = GetComponent<BoneDriver>();
            if (bones != null)
            {
                foreach (BoneSlot s in bones.Bones)
                {
                    if (s.joint == "neck") s.bone = neck;
                    if (s.joint == "head") s.bone = head;
                    s.axes = BoneAxisMap.UnityFacingPositiveZ;  // the face looks along +Z
                }
                bones.CaptureRest();
            }
        }

        static Material Material(Color c)
        {
            Shader shader = Shader.Find("Universal Render Pipeline/Lit");
            if (shader == null) shader = Shader.Find("Standard");
            if (shader == null) shader = Shader.Find("Unlit/Color");
            var m = new Material(shader) { color = c };
            return m;
        }

        // Submeshes: 0 skin (head, lids, brows), 1 mouth, 2 eye whites, 3 pupils.
        sealed class Builder
        {
            public readonly List<Vector3> V = new List<Vector3>();
            public readonly List<int>[] T = { new List<int>(), new List<int>(), new List<int>(), new List<int>() };

            public int Disc(int sub, Vector3 centre, float rx, float ry, int segments, out int first)
            {
                int c = V.Count;
                V.Add(centre);
                first = V.Count;
                for (int i = 0; i < segments; i++)
                {
                    float a = i * Mathf.PI * 2f / segments;
                    V.Add(centre + new Vector3(rx * Mathf.Cos(a), ry * Mathf.Sin(a), 0f));
                }
                for (int i = 0; i < segments; i++) { T[sub].Add(c); T[sub].Add(first + (i + 1) % segments); T[sub].Add(first + i); }
                return c;
            }
        }

        /// <summary>Just in front of the head's surface at height y, on the face's centre line.</summary>
        static float Front(float y)
        {
            return 0.085f * Mathf.Sqrt(1f - (y / 0.1f) * (y / 0.1f)) + 0.002f;
        }

        Mesh BuildMesh()
        {
            var b = new Builder();
            // Head: an ellipsoid.
            int rings = 16, sectors = 24;
            int head0 = b.V.Count;
            for (int r = 0; r <= rings; r++)
                for (int s = 0; s <= sectors; s++)
                {
                    float th = Mathf.PI * r / rings, ph = 2f * Mathf.PI * s / sectors;
                    b.V.Add(new Vector3(0.075f * Mathf.Sin(th) * Mathf.Sin(ph), 0.1f * Mathf.Cos(th), 0.085f * Mathf.Sin(th) * Mathf.Cos(ph)));
                }
            for (int r = 0; r < rings; r++)
                for (int s = 0; s < sectors; s++)
                {
                    int a = head0 + r * (sectors + 1) + s, c = a + sectors + 1;
                    b.T[0].AddRange(new[] { a, a + 1, c, a + 1, c + 1, c });
                }
            int first;
            const int seg = 24;
            int mouthCentre = b.Disc(1, new Vector3(0f, -0.045f, Front(-0.045f)), 0.022f, 0.003f, seg, out first);
            int mouthFirst = first;
            var lids = new int[2];
            var brows = new int[2];
            for (int e = 0; e < 2; e++)
            {
                float x = e == 0 ? -0.028f : 0.028f;  // e 0 is the character's left (Unity -X, the face looks along +Z)
                float z = Front(0.02f) - 0.004f;
                b.Disc(2, new Vector3(x, 0.02f, z), 0.012f, 0.009f, seg, out first);
                b.Disc(3, new Vector3(x, 0.02f, z + 0.0005f), 0.004f, 0.004f, 12, out first);
                b.Disc(0, new Vector3(x, 0.029f, z + 0.001f), 0.013f, 0.0005f, seg, out first);
                lids[e] = first;
                b.Disc(0, new Vector3(x, 0.045f, Front(0.045f)), 0.014f, 0.002f, seg, out first);
                brows[e] = first;
            }
            var mesh = new Mesh { name = "SampleFace" };
            mesh.SetVertices(b.V);
            mesh.subMeshCount = 4;
            for (int i = 0; i < 4; i++) mesh.SetTriangles(b.T[i], i);
            mesh.RecalculateNormals();
            mesh.RecalculateBounds();

            int n = b.V.Count;
            foreach (string shape in Shapes)
            {
                var d = new Vector3[n];
                for (int i = 0; i < seg; i++)
                {
                    float a = i * Mathf.PI * 2f / seg;
                    float cos = Mathf.Cos(a), sin = Mathf.Sin(a);
                    int v = mouthFirst + i;
                    bool lower = sin < 0f;
                    bool left = cos < 0f;
                    switch (shape)
                    {
                        case "jawOpen": d[v] = new Vector3(0f, lower ? 0.03f * sin : 0.004f * sin, 0f); break;
                        case "mouthClose": d[v] = new Vector3(0f, lower ? -0.03f * sin : 0f, 0f); break;
                        case "mouthFunnel": d[v] = new Vector3(-0.008f * cos, 0.006f * sin, 0.004f); break;
                        case "mouthPucker": d[v] = new Vector3(-0.011f * cos, 0f, 0.006f); break;
                        case "mouthSmileLeft": if (left) d[v] = new Vector3(-0.004f * Mathf.Abs(cos), 0.008f * Mathf.Abs(cos), 0f); break;
                        case "mouthSmileRight": if (!left) d[v] = new Vector3(0.004f * Mathf.Abs(cos), 0.008f * Mathf.Abs(cos), 0f); break;
                        case "mouthStretchLeft": if (left) d[v] = new Vector3(-0.006f * Mathf.Abs(cos), -0.003f * Mathf.Abs(cos), 0f); break;
                        case "mouthStretchRight": if (!left) d[v] = new Vector3(0.006f * Mathf.Abs(cos), -0.003f * Mathf.Abs(cos), 0f); break;
                    }
                }
                if (shape == "jawOpen") d[mouthCentre] = new Vector3(0f, -0.012f, 0f);
                for (int e = 0; e < 2; e++)
                {
                    string side = e == 0 ? "Left" : "Right";
                    for (int i = 0; i < seg; i++)
                    {
                        float sin = Mathf.Sin(i * Mathf.PI * 2f / seg);
                        if (shape == "eyeBlink" + side) d[lids[e] + i] = new Vector3(0f, sin < 0f ? 0.018f * sin : 0f, 0.001f);
                        if (shape == "browInnerUp") d[brows[e] + i] = new Vector3(0f, 0.006f, 0f);
                        if (shape == "browDown" + side) d[brows[e] + i] = new Vector3(0f, -0.005f, 0f);
                    }
                }
                mesh.AddBlendShapeFrame(shape, 100f, d, null, null);
            }
            return mesh;
        }
    }
}
