using System;
using FantasyTalking.Native;
using UnityEngine;
using UnityEngine.Playables;

namespace FantasyTalking.Timeline
{
    /// <summary>One clip on the track: samples baked frames, or a stream it opens on first use, at the clip's local time.</summary>
    public sealed class FantasyTalkingBehaviour : PlayableBehaviour
    {
        public FantasyTalkingClip Clip;
        AnimationStream stream;
        bool streamFailed;

        /// <summary>The clip's curve names (null when it has nothing to show yet).</summary>
        public AnimationHeader Header
        {
            get
            {
                if (Clip == null) return null;
                if (Clip.source == SpeechClipSource.Baked) return Clip.baked != null ? Clip.baked.Data.Header : null;
                return stream != null && !stream.IsDisposed ? stream.Header : null;
            }
        }

        /// <summary>Samples the clip at local time <paramref name="t"/> into <paramref name="into"/>; false when it has nothing yet.</summary>
        public bool Sample(double t, FrameSample into)
        {
            if (Clip == null) return false;
            if (Clip.source == SpeechClipSource.Baked)
            {
                if (Clip.baked == null || Clip.baked.Data.FrameCount == 0) return false;
                Clip.baked.Data.Sample(t, into);
                return true;
            }
            if (stream == null && !streamFailed) Open();
            if (stream == null || stream.IsDisposed || stream.Header == null) return false;
            stream.Sample(t, into);
            return true;
        }

        void Open()
        {
            AudioClip audio = Clip.audio;
            if (audio == null) { streamFailed = true; Debug.LogWarning("FantasyTalking: a streamed Timeline clip has no AudioClip."); return; }
            try
            {
                FantasyTalkingClient c = FantasyTalkingClient.FindDefault();
                if (c == null) throw new InvalidOperationException("no FantasyTalkingClient in the scene; add one (it holds the server address).");
                if (audio.loadState != AudioDataLoadState.Loaded) audio.LoadAudioData();
                var data = new float[audio.samples * audio.channels];
                if (data.Length == 0 || !audio.GetData(data, 0)) throw new InvalidOperationException("'" + audio.name + "' has no readable audio data (Load Type must not be Streaming).");
                stream = c.Client.OpenStream(new StreamOptions
                {
                    SampleRateHz = audio.frequency,
                    Channels = audio.channels,
                    Animation = Clip.options,
                    // Scrubbing may go anywhere in the clip: keep all of it.
                    HistorySeconds = (int)Math.Ceiling(audio.length) + 5,
                });
                // The server animates far faster than real time, so the whole clip goes at once.
                FtalkStatus st = stream.TryPush(data, 0, data.Length);
                if (st < 0) throw new FtalkException(st, "cannot stream '" + audio.name + "': " + st);
                stream.End();
            }
            catch (Exception e)
            {
                streamFailed = true;
                Debug.LogError("FantasyTalking: " + e.Message);
                if (stream != null) { stream.Dispose(); stream = null; }
            }
        }

        public override void OnGraphStop(Playable playable)
        {
            Close();
        }

        public override void OnPlayableDestroy(Playable playable)
        {
            Close();
        }

        void Close()
        {
            if (stream != null) stream.Dispose();
            stream = null;
            streamFailed = false;
        }
    }
}
