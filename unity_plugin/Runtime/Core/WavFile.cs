// A 16-bit PCM WAV writer, so that speech synthesised through Speak can be saved as an asset next
// to the animation baked from it.
using System;
using System.IO;
using System.Text;

namespace FantasyTalking
{
    public static class WavFile
    {
        /// <summary>A RIFF/WAVE file of 16-bit PCM from interleaved float samples.</summary>
        public static byte[] Encode(float[] samples, int sampleRateHz, int channels)
        {
            if (channels < 1) throw new ArgumentException("channels must be at least 1");
            byte[] pcm = Pcm.ToS16LE(samples, 0, samples.Length);
            using (var ms = new MemoryStream(44 + pcm.Length))
            using (var w = new BinaryWriter(ms))
            {
                w.Write(Encoding.ASCII.GetBytes("RIFF"));
                w.Write(36 + pcm.Length);
                w.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
                w.Write(16);
                w.Write((short)1);
                w.Write((short)channels);
                w.Write(sampleRateHz);
                w.Write(sampleRateHz * channels * 2);
                w.Write((short)(channels * 2));
                w.Write((short)16);
                w.Write(Encoding.ASCII.GetBytes("data"));
                w.Write(pcm.Length);
                w.Write(pcm);
                w.Flush();
                return ms.ToArray();
            }
        }
    }
}
