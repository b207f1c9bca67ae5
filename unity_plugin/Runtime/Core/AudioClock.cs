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
