// Every live native object (client, stream) registers here, so that the editor can close them all
// before a domain reload or when play mode ends: a native thread calling back into an unloaded
// domain would crash the editor, and a stream left open would keep its server call alive.
using System;
using System.Collections.Generic;

namespace FantasyTalking
{
    /// <summary>The registry of open clients and streams.</summary>
    public static class NativeResources
    {
        static readonly object Gate = new object();
        static readonly List<WeakReference> Live = new List<WeakReference>();

        internal static void Register(IDisposable resource)
        {
            lock (Gate)
            {
                Live.RemoveAll(w => !w.IsAlive);
                Live.Add(new WeakReference(resource));
            }
        }

        internal static void Unregister(IDisposable resource)
        {
            lock (Gate) Live.RemoveAll(w => !w.IsAlive || ReferenceEquals(w.Target, resource));
        }

        /// <summary>How many registered objects are still open.</summary>
        public static int OpenCount
        {
            get
            {
                lock (Gate)
                {
                    Live.RemoveAll(w => !w.IsAlive);
                    return Live.Count;
                }
            }
        }

        /// <summary>Disposes every open stream, then every client, and stops native log forwarding. Later calls on
        /// them throw ObjectDisposedException. Returns how many were disposed.</summary>
        public static int DisposeAll()
        {
            NativeLog.Disable();
            var targets = new List<IDisposable>();
            lock (Gate)
            {
                foreach (WeakReference w in Live)
                {
                    var d = w.Target as IDisposable;
                    if (d != null) targets.Add(d);
                }
                Live.Clear();
            }
            // Streams first: closing one waits for its threads, which may still use the client's channel.
            targets.Sort((a, b) => (a is FtalkClient ? 1 : 0).CompareTo(b is FtalkClient ? 1 : 0));
            foreach (IDisposable d in targets) d.Dispose();
            return targets.Count;
        }
    }
}
