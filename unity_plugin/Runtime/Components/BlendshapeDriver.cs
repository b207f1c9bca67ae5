// Puts sampled curves on a SkinnedMeshRenderer's blend shapes. The name mapping (exact, ARKit
// camelCase, prefixed, or a remap asset) is computed once per mesh and stream header by
// BlendshapeMapping; what it could not find is logged once as a warning that lists the names.
using System;
using System.Collections.Generic;
using UnityEngine;

namespace FantasyTalking
{
    [AddComponentMenu("FantasyTalking/Blendshape Driver")]
    public sealed class BlendshapeDriver : MonoBehaviour
    {
        [SerializeField] SkinnedMeshRenderer target;
        [SerializeField] NameMatchMode matchMode = NameMatchMode.Auto;
        [Tooltip("Optional: renames, scales and offsets curves for this rig.")]
        [SerializeField] CurveRemapAsset remap;
        [Tooltip("Scales every weight; 1 is the server's animation as it is.")]
        [SerializeField, Range(0f, 2f)] float intensity = 1f;
        [Tooltip("Curves this rig does without; they are left out of the missing-blend-shape warning.")]
        [SerializeField] string[] ignoreMissing = new string[0];

        [NonSerialized] BlendshapeMapping mapping;
        [NonSerialized] AnimationHeader mappedHeader;
        [NonSerialized] Mesh mappedMesh;
        [NonSerialized] float[] weights = new float[0];
        [NonSerialized] string lastWarning;

        public SkinnedMeshRenderer Target
        {
            get { return target; }
            set { target = value; Rebind(); }
        }

        public NameMatchMode MatchMode
        {
            get { return matchMode; }
            set { matchMode = value; Rebind(); }
        }

        public CurveRemapAsset Remap
        {
            get { return remap; }
            set { remap = value; Rebind(); }
        }

        /// <summary>Curves this rig does without; they are left out of the missing-blend-shape warning.</summary>
        public string[] IgnoreMissing
        {
            get { return ignoreMissing; }
            set { ignoreMissing = value ?? new string[0]; Rebind(); }
        }

        public float Intensity
        {
            get { return intensity; }
            set { intensity = value; }
        }

        /// <summary>The current mapping (null before the first frame or without a mesh).</summary>
        public BlendshapeMapping Mapping { get { return mapping; } }

        /// <summary>Forget the mapping; it is computed again on the next frame.</summary>
        public void Rebind()
        {
            mapping = null;
            mappedHeader = null;
            lastWarning = null;
        }

        void Reset()
        {
            target = GetComponentInChildren<SkinnedMeshRenderer>();
        }

        /// <summary>The blend shape names of a renderer's mesh, in index order.</summary>
        public static string[] BlendShapeNames(SkinnedMeshRenderer renderer)
        {
            Mesh mesh = renderer != null ? renderer.sharedMesh : null;
            if (mesh == null) return new string[0];
            var names = new string[mesh.blendShapeCount];
            for (int i = 0; i < names.Length; i++) names[i] = mesh.GetBlendShapeName(i);
            return names;
        }

        /// <summary>Builds (or returns) the mapping for <paramref name="header"/>'s curves; logs what is missing once.</summary>
        public BlendshapeMapping Bind(AnimationHeader header)
        {
            if (target == null)
            {
                Warn("FantasyTalking: BlendshapeDriver on '" + name + "' has no SkinnedMeshRenderer to drive.");
                return null;
            }
            if (mapping != null && ReferenceEquals(mappedHeader, header) && mappedMesh == target.sharedMesh) return mapping;
            string[] names = BlendShapeNames(target);
            mapping = BlendshapeMapping.Build(header.CurveNames, names, matchMode, remap != null ? remap.Table : null);
            mappedHeader = header;
            mappedMesh = target.sharedMesh;
            weights = new float[names.Length];
            string warning = mapping.Describe(target.name, new HashSet<string>(ignoreMissing ?? new string[0]));
            if (warning != null) Warn(warning);
            return mapping;
        }

        void Warn(string message)
        {
            if (message == lastWarning) return;  // once, not every frame
            lastWarning = message;
            Debug.LogWarning(message, this);
        }

        /// <summary>Applies one sampled frame.</summary>
        public void Apply(AnimationHeader header, FrameSample sample)
        {
            if (!isActiveAndEnabled || header == null || sample == null) return;
            BlendshapeMapping m = Bind(header);
            if (m == null) return;
            m.Apply(sample.Weights, weights, intensity, 100f);
            for (int t = 0; t < m.Driven.Length; t++)
                if (m.Driven[t]) target.SetBlendShapeWeight(t, weights[t]);
        }

        /// <summary>Sets every driven blend shape to 0.</summary>
        public void ResetWeights()
        {
            if (target == null || mapping == null) return;
            for (int t = 0; t < mapping.Driven.Length; t++)
                if (mapping.Driven[t]) target.SetBlendShapeWeight(t, 0f);
        }
    }
}
