// Small marshalling helpers shared by the wrappers: UTF-8 strings both ways, string arrays, and
// turning a status into an exception with the library's own message.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace FantasyTalking.Native
{
    /// <summary>An error the native core reported: its status, the gRPC code behind it, its message.</summary>
    public class FtalkException : Exception
    {
        public FtalkException(FtalkStatus status, string message, int grpcCode = -1)
            : base(message)
        {
            Status = status;
            GrpcCode = grpcCode;
        }

        /// <summary>The ftalk_status the call returned.</summary>
        public FtalkStatus Status { get; private set; }

        /// <summary>The gRPC status code behind the error, or -1 when it did not come from gRPC.</summary>
        public int GrpcCode { get; private set; }
    }

    /// <summary>Native memory holding NUL-terminated UTF-8 strings for the duration of one call.</summary>
    public sealed class Utf8Scope : IDisposable
    {
        readonly List<IntPtr> blocks = new List<IntPtr>();

        /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>; IntPtr.Zero for null.</summary>
        public IntPtr String(string text)
        {
            if (text == null) return IntPtr.Zero;
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            IntPtr p = Marshal.AllocHGlobal(bytes.Length + 1);
            Marshal.Copy(bytes, 0, p, bytes.Length);
            Marshal.WriteByte(p, bytes.Length, 0);
            blocks.Add(p);
            return p;
        }

        /// <summary>A native array of UTF-8 string pointers.</summary>
        public IntPtr StringArray(IList<string> items)
        {
            if (items == null || items.Count == 0) return IntPtr.Zero;
            IntPtr array = Marshal.AllocHGlobal(IntPtr.Size * items.Count);
            blocks.Add(array);
            for (int i = 0; i < items.Count; i++) Marshal.WriteIntPtr(array, i * IntPtr.Size, String(items[i]));
            return array;
        }

        /// <summary>A native copy of a float array.</summary>
        public IntPtr Floats(IList<float> items)
        {
            if (items == null || items.Count == 0) return IntPtr.Zero;
            float[] copy = new float[items.Count];
            items.CopyTo(copy, 0);
            IntPtr p = Marshal.AllocHGlobal(sizeof(float) * copy.Length);
            Marshal.Copy(copy, 0, p, copy.Length);
            blocks.Add(p);
            return p;
        }

        public void Dispose()
        {
            foreach (IntPtr p in blocks) Marshal.FreeHGlobal(p);
            blocks.Clear();
        }
    }

    /// <summary>Reading what the library returns.</summary>
    public static class Interop
    {
        /// <summary>A NUL-terminated UTF-8 string from native memory ("" for NULL).</summary>
        public static string ReadUtf8(IntPtr p)
        {
            if (p == IntPtr.Zero) return "";
            int length = 0;
            while (Marshal.ReadByte(p, length) != 0) length++;
            if (length == 0) return "";
            byte[] bytes = new byte[length];
            Marshal.Copy(p, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>An array of <paramref name="count"/> UTF-8 string pointers.</summary>
        public static string[] ReadUtf8Array(IntPtr array, UIntPtr count)
        {
            int n = checked((int)count.ToUInt64());
            string[] result = new string[n];
            for (int i = 0; i < n; i++) result[i] = ReadUtf8(Marshal.ReadIntPtr(array, i * IntPtr.Size));
            return result;
        }

        public static float[] ReadFloats(IntPtr p, long count)
        {
            float[] result = new float[count];
            if (count > 0) Marshal.Copy(p, result, 0, checked((int)count));
            return result;
        }

        public static double[] ReadDoubles(IntPtr p, long count)
        {
            double[] result = new double[count];
            if (count > 0) Marshal.Copy(p, result, 0, checked((int)count));
            return result;
        }

        public static byte[] ReadBytes(IntPtr p, long count)
        {
            byte[] result = new byte[count];
            if (count > 0) Marshal.Copy(p, result, 0, checked((int)count));
            return result;
        }

        public static int Count(UIntPtr n)
        {
            return checked((int)n.ToUInt64());
        }

        /// <summary>Throws an FtalkException for a negative status, with the thread's last error message.</summary>
        public static FtalkStatus Check(FtalkStatus status, string what)
        {
            if ((int)status >= 0) return status;
            throw Error(status, what);
        }

        /// <summary>The exception for a failed call: "<paramref name="what"/>: message (FTALK_E_...)".</summary>
        public static FtalkException Error(FtalkStatus status, string what)
        {
            string message = ReadUtf8(NativeMethods.ftalk_last_error());
            int grpc = NativeMethods.ftalk_last_error_grpc_code();
            string name = ReadUtf8(NativeMethods.ftalk_status_name(status));
            if (string.IsNullOrEmpty(message)) message = name;
            return new FtalkException(status, what + ": " + message + " (" + name + ")", grpc);
        }
    }
}
