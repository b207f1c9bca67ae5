// The audio is the clock. Unity's AudioSettings.dspTime counts samples the mixer has produced, so it
// never drifts from what is heard, but it advances in whole mixer buffers (10–40 ms steps). The face
// needs a value every rendered frame, so between steps the clock is extrapolated with the frame
// timer and re-anchored at each step, never running backwards and never more than one step ahead.
using System;

namespace FantasyTalking
{
    /// <summary>Playback time of one sound, from the DSP clock.</summary>
    public sealed class AudioClock
    {
        double dspStart = double.NaN;
        double pausedMedia = double.NaN;
        double anchorDsp = double.NaN;
        double anchorReal;
        double lastOutput = double.NegativeInfinity;

        /// <summary>Longest extrapolation past the last DSP step, in seconds (a mixer buffer is at most ~43 ms).</summary>
        public double MaxExtrapolation = 0.05;

        /// <summary>Playback position the sound started at (seconds into the sound).</summary>
        public double MediaOffset { get; private set; }

        public bool IsRunning { get { return !double.IsNaN(dspStart) && double.IsNaN(pausedMedia); } }

        /// <summary>The sound starts (or started) at DSP time <paramref name="dspStartTime"/>, at <paramref name="mediaOffset"/> seconds into it
        /// (AudioSource.PlayScheduled(dspStartTime) after setting AudioSource.time = mediaOffset).</summary>
        public void Start(double dspStartTime, double mediaOffset = 0.0)
        {
            dspStart = dspStartTime;
            MediaOffset = mediaOffset;
            pausedMedia = double.NaN;
            anchorDsp = double.NaN;
            lastOutput = double.NegativeInfinity;
        }

        /// <summary>Stops the clock where it is (AudioSource.Pause at DSP time <paramref name="dspNow"/>).</summary>
        public void Pause(double dspNow)
        {
            if (!IsRunning) return;
            pausedMedia = MediaOffset + Math.Max(0.0, dspNow - dspStart);
        }

        /// <summary>Continues from the paused position at DSP time <paramref name="dspNow"/>.</summary>
        public void Resume(double dspNow)
        {
            if (double.IsNaN(pausedMedia)) return;
            Start(dspNow, pausedMedia);
        }

        public void Stop()
        {
            dspStart = double.NaN;
            pausedMedia = double.NaN;
        }

        /// <summary>
        /// Seconds into the sound now. <paramref name="dspNow"/> is AudioSettings.dspTime, <paramref name="realNow"/>
        /// a smooth frame clock in seconds (Time.unscaledTimeAsDouble, or Time.realtimeSinceStartup). Before the
        /// scheduled start the result is negative (time until the sound begins); while paused it stays put.
        /// </summary>
        public double Now(double dspNow, double realNow)
        {
            if (double.IsNaN(dspStart)) return double.NaN;
            if (!double.IsNaN(pausedMedia)) return pausedMedia;
            if (double.IsNaN(anchorDsp) || dspNow != anchorDsp)
            {
                anchorDsp = dspNow;
                anchorReal = realNow;
            }
            double estimate = anchorDsp + Math.Min(Math.Max(0.0, realNow - anchorReal), MaxExtrapolation);
            double media = MediaOffset + (estimate - dspStart);
            // Monotonic: an extrapolation that ran ahead waits for the next DSP step instead of stepping back.
            // A jump of more than a mixer buffer backwards is a real seek or restart and is followed.
            if (media < lastOutput && lastOutput - media < MaxExtrapolation) media = lastOutput;
            lastOutput = media;
            return media;
        }
    }

    /// <summary>
    /// A delay line for audio that passes through OnAudioFilterRead: the face can only follow a sound
    /// after the server's look-ahead, so the sound is held back by the same amount and both reach the
    /// listener together. Runs on the audio thread; no allocation after construction.
    /// </summary>
    public sealed class AudioDelayLine
    {
        readonly float[] ring;
        int write;
        readonly int delaySamples;

        /// <param name="delaySeconds">How long to hold the sound back.</param>
        /// <param name="sampleRate">Samples per second per channel.</param>
        /// <param name="channels">Interleaved channels.</param>
        public AudioDelayLine(double delaySeconds, int sampleRate, int channels)
        {
            if (delaySeconds < 0) throw new ArgumentException("delay must not be negative");
            delaySamples = (int)Math.Round(delaySeconds * sampleRate) * channels;
            ring = new float[Math.Max(1, delaySamples)];
        }

        /// <summary>Samples of delay, all channels counted.</summary>
        public int DelaySamples { get { return delaySamples; } }

        /// <summary>Replaces <paramref name="data"/> with the input of <c>DelaySamples</c> samples ago (silence at first).</summary>
        public void Process(float[] data, int count)
        {
            if (delaySamples == 0) return;
            for (int i = 0; i < count; i++)
            {
                float old = ring[write];
                ring[write] = data[i];
                data[i] = old;
                write++;
                if (write == delaySamples) write = 0;
            }
        }
    }
}

namespace FantasyTalking
{
    /// <summary>
    /// A clock for live input that nobody plays back (a microphone driving an avatar): it follows the
    /// newest animated time minus a small jitter margin, advancing with the frame timer and easing
    /// towards that target, so the face moves smoothly with the least delay the stream allows.
    /// </summary>
    public sealed class LiveFollowClock
    {
        double time = double.NaN;
        double lastReal;

        /// <summary>Seconds kept behind the newest frame to absorb network jitter.</summary>
        public double Margin = 0.05;
        /// <summary>Fraction of the distance to the target closed per second (beyond real-time advance).</summary>
        public double Correction = 4.0;

        /// <summary>The time to sample, given the newest frame's time (negative when none) and the frame timer.</summary>
        public double Now(double latestFrameTime, double realNow)
        {
            if (latestFrameTime < 0) { time = double.NaN; return 0.0; }
            double target = latestFrameTime - Margin;
            if (double.IsNaN(time))
            {
                time = target;
                lastReal = realNow;
                return Math.Max(0.0, time);
            }
            double dt = Math.Max(0.0, Math.Min(0.25, realNow - lastReal));
            lastReal = realNow;
            double next = time + dt;
            next += (target - next) * Math.Min(1.0, Correction * dt);
            if (next > target + Margin) next = target + Margin;  // never sample beyond the newest frame
            if (next > time) time = next;                        // never backwards
            return Math.Max(0.0, time);
        }
    }

    /// <summary>
    /// Audio handed from the main thread (which reads it from a Speak stream) to the audio thread
    /// (an AudioClip's PCM reader): a lock-guarded ring that plays silence when empty and counts
    /// those gaps, so the face clock can leave them out.
    /// </summary>
    public sealed class PcmQueue
    {
        readonly float[] ring;
        int read, count;
        long underrunSamples, playedSamples;

        public PcmQueue(int capacity)
        {
            ring = new float[capacity];
        }

        public int Count { get { lock (ring) return count; } }
        public int Free { get { lock (ring) return ring.Length - count; } }
        /// <summary>Samples of silence played because no audio was queued (after the first real sample).</summary>
        public long UnderrunSamples { get { lock (ring) return underrunSamples; } }
        /// <summary>Real samples handed to the audio thread so far.</summary>
        public long PlayedSamples { get { lock (ring) return playedSamples; } }
        /// <summary>Set once no more audio will come; gaps after the end are not underruns.</summary>
        public bool Ended { get; set; }

        /// <summary>Queues up to <paramref name="n"/> samples; returns how many fitted.</summary>
        public int Write(float[] data, int offset, int n)
        {
            lock (ring)
            {
                int fit = Math.Min(n, ring.Length - count);
                for (int i = 0; i < fit; i++) ring[(read + count + i) % ring.Length] = data[offset + i];
                count += fit;
                return fit;
            }
        }

        /// <summary>Fills <paramref name="into"/> (mono) with queued audio, then silence.</summary>
        public void Read(float[] into)
        {
            lock (ring)
            {
                int take = Math.Min(into.Length, count);
                for (int i = 0; i < take; i++) into[i] = ring[(read + i) % ring.Length];
                for (int i = take; i < into.Length; i++) into[i] = 0f;
                read = (read + take) % ring.Length;
                count -= take;
                if (playedSamples > 0 && !Ended) underrunSamples += into.Length - take;
                playedSamples += take;
            }
        }
    }
}
