// Float audio as Unity hands it over (AudioClip.GetData, OnAudioFilterRead: interleaved, any channel
// count) turned into the bytes the server takes. The server mixes stereo itself; 5.1 and up are
// mixed to mono here.
using System;

namespace FantasyTalking
{
    public static class Pcm
    {
        /// <summary>Interleaved samples of <paramref name="channels"/> channels, averaged to mono.</summary>
        public static float[] DownmixToMono(float[] interleaved, int channels)
        {
            if (channels < 1) throw new ArgumentException("channels must be at least 1");
            int frames = interleaved.Length / channels;
            var mono = new float[frames];
            for (int f = 0; f < frames; f++)
            {
                float sum = 0f;
                for (int c = 0; c < channels; c++) sum += interleaved[f * channels + c];
                mono[f] = sum / channels;
            }
            return mono;
        }

        /// <summary>Averages <paramref name="count"/> interleaved samples to mono, written as f32le into <paramref name="into"/>.</summary>
        public static void DownmixToMonoF32LE(float[] interleaved, int offset, int count, int channels, byte[] into)
        {
            int frames = count / channels;
            var one = new float[1];
            for (int f = 0; f < frames; f++)
            {
                float sum = 0f;
                int b = offset + f * channels;
                for (int c = 0; c < channels; c++) sum += interleaved[b + c];
                one[0] = sum / channels;
                Buffer.BlockCopy(one, 0, into, f * 4, 4);
            }
            if (!BitConverter.IsLittleEndian) SwapFloats(into, frames * 4);
        }

        /// <summary>32-bit little-endian float bytes of samples[offset .. offset + count).</summary>
        public static byte[] ToF32LE(float[] samples, int offset, int count)
        {
            var bytes = new byte[count * 4];
            Buffer.BlockCopy(samples, offset * 4, bytes, 0, bytes.Length);
            if (!BitConverter.IsLittleEndian) SwapFloats(bytes, bytes.Length);
            return bytes;
        }

        /// <summary>Signed 16-bit little-endian bytes, clipped to [-1, 1].</summary>
        public static byte[] ToS16LE(float[] samples, int offset, int count)
        {
            var bytes = new byte[count * 2];
            for (int i = 0; i < count; i++)
            {
                float v = Math.Max(-1f, Math.Min(1f, samples[offset + i]));
                short s = (short)Math.Round(v * 32767f);
                bytes[2 * i] = (byte)(s & 0xff);
                bytes[2 * i + 1] = (byte)((s >> 8) & 0xff);
            }
            return bytes;
        }

        /// <summary>Reverses the byte order of each float in place (big-endian hosts only).</summary>
        public static void SwapFloats(byte[] bytes, int count)
        {
            for (int i = 0; i + 3 < count; i += 4)
            {
                byte t = bytes[i]; bytes[i] = bytes[i + 3]; bytes[i + 3] = t;
                t = bytes[i + 1]; bytes[i + 1] = bytes[i + 2]; bytes[i + 2] = t;
            }
        }

        /// <summary>True when every sample is exactly zero (a clip with no audio data reads as silence).</summary>
        public static bool IsSilent(float[] samples)
        {
            for (int i = 0; i < samples.Length; i++) if (samples[i] != 0f) return false;
            return true;
        }
    }
}
