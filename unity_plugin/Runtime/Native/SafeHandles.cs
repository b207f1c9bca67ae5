// One SafeHandle per native handle type, so that every handle is released exactly once: by
// Dispose, or by the finalizer when a caller forgot, and never while a P/Invoke call is using it
// (the runtime adds a reference around each call). A stream's handle also owns the GCHandle that
// its native callbacks carry as user_data, freed only after ftalk_stream_close has returned, when
// the library guarantees that no callback runs any more.
using System;
using System.Runtime.InteropServices;

namespace FantasyTalking.Native
{
    /// <summary>Base of the handles: IntPtr.Zero is invalid; release calls the C close/free function.</summary>
    public abstract class FtalkHandle : SafeHandle
    {
        protected FtalkHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
    }

    /// <summary>ftalk_client*, released with ftalk_client_close.</summary>
    public sealed class ClientHandle : FtalkHandle
    {
        protected override bool ReleaseHandle()
        {
            return NativeMethods.ftalk_client_close(handle) == FtalkStatus.Ok;
        }
    }

    /// <summary>ftalk_stream*, released with ftalk_stream_close (which waits for the stream's threads).</summary>
    public sealed class StreamHandle : FtalkHandle
    {
        GCHandle callbackTarget;

        /// <summary>Takes ownership of the GCHandle given to the stream's callbacks as user_data.</summary>
        public void AttachCallbackTarget(GCHandle target)
        {
            callbackTarget = target;
        }

        protected override bool ReleaseHandle()
        {
            bool ok = NativeMethods.ftalk_stream_close(handle) == FtalkStatus.Ok;
            // After close no callback of this stream runs, so the target may go.
            if (callbackTarget.IsAllocated) callbackTarget.Free();
            return ok;
        }
    }

    /// <summary>ftalk_clip*, released with ftalk_clip_free.</summary>
    public sealed class ClipHandle : FtalkHandle
    {
        protected override bool ReleaseHandle()
        {
            return NativeMethods.ftalk_clip_free(handle) == FtalkStatus.Ok;
        }
    }

    /// <summary>ftalk_head*, released with ftalk_head_free.</summary>
    public sealed class HeadHandle : FtalkHandle
    {
        protected override bool ReleaseHandle()
        {
            return NativeMethods.ftalk_head_free(handle) == FtalkStatus.Ok;
        }
    }

    /// <summary>ftalk_server_info*, released with ftalk_server_info_free.</summary>
    public sealed class ServerInfoHandle : FtalkHandle
    {
        protected override bool ReleaseHandle()
        {
            return NativeMethods.ftalk_server_info_free(handle) == FtalkStatus.Ok;
        }
    }

    /// <summary>ftalk_voice_list*, released with ftalk_voice_list_free.</summary>
    public sealed class VoiceListHandle : FtalkHandle
    {
        protected override bool ReleaseHandle()
        {
            return NativeMethods.ftalk_voice_list_free(handle) == FtalkStatus.Ok;
        }
    }
}
