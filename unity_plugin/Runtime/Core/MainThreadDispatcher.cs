// Native callbacks run on the library's threads; Unity's API may only be touched from the main
// thread. Callbacks therefore only Post here, and the owner of the main thread (the
// FantasyTalkingClient component, the editor's update loop, or a test) calls Pump.
using System;
using System.Collections.Concurrent;

namespace FantasyTalking
{
    /// <summary>A thread-safe queue of actions run by whoever calls <see cref="Pump"/>.</summary>
    public sealed class MainThreadDispatcher
    {
        readonly ConcurrentQueue<Action> queue = new ConcurrentQueue<Action>();

        /// <summary>Raised on the pumping thread when a queued action throws; the pump carries on.</summary>
        public event Action<Exception> Error;

        /// <summary>Queues an action; safe from any thread.</summary>
        public void Post(Action action)
        {
            if (action != null) queue.Enqueue(action);
        }

        public int Pending { get { return queue.Count; } }

        /// <summary>Runs up to <paramref name="maxActions"/> queued actions on the calling thread; returns how many ran.</summary>
        public int Pump(int maxActions = int.MaxValue)
        {
            int ran = 0;
            Action action;
            while (ran < maxActions && queue.TryDequeue(out action))
            {
                ran++;
                try
                {
                    action();
                }
                catch (Exception e)
                {
                    Action<Exception> handler = Error;
                    if (handler != null) handler(e);
                    else throw;
                }
            }
            return ran;
        }
    }
}
