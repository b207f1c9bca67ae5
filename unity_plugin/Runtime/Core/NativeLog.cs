// The native core's log lines (its own and gRPC's), routed to a managed sink: in Unity, the Console,
// through the main-thread queue. The library calls back on any thread, so the callback only queues.
// It must be switched off before a domain reload (FantasyTalkingClient.CloseEverything does), or
// the library would call a function of an unloaded domain.
using System;
using System.Runtime.InteropServices;
using FantasyTalking.Native;

namespace FantasyTalking
{
    public static class NativeLog
    {
        static readonly FtalkLogCallback Callback = OnLog;
        static readonly IntPtr Pointer = Marshal.GetFunctionPointerForDelegate(Callback);
        static volatile Action<FtalkLogLevel, string> sink;
        static MainThreadDispatcher target;

        /// <summary>Sends lines at <paramref name="minLevel"/> and above to <paramref name="onLine"/>, run by
        /// <paramref name="dispatcher"/>'s pump (or on the library's thread when it is null). Returns false when
        /// the loaded library predates logging.</summary>
        public static bool Enable(Action<FtalkLogLevel, string> onLine, FtalkLogLevel minLevel, MainThreadDispatcher dispatcher)
        {
            if (onLine == null) throw new ArgumentNullException("onLine");
            NativeLibrary.EnsureLoaded();
            target = dispatcher;
            sink = onLine;
            try
            {
                Interop.Check(NativeMethods.ftalk_set_log_callback(Pointer, IntPtr.Zero, minLevel), "ftalk_set_log_callback");
                return true;
            }
            catch (EntryPointNotFoundException)
            {
                sink = null;
                return false;
            }
        }

        /// <summary>Stops forwarding (the library is quiet again).</summary>
        public static void Disable()
        {
            if (sink == null) return;
            sink = null;
            try
            {
                NativeMethods.ftalk_set_log_callback(IntPtr.Zero, IntPtr.Zero, FtalkLogLevel.Error);
            }
            catch (EntryPointNotFoundException)
            {
            }
            catch (DllNotFoundException)
            {
            }
        }

        public static bool IsEnabled { get { return sink != null; } }

        [MonoPInvokeCallback(typeof(FtalkLogCallback))]
        static void OnLog(IntPtr userData, FtalkLogLevel level, IntPtr message)
        {
            try
            {
                Action<FtalkLogLevel, string> s = sink;
                if (s == null) return;
                string line = Interop.ReadUtf8(message);
                MainThreadDispatcher d = target;
                if (d != null) d.Post(() => s(level, line));
                else s(level, line);
            }
            catch (Exception)
            {
            }
        }
    }
}
