// Joint rotations arrive in the API's frame: +X to the character's left, +Y up, +Z out of the face,
// right-handed. A bone in a Unity rig has local axes of its own (Mixamo bones point +Y along the
// bone, Blender exports turn Z up into Y up, Unity itself is left-handed). An axis map says, for
// one bone, which of its local axes each API axis is; the rotation is carried across as
// R' = M R Mᵀ, which for a quaternion is (det M · M v, w).
using System;

namespace FantasyTalking
{
    /// <summary>A signed axis of a bone's local frame.</summary>
    public enum SignedAxis { PositiveX = 0, NegativeX = 1, PositiveY = 2, NegativeY = 3, PositiveZ = 4, NegativeZ = 5 }

    /// <summary>Where the API's X, Y and Z axes lie in a bone's local frame.</summary>
    [Serializable]
    public struct BoneAxisMap
    {
        /// <summary>The bone axis that is the character's left (API +X).</summary>
        public SignedAxis SourceX;
        /// <summary>The bone axis that is up (API +Y).</summary>
        public SignedAxis SourceY;
        /// <summary>The bone axis that points out of the face (API +Z).</summary>
        public SignedAxis SourceZ;

        public BoneAxisMap(SignedAxis x, SignedAxis y, SignedAxis z)
        {
            SourceX = x; SourceY = y; SourceZ = z;
        }

        /// <summary>The API's own frame (a right-handed rig with +X to the character's left): rotations pass unchanged.</summary>
        public static readonly BoneAxisMap Identity = new BoneAxisMap(SignedAxis.PositiveX, SignedAxis.PositiveY, SignedAxis.PositiveZ);

        /// <summary>A Unity bone aligned with a character that faces +Z (Unity's humanoid convention, glTFast imports):
        /// the character's left is Unity's -X, up is +Y, forward is +Z.</summary>
        public static readonly BoneAxisMap UnityFacingPositiveZ = new BoneAxisMap(SignedAxis.NegativeX, SignedAxis.PositiveY, SignedAxis.PositiveZ);

        /// <summary>A Mixamo-style head or neck bone: +Y along the bone (up), +Z forward, so left is -X in Unity's frame as well.</summary>
        public static readonly BoneAxisMap MixamoHead = UnityFacingPositiveZ;

        static int Axis(SignedAxis a) { return (int)a / 2; }
        static float Sign(SignedAxis a) { return ((int)a & 1) == 0 ? 1f : -1f; }

        /// <summary>True when X, Y and Z go to three different bone axes.</summary>
        public bool IsValid
        {
            get
            {
                int a = Axis(SourceX), b = Axis(SourceY), c = Axis(SourceZ);
                return a != b && b != c && a != c;
            }
        }

        /// <summary>+1 for a proper rotation of the frame, -1 when it also mirrors (a change of handedness).</summary>
        public float Determinant
        {
            get
            {
                if (!IsValid) throw new InvalidOperationException("axis map sends two API axes to the same bone axis: " + this);
                int[] perm = { Axis(SourceX), Axis(SourceY), Axis(SourceZ) };
                // Parity of the permutation: an even permutation of (0, 1, 2) is a rotation of the axes.
                int inversions = 0;
                for (int i = 0; i < 3; i++) for (int j = i + 1; j < 3; j++) if (perm[i] > perm[j]) inversions++;
                float parity = inversions % 2 == 0 ? 1f : -1f;
                return parity * Sign(SourceX) * Sign(SourceY) * Sign(SourceZ);
            }
        }

        /// <summary>The rotation <paramref name="q"/> (API frame) expressed in the bone's frame.</summary>
        public Quat Apply(Quat q)
        {
            float det = Determinant;
            var v = new float[3];
            v[Axis(SourceX)] = Sign(SourceX) * q.x;
            v[Axis(SourceY)] = Sign(SourceY) * q.y;
            v[Axis(SourceZ)] = Sign(SourceZ) * q.z;
            return new Quat(det * v[0], det * v[1], det * v[2], q.w);
        }

        /// <summary>A vector (API frame) in the bone's frame: M v.</summary>
        public void ApplyToVector(float x, float y, float z, out float bx, out float by, out float bz)
        {
            var v = new float[3];
            v[Axis(SourceX)] = Sign(SourceX) * x;
            v[Axis(SourceY)] = Sign(SourceY) * y;
            v[Axis(SourceZ)] = Sign(SourceZ) * z;
            bx = v[0]; by = v[1]; bz = v[2];
        }

        public override string ToString()
        {
            return "X→" + SourceX + ", Y→" + SourceY + ", Z→" + SourceZ;
        }
    }

    /// <summary>How one joint drives one bone: axis map, strength, and the bone's rest rotation.</summary>
    [Serializable]
    public struct BoneBinding
    {
        public BoneAxisMap Axes;
        /// <summary>0 keeps the rest pose, 1 the full rotation; values between scale the angle.</summary>
        public float Weight;
        /// <summary>The bone's local rotation at rest (captured when the driver starts).</summary>
        public Quat Rest;

        /// <summary>The bone's new local rotation: rest × (the remapped joint rotation, scaled by Weight).</summary>
        public Quat Evaluate(Quat joint)
        {
            Quat r = Axes.Apply(joint);
            if (Weight != 1f) r = Quat.Slerp(Quat.Identity, r, Math.Max(0f, Weight));
            return Rest * r;
        }
    }
}
