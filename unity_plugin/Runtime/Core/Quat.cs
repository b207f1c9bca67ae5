// A quaternion without UnityEngine, so that interpolation, axis remapping and baking are plain C#
// the NUnit tests reach. Components convert to UnityEngine.Quaternion at the last step.
using System;

namespace FantasyTalking
{
    /// <summary>A rotation as (x, y, z, w); identity is (0, 0, 0, 1).</summary>
    [Serializable]
    public struct Quat : IEquatable<Quat>
    {
        public float x, y, z, w;

        public Quat(float x, float y, float z, float w)
        {
            this.x = x; this.y = y; this.z = z; this.w = w;
        }

        public static readonly Quat Identity = new Quat(0f, 0f, 0f, 1f);

        /// <summary>A rotation of <paramref name="radians"/> about the unit axis (ax, ay, az), right-hand rule.</summary>
        public static Quat AxisAngle(float ax, float ay, float az, float radians)
        {
            float s = (float)Math.Sin(radians * 0.5);
            return new Quat(ax * s, ay * s, az * s, (float)Math.Cos(radians * 0.5));
        }

        public static float Dot(Quat a, Quat b)
        {
            return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }

        /// <summary>Hamilton product: applying <paramref name="b"/> first, then <paramref name="a"/>.</summary>
        public static Quat operator *(Quat a, Quat b)
        {
            return new Quat(
                a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
                a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
                a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z);
        }

        public Quat Negated()
        {
            return new Quat(-x, -y, -z, -w);
        }

        public Quat Normalized()
        {
            double n = Math.Sqrt(x * x + y * y + z * z + w * w);
            if (n < 1e-12) return Identity;
            float inv = (float)(1.0 / n);
            return new Quat(x * inv, y * inv, z * inv, w * inv);
        }

        /// <summary>Spherical interpolation along the shorter arc, normalised, computed in double precision
        /// exactly as the native core's sampler does (linear weights when the two are nearly equal).</summary>
        public static Quat Slerp(Quat a, Quat b, float t)
        {
            double dot = (double)a.x * b.x + (double)a.y * b.y + (double)a.z * b.z + (double)a.w * b.w;
            if (dot < 0) { b = b.Negated(); dot = -dot; }
            double wa, wb;
            if (dot > 0.9995)
            {
                wa = 1.0 - t;
                wb = t;
            }
            else
            {
                double theta = Math.Acos(Math.Min(dot, 1.0));
                double sin = Math.Sin(theta);
                wa = Math.Sin((1.0 - t) * theta) / sin;
                wb = Math.Sin(t * theta) / sin;
            }
            double qx = wa * a.x + wb * b.x, qy = wa * a.y + wb * b.y, qz = wa * a.z + wb * b.z, qw = wa * a.w + wb * b.w;
            double n = Math.Sqrt(qx * qx + qy * qy + qz * qz + qw * qw);
            if (n > 0) { qx /= n; qy /= n; qz /= n; qw /= n; }
            return new Quat((float)qx, (float)qy, (float)qz, (float)qw);
        }

        /// <summary>The angle between two rotations in radians (0 for q and -q).</summary>
        public static double Angle(Quat a, Quat b)
        {
            double d = Math.Min(1.0, Math.Abs(Dot(a.Normalized(), b.Normalized())));
            return 2.0 * Math.Acos(d);
        }

        public bool Equals(Quat other)
        {
            return x == other.x && y == other.y && z == other.z && w == other.w;
        }

        public override bool Equals(object obj)
        {
            return obj is Quat && Equals((Quat)obj);
        }

        public override int GetHashCode()
        {
            return x.GetHashCode() ^ (y.GetHashCode() << 2) ^ (z.GetHashCode() >> 2) ^ (w.GetHashCode() << 1);
        }

        public override string ToString()
        {
            return string.Format(System.Globalization.CultureInfo.InvariantCulture, "({0:F4}, {1:F4}, {2:F4}, {3:F4})", x, y, z, w);
        }
    }
}
