// Jaw, neck, head and eyes from the sampled joint rotations. Each slot names the joint, the bone,
// where the API's axes lie in that bone's local frame (BoneAxisMap), and a weight; the bone's rest
// rotation is captured when the driver starts, and the animation is applied on top of it.
using System;
using UnityEngine;

namespace FantasyTalking
{
    /// <summary>One driven bone.</summary>
    [Serializable]
    public sealed class BoneSlot
    {
        [Tooltip("jaw, neck, head, eye_L or eye_R")]
        public string joint = "head";
        public Transform bone;
        public BoneAxisMap axes = BoneAxisMap.UnityFacingPositiveZ;
        [Range(0f, 2f)] public float weight = 1f;
        [NonSerialized] public bool captured;
        [NonSerialized] public Quaternion rest;

        public BoneSlot() { }

        public BoneSlot(string joint)
        {
            this.joint = joint;
        }
    }

    [AddComponentMenu("FantasyTalking/Bone Driver")]
    public sealed class BoneDriver : MonoBehaviour
    {
        [SerializeField] BoneSlot[] bones =
        {
            new BoneSlot("jaw") { weight = 0f },  // JawOpen usually moves the jaw already; enable for bone-only rigs
            new BoneSlot("neck"), new BoneSlot("head"), new BoneSlot("eye_L"), new BoneSlot("eye_R"),
        };

        [NonSerialized] int[] jointIndex;
        [NonSerialized] AnimationHeader mappedHeader;

        public BoneSlot[] Bones { get { return bones; } }

        void OnEnable()
        {
            CaptureRest();
        }

        void OnDisable()
        {
            ResetPose();
        }

        /// <summary>Takes the bones' current local rotations as their rest pose.</summary>
        public void CaptureRest()
        {
            foreach (BoneSlot s in bones)
            {
                if (s.bone == null) continue;
                s.rest = s.bone.localRotation;
                s.captured = true;
            }
        }

        /// <summary>Puts the bones back to their rest pose.</summary>
        public void ResetPose()
        {
            foreach (BoneSlot s in bones)
                if (s.bone != null && s.captured) s.bone.localRotation = s.rest;
        }

        /// <summary>Fills empty slots with bones found below <paramref name="root"/> by their usual names.</summary>
        public void AutoAssign(Transform root)
        {
            foreach (BoneSlot s in bones)
            {
                if (s.bone != null) continue;
                s.bone = Find(root, Candidates(s.joint));
            }
            CaptureRest();
        }

        static string[] Candidates(string joint)
        {
            switch (joint)
            {
                case "jaw": return new[] { "jaw", "Jaw", "mixamorig:Jaw", "JawRoot", "CC_Base_JawRoot" };
                case "neck": return new[] { "neck", "Neck", "mixamorig:Neck", "CC_Base_NeckTwist01" };
                case "head": return new[] { "head", "Head", "mixamorig:Head", "CC_Base_Head" };
                case "eye_L": return new[] { "eye_L", "LeftEye", "Eye_L", "mixamorig:LeftEye", "CC_Base_L_Eye" };
                case "eye_R": return new[] { "eye_R", "RightEye", "Eye_R", "mixamorig:RightEye", "CC_Base_R_Eye" };
                default: return new[] { joint };
            }
        }

        static Transform Find(Transform root, string[] names)
        {
            foreach (string n in names)
            {
                Transform t = FindDeep(root, n);
                if (t != null) return t;
            }
            return null;
        }

        static Transform FindDeep(Transform t, string name)
        {
            if (t.name == name) return t;
            for (int i = 0; i < t.childCount; i++)
            {
                Transform r = FindDeep(t.GetChild(i), name);
                if (r != null) return r;
            }
            return null;
        }

        /// <summary>Applies one sampled frame.</summary>
        public void Apply(AnimationHeader header, FrameSample sample)
        {
            if (!isActiveAndEnabled || header == null || sample == null) return;
            if (!ReferenceEquals(header, mappedHeader))
            {
                jointIndex = new int[bones.Length];
                for (int i = 0; i < bones.Length; i++)
                {
                    jointIndex[i] = header.JointIndex(bones[i].joint);
                    if (jointIndex[i] < 0 && bones[i].bone != null)
                        Debug.LogWarning("FantasyTalking: BoneDriver slot '" + bones[i].joint + "' names no joint of the stream (" + string.Join(", ", header.JointNames) + ").", this);
                    if (!bones[i].axes.IsValid)
                        Debug.LogWarning("FantasyTalking: BoneDriver slot '" + bones[i].joint + "' sends two axes to the same bone axis (" + bones[i].axes + "); it is skipped.", this);
                }
                mappedHeader = header;
            }
            for (int i = 0; i < bones.Length; i++)
            {
                BoneSlot s = bones[i];
                if (s.bone == null || jointIndex[i] < 0 || s.weight <= 0f || !s.axes.IsValid) continue;
                if (!s.captured) { s.rest = s.bone.localRotation; s.captured = true; }
                var binding = new BoneBinding { Axes = s.axes, Weight = s.weight, Rest = ToQuat(s.rest) };
                s.bone.localRotation = ToQuaternion(binding.Evaluate(sample.Joints[jointIndex[i]]));
            }
        }

        public static Quat ToQuat(Quaternion q)
        {
            return new Quat(q.x, q.y, q.z, q.w);
        }

        public static Quaternion ToQuaternion(Quat q)
        {
            return new Quaternion(q.x, q.y, q.z, q.w);
        }
    }
}
