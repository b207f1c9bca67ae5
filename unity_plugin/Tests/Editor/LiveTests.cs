// Round trips through the real native library (libftalk_client) to a real `ftalk serve`:
// speak, stream, interrupt, whole clips, heads, a wrong token, an unreachable server, a server
// that dies mid-stream, disposed objects. The server starts on a free port for this fixture.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using FantasyTalking.Native;
using NUnit.Framework;

namespace FantasyTalking.Tests
{
    [TestFixture]
    [Category("Live")]
    public class LiveTests
    {
        const string Token = "unity-test-token";
        LiveServer server;
        FtalkClient client;
        float[] speech;          // "Hello ..." synthesised by the server, 16 kHz mono
        AnimationHeader speechHeader;
        int speechVisemes;
        int visemeThreadMismatches;
        StreamResult speechFinished;
        int speechFinishedCount;

#if NUNIT2
        [TestFixtureSetUp]
#else
        [OneTimeSetUp]
#endif
        public void StartServer()
        {
            try
            {
                NativeLibrary.EnsureLoaded();
            }
            catch (FtalkException e)
            {
                Assert.Ignore("live tests need the native library: " + e.Message);
            }
            try
            {
                server = LiveServer.Start(Token);
            }
            catch (InvalidOperationException e)
            {
                // Inside Unity there is usually no ftalk next to the editor: skip, saying why. Where the
                // test script named the server ($FTALK_BIN), a server that does not start is a failure.
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("FTALK_BIN")))
                    Assert.Ignore("live tests need the ftalk command (set FTALK_BIN): " + e.Message);
                throw;
            }
            client = new FtalkClient(new ClientOptions { Address = server.Address, Token = Token });
            speech = SpeakAndCollect("Hello there. Shall we meet at the old bridge by the river tomorrow?");
        }

#if NUNIT2
        [TestFixtureTearDown]
#else
        [OneTimeTearDown]
#endif
        public void StopServer()
        {
            if (client != null) client.Dispose();
            if (server != null) server.Dispose();
        }

        /// <summary>Speaks through the server and collects the audio, pumping events on this thread as a game's main loop would.</summary>
        float[] SpeakAndCollect(string text)
        {
            int mainThread = Thread.CurrentThread.ManagedThreadId;
            var audio = new List<float>();
            using (AnimationStream s = client.Speak(new SpeakOptions { Text = text, Language = "en-US", Animation = new AnimationOptions { Seed = 3 } }))
            {
                s.VisemeReceived += v =>
                {
                    speechVisemes++;
                    if (Thread.CurrentThread.ManagedThreadId != mainThread) visemeThreadMismatches++;
                };
                s.Finished += r => { speechFinished = r; speechFinishedCount++; };
                var buffer = new float[4096];
                DateTime deadline = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    int n = s.ReadAudio(buffer, 0, buffer.Length);
                    if (n < 0) break;
                    for (int i = 0; i < n; i++) audio.Add(buffer[i]);
                    if (n == 0) Thread.Sleep(5);
                    client.Dispatcher.Pump();
                    Assert.Less(DateTime.UtcNow, deadline, "Speak did not finish in 60 s");
                }
                Assert.IsTrue(s.Wait(10000));
                Assert.AreEqual(FtalkStreamState.Finished, s.Result.State, s.Result.Message);
                SpeechInfo? info = s.GetSpeechInfo();
                Assert.IsTrue(info.HasValue);
                Assert.AreEqual(16000, info.Value.SampleRateHz);
                Assert.AreEqual(16000, s.SampleRateHz);
                speechHeader = s.Header;
                // The last events may still be queued: pump until the Finished event came through.
                for (int i = 0; i < 200 && speechFinishedCount == 0; i++) { Thread.Sleep(10); client.Dispatcher.Pump(); }
            }
            return audio.ToArray();
        }

        [Test]
        public void ServerInfoHealthAndVoices()
        {
            client.Connect();
            Assert.AreEqual(FtalkHealth.Serving, client.Health());
            ServerInfo info = client.GetServerInfo();
            CollectionAssert.AreEqual(ArkitNames.LiveLink, info.CurveNames);
            CollectionAssert.AreEqual(new[] { "jaw", "neck", "head", "eye_L", "eye_R" }, info.JointNames);
            Assert.That(info.MaxSampleRateHz, Is.GreaterThanOrEqualTo(48000));
            VoiceInfo[] voices = client.ListVoices("zh-CN");
            Assert.That(voices.Length, Is.GreaterThan(0));
            StringAssert.StartsWith("zh", voices[0].Language.ToLowerInvariant().Replace("cmn", "zh"));
            Assert.AreEqual(FtalkConnectionState.Ready, client.ConnectionState);
            StringAssert.IsMatch(@"^\d+\.\d+\.\d+", NativeLibrary.Version);
        }

        [Test]
        public void SpeakGivesAudioFramesAndVisemesOnTheMainThread()
        {
            Assert.That(speech.Length / 16000.0, Is.InRange(1.5, 15.0), "seconds of synthesised speech");
            Assert.IsFalse(Pcm.IsSilent(speech));
            CollectionAssert.AreEqual(ArkitNames.LiveLink, speechHeader.CurveNames);
            Assert.AreEqual("tts", speechHeader.Engine);
            Assert.That(speechVisemes, Is.GreaterThan(5), "viseme events raised through the dispatcher");
            Assert.AreEqual(0, visemeThreadMismatches, "every event ran on the pumping (main) thread");
            Assert.AreEqual(1, speechFinishedCount, "Finished is raised exactly once");
            Assert.AreEqual(FtalkStreamState.Finished, speechFinished.State);
        }

        AnimationStream StreamAll(float[] audio, int seed, int chunk = 320)
        {
            AnimationStream s = client.OpenStream(new StreamOptions { SampleRateHz = 16000, Channels = 1, Animation = new AnimationOptions { Seed = seed } });
            for (int i = 0; i < audio.Length; i += chunk) s.Push(audio, i, Math.Min(chunk, audio.Length - i));
            s.End();
            Assert.IsTrue(s.Wait(60000), "the stream did not finish in 60 s");
            StreamResult r = s.Result;
            Assert.AreEqual(FtalkStreamState.Finished, r.State, r.Message);
            return s;
        }

        /// <summary>The frames of a finished stream, read back exactly as the server sent them.</summary>
        static AnimationClipData Record(AnimationStream s)
        {
            AnimationClipData clip = s.ToClipData();
            Assert.That(clip.FrameCount, Is.GreaterThan(0));
            return clip;
        }

        [Test]
        public void AStreamIsTimeCodedOnTheAudioClockAndEqualsTheClip()
        {
            using (AnimationStream s = StreamAll(speech, 7))
            {
                AnimationHeader h = s.Header;
                CollectionAssert.AreEqual(ArkitNames.LiveLink, h.CurveNames);
                Assert.AreEqual(30, h.Fps);
                Assert.AreEqual("acoustic", h.Engine);
                AnimationClipData streamed = Record(s);
                double seconds = speech.Length / 16000.0;
                Assert.That(streamed.FrameCount, Is.InRange((int)(seconds * 30) - 1, (int)(seconds * 30) + 2));
                for (int i = 0; i < streamed.FrameCount; i++) Assert.That(streamed.Times[i], Is.EqualTo(i / 30.0).Within(1e-9));
                int jaw = h.CurveIndex("JawOpen");
                float max = 0, min = 1;
                for (int i = 0; i < streamed.FrameCount; i++) { max = Math.Max(max, streamed.Weight(i, jaw)); min = Math.Min(min, streamed.Weight(i, jaw)); }
                Assert.That(max, Is.GreaterThan(0.15f), "the jaw opens during speech");
                Assert.That(min, Is.LessThan(0.05f), "and closes");

                AnimationClipData clip = client.AnimateSamples(speech, 16000, 1, new AnimationOptions { Seed = 7 });
                CollectionAssert.AreEqual(h.CurveNames, clip.Header.CurveNames);
                Assert.That(Math.Abs(clip.FrameCount - streamed.FrameCount), Is.LessThanOrEqualTo(1));
                int n = Math.Min(clip.FrameCount, streamed.FrameCount);
                double worst = 0;
                for (int i = 0; i < n * clip.CurveCount; i++) worst = Math.Max(worst, Math.Abs(clip.Weights[i] - streamed.Weights[i]));
                Assert.That(worst, Is.LessThan(1e-5), "a stream and AnimateClip of the same audio give the same curves");
                Assert.That(clip.DurationSeconds, Is.EqualTo(seconds).Within(1e-3));
            }
        }

        [Test]
        public void NativeStreamSamplingAndTheManagedSamplerAgree()
        {
            using (AnimationStream s = StreamAll(speech, 11, 1024))
            {
                AnimationClipData recorded = Record(s);
                var a = FrameSample.For(s.Header);
                var b = FrameSample.For(s.Header);
                // At frame times: the frame exactly. Between them: linear weights, slerped joints.
                for (int i = 0; i < recorded.FrameCount; i += 7)
                {
                    Assert.AreEqual(SampleKind.Exact, s.Sample(recorded.Times[i], a));
                    recorded.Sample(recorded.Times[i], b);
                    CollectionAssert.AreEqual(b.Weights, a.Weights);
                    CollectionAssert.AreEqual(b.Joints, a.Joints);
                }
                var rng = new Random(5);
                for (int k = 0; k < 200; k++)
                {
                    double t = rng.NextDouble() * recorded.Times[recorded.FrameCount - 1];
                    SampleKind kind = s.Sample(t, a);
                    Assert.AreEqual(kind, recorded.Sample(t, b), "t=" + t);
                    Assert.AreEqual(b.FrameIndex, a.FrameIndex);
                    for (int c = 0; c < a.Weights.Length; c++) Assert.That(a.Weights[c], Is.EqualTo(b.Weights[c]).Within(1e-6));
                    for (int j = 0; j < a.Joints.Length; j++) Assert.That(Quat.Angle(a.Joints[j], b.Joints[j]), Is.LessThan(1e-3));
                    for (int g = 0; g < 9; g++) Assert.That(a.Angles[g], Is.EqualTo(b.Angles[g]).Within(1e-6));
                }
                Assert.AreEqual(SampleKind.HeldLast, s.Sample(1000.0, a));
            }
        }

        [Test]
        public void InterruptSettlesTheFaceAndSaysSo()
        {
            using (AnimationStream s = client.OpenStream(new StreamOptions { SampleRateHz = 16000, Channels = 1 }))
            {
                int half = speech.Length / 2;
                s.Push(speech, 0, half);
                Assert.IsTrue(s.WaitReady(30000));
                DateTime deadline = DateTime.UtcNow.AddSeconds(30);
                while (s.Result.LatestFrameTime < 0.6)
                {
                    Assert.Less(DateTime.UtcNow, deadline, "no frames past 0.6 s");
                    Thread.Sleep(10);
                }
                s.Interrupt();
                s.End();
                Assert.IsTrue(s.Wait(30000));
                StreamResult r = s.Result;
                Assert.AreEqual(FtalkStreamState.Finished, r.State, r.Message);
                Assert.IsTrue(r.Interrupted, "closing status says the stream was interrupted");
                AnimationClipData frames = Record(s);
                int jaw = frames.Header.CurveIndex("JawOpen");
                Assert.That(frames.Weight(frames.FrameCount - 1, jaw), Is.LessThan(0.05f), "the face settled to rest");
                Assert.That(frames.Times[frames.FrameCount - 1], Is.LessThan(half / 16000.0 + 0.5), "audio after the interrupt point was dropped");
            }
        }

        [Test]
        public void AWrongTokenIsRefusedClearly()
        {
            using (var wrong = new FtalkClient(new ClientOptions { Address = server.Address, Token = "not-the-token" }))
            {
                var e = Assert.Throws<FtalkException>(() => wrong.Connect());
                Assert.AreEqual(FtalkStatus.Unauthenticated, e.Status, e.Message);
                StringAssert.Contains("FTALK_E_UNAUTHENTICATED", e.Message);
                using (AnimationStream s = wrong.OpenStream(new StreamOptions()))
                {
                    e = Assert.Throws<FtalkException>(() => s.WaitReady(30000));
                    Assert.AreEqual(FtalkStatus.Unauthenticated, e.Status, e.Message);
                    Assert.AreEqual(FtalkStreamState.Failed, s.Result.State);
                }
            }
            using (var none = new FtalkClient(new ClientOptions { Address = server.Address }))
            {
                var e = Assert.Throws<FtalkException>(() => none.GetServerInfo());
                Assert.AreEqual(FtalkStatus.Unauthenticated, e.Status, e.Message);
            }
        }

        [Test]
        public void AnUnreachableServerFailsWithinTheTimeout()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            using (var c = new FtalkClient(new ClientOptions { Address = "127.0.0.1:" + port, ConnectTimeoutMs = 1000, CallTimeoutMs = 2000 }))
            {
                DateTime start = DateTime.UtcNow;
                var e = Assert.Throws<FtalkException>(() => c.Connect());
                Assert.That(e.Status, Is.EqualTo(FtalkStatus.Unavailable).Or.EqualTo(FtalkStatus.Timeout), e.Message);
                Assert.Less((DateTime.UtcNow - start).TotalSeconds, 20, "bounded by the timeouts");
                using (AnimationStream s = c.OpenStream(new StreamOptions()))
                {
                    e = Assert.Throws<FtalkException>(() => s.WaitReady(30000));
                    Assert.That(e.Status, Is.EqualTo(FtalkStatus.Unavailable).Or.EqualTo(FtalkStatus.Timeout), e.Message);
                }
            }
            var bad = Assert.Throws<ArgumentException>(() => new FtalkClient(new ClientOptions { Address = " " }.WithTrim()));
            StringAssert.Contains("address", bad.Message);
        }

        [Test]
        public void AServerThatDiesMidStreamEndsTheStreamWithAClearError()
        {
            using (LiveServer doomed = LiveServer.Start(null))
            using (var c = new FtalkClient(new ClientOptions { Address = doomed.Address }))
            using (AnimationStream s = c.OpenStream(new StreamOptions { SampleRateHz = 16000 }))
            {
                var finished = new List<StreamResult>();
                s.Finished += finished.Add;
                s.Push(speech, 0, 8000);
                Assert.IsTrue(s.WaitReady(30000));
                doomed.Kill();
                Assert.IsTrue(s.Wait(30000), "the stream ends when its server goes away");
                StreamResult r = s.Result;
                Assert.AreEqual(FtalkStreamState.Failed, r.State);
                Assert.AreEqual(FtalkStatus.Unavailable, r.Error, r.Message);
                Assert.IsNotEmpty(r.Message);
                var e = Assert.Throws<FtalkException>(() => s.Push(speech, 0, 320));
                Assert.AreEqual(FtalkStatus.Unavailable, e.Status, e.Message);
                // Frames that arrived can still be sampled; the game keeps running.
                var f = FrameSample.For(s.Header);
                s.Sample(0.1, f);
                for (int i = 0; i < 200 && finished.Count == 0; i++) { Thread.Sleep(10); c.Dispatcher.Pump(); }
                Assert.AreEqual(1, finished.Count, "Finished raised on the main thread");
                Assert.AreEqual(FtalkStreamState.Failed, finished[0].State);
            }
        }

        [Test]
        public void AServerShuttingDownEndsTheStreamWithShutdown()
        {
            using (LiveServer leaving = LiveServer.Start(null, "--drain-seconds 0.2 --grace-seconds 0.5"))
            using (var c = new FtalkClient(new ClientOptions { Address = leaving.Address }))
            using (AnimationStream s = c.OpenStream(new StreamOptions { SampleRateHz = 16000 }))
            {
                s.Push(speech, 0, 8000);
                Assert.IsTrue(s.WaitReady(30000));
                leaving.Terminate();
                // Keep talking, as a game would, until the server says goodbye.
                bool over = false;
                for (int i = 0; i < 300 && !over; i++)
                {
                    try { s.Push(speech, 0, 320); } catch (FtalkException) { }
                    over = s.Wait(50);
                }
                Assert.IsTrue(over, "the stream ends when its server shuts down");
                StreamResult r = s.Result;
                Assert.AreEqual(FtalkStreamState.Failed, r.State);
                Assert.AreEqual(FtalkStatus.Shutdown, r.Error, r.Message);
                StringAssert.Contains("shutting down", r.Message);
                Assert.Greater(r.FramesReceived, 0, "frames of the audio it received arrived");
                var e = Assert.Throws<FtalkException>(() => s.Push(speech, 0, 320));
                Assert.AreEqual(FtalkStatus.Shutdown, e.Status, e.Message);
            }
        }

        [Test]
        public void TlsWithASelfSignedCertificate()
        {
            string dir = Path.Combine(Path.GetTempPath(), "ftalk-unity-tls-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string cert = Path.Combine(dir, "cert.pem"), key = Path.Combine(dir, "key.pem");
                var openssl = new System.Diagnostics.ProcessStartInfo("openssl",
                    "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " + key + " -out " + cert)
                { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
                try
                {
                    using (var p = System.Diagnostics.Process.Start(openssl))
                    {
                        p.StandardError.ReadToEnd();
                        p.WaitForExit();
                        if (p.ExitCode != 0) Assert.Ignore("openssl could not make a test certificate");
                    }
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    Assert.Ignore("openssl is not installed: the TLS round trip is skipped");
                }
                using (LiveServer tls = LiveServer.Start(Token, "--tls-cert " + cert + " --tls-key " + key))
                {
                    var options = new ClientOptions { Address = tls.Address, Token = Token, RootCertificatePem = File.ReadAllText(cert), ServerNameOverride = "localhost" };
                    using (var c = new FtalkClient(options))
                    {
                        c.Connect();
                        Assert.AreEqual(FtalkHealth.Serving, c.Health());
                        AnimationClipData clip = c.AnimateSamples(speech, 16000, 1);
                        Assert.That(clip.FrameCount, Is.GreaterThan(10));
                    }
                    // Plain text against a TLS port fails cleanly.
                    using (var plain = new FtalkClient(new ClientOptions { Address = tls.Address, Token = Token, ConnectTimeoutMs = 2000, CallTimeoutMs = 2000 }))
                    {
                        var e = Assert.Throws<FtalkException>(() => plain.Connect());
                        Assert.That(e.Status, Is.EqualTo(FtalkStatus.Unavailable).Or.EqualTo(FtalkStatus.Timeout).Or.EqualTo(FtalkStatus.Protocol), e.Message);
                    }
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test]
        public void DisposedObjectsSaySo()
        {
            var c = new FtalkClient(new ClientOptions { Address = server.Address, Token = Token });
            AnimationStream s = c.OpenStream(new StreamOptions());
            AnimationStream t = c.OpenStream(new StreamOptions());
            s.Dispose();
            s.Dispose();  // twice is fine
            var e = Assert.Throws<ObjectDisposedException>(() => s.Push(new float[320], 0, 320));
            StringAssert.Contains("disposed", e.Message);
            // Leaving play mode or reloading scripts closes everything still open.
            Assert.That(NativeResources.DisposeAll(), Is.GreaterThanOrEqualTo(2));
            Assert.IsTrue(t.IsDisposed);
            Assert.IsTrue(c.IsDisposed);
            e = Assert.Throws<ObjectDisposedException>(() => c.OpenStream(new StreamOptions()));
            StringAssert.Contains("disposed", e.Message);
            // The fixture's own client was closed too: make it again for the other tests.
            client = new FtalkClient(new ClientOptions { Address = server.Address, Token = Token });
        }

        [Test]
        public void BadInputGetsClearErrors()
        {
            var e = Assert.Throws<ArgumentException>(() => client.AnimateSamples(new float[0], 16000, 1));
            StringAssert.Contains("no samples", e.Message);
            var rejected = Assert.Throws<FtalkException>(() => client.AnimateFile(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
            Assert.AreEqual(FtalkStatus.Rejected, rejected.Status, rejected.Message);
            Assert.Throws<ArgumentException>(() => client.Speak(new SpeakOptions { Text = "" }));
            using (AnimationStream stereo = client.OpenStream(new StreamOptions { Channels = 2 }))
            {
                e = Assert.Throws<ArgumentException>(() => stereo.Push(new float[3], 0, 3));
                StringAssert.Contains("whole sample frames", e.Message);
            }
            var photo = Assert.Throws<FtalkException>(() => client.CreateHead(new byte[] { 0x89, 0x50, 0x4e, 0x47, 1, 2, 3 }));
            Assert.AreEqual(FtalkStatus.Rejected, photo.Status, photo.Message);
            // The server keeps serving.
            Assert.AreEqual(FtalkHealth.Serving, client.Health());
        }

        [Test]
        public void SpeechSavedAsWavAnimatesLikeItsSamples()
        {
            byte[] wav = WavFile.Encode(speech, 16000, 1);
            Assert.AreEqual(44 + speech.Length * 2, wav.Length);
            AnimationClipData fromFile = client.AnimateFile(wav, new AnimationOptions { Seed = 4 });
            AnimationClipData fromSamples = client.AnimateSamples(speech, 16000, 1, new AnimationOptions { Seed = 4 });
            Assert.AreEqual(fromSamples.FrameCount, fromFile.FrameCount);
            Assert.That(fromFile.DurationSeconds, Is.EqualTo(speech.Length / 16000.0).Within(1e-3));
            int jaw = fromFile.Header.CurveIndex("JawOpen");
            double diff = 0;
            for (int i = 0; i < fromFile.FrameCount; i++) diff = Math.Max(diff, Math.Abs(fromFile.Weight(i, jaw) - fromSamples.Weight(i, jaw)));
            Assert.That(diff, Is.LessThan(0.02), "16-bit quantisation changes the jaw by little");
        }

        [Test]
        public void SurroundAudioIsMixedDownBeforeSending()
        {
            // 6 channels of the same speech: mixed to mono in the package, animated like the mono original.
            int frames = Math.Min(speech.Length, 16000);
            var surround = new float[frames * 6];
            for (int i = 0; i < frames; i++) for (int ch = 0; ch < 6; ch++) surround[i * 6 + ch] = speech[i];
            var mono = new float[frames];
            Array.Copy(speech, mono, frames);
            AnimationClipData a = client.AnimateSamples(surround, 16000, 6, new AnimationOptions { Seed = 1 });
            AnimationClipData b = client.AnimateSamples(mono, 16000, 1, new AnimationOptions { Seed = 1 });
            Assert.AreEqual(b.FrameCount, a.FrameCount);
            for (int i = 0; i < a.Weights.Length; i++) Assert.That(a.Weights[i], Is.EqualTo(b.Weights[i]).Within(1e-4));
        }

        [Test]
        public void ALiveClipBakesOntoReadyPlayerMeNames()
        {
            AnimationClipData clip = client.AnimateSamples(speech, 16000, 1, new AnimationOptions { Rig = FtalkRigProfile.Arkit52Visemes, Seed = 2 });
            Assert.AreEqual(67, clip.CurveCount);
            var names = new List<string>();
            foreach (string n in clip.Header.CurveNames) names.Add(ArkitNames.ToCamelCase(n));
            var settings = new BakeSettings();
            settings.Meshes.Add(new BakeMeshTarget { Path = "Wolf3D_Head", BlendShapeNames = names.ToArray(), Mode = NameMatchMode.ArkitCamelCase });
            settings.Bones.Add(new BakeBoneTarget { Joint = "head", Path = "Armature/Hips/Spine/Neck/Head" });
            BakedClip baked = ClipBaker.Bake(clip, settings);
            Assert.AreEqual(0, baked.MissingCurves.Length);
            BakedCurve jaw = baked.Find("Wolf3D_Head", "blendShape.jawOpen");
            float max = 0;
            foreach (float v in jaw.Values) max = Math.Max(max, v);
            Assert.That(max, Is.InRange(15f, 100f), "weights on Unity's 0..100 scale");
            Assert.IsNotNull(baked.Find("Wolf3D_Head", "blendShape.viseme_aa"));
            Assert.IsNotNull(baked.Find("Armature/Hips/Spine/Neck/Head", "m_LocalRotation.w"));
        }

        [Test]
        public void CreateHeadFromASamplePortrait()
        {
            string photo = Path.Combine(LiveServer.RepoRoot(), "..", "shared", "samples", "images", "woman_photo_1024.png");
            if (!File.Exists(photo)) Assert.Ignore("../shared/samples is absent (" + Path.GetFullPath(photo) + " not found): the head round trip is skipped");
            var stages = new List<string>();
            HeadResult head = client.CreateHead(File.ReadAllBytes(photo), new HeadOptions { TextureSize = 512 }, (stage, fraction) =>
            {
                stages.Add(stage);
                return true;
            });
            Assert.AreEqual("glTF", System.Text.Encoding.ASCII.GetString(head.Glb, 0, 4));
            Assert.AreEqual(67, head.MorphTargetNames.Length);
            CollectionAssert.IsSubsetOf(new[] { "jaw", "head", "eye_L", "eye_R" }, head.JointNames);
            Assert.That(stages.Count, Is.GreaterThan(0), "progress was reported");
            Assert.AreEqual(1, head.FacesFound);
            // The head's morph targets are named exactly as the curves: nothing is missing.
            BlendshapeMapping map = BlendshapeMapping.Build(ArkitNames.LiveLink, head.MorphTargetNames, NameMatchMode.Exact);
            Assert.AreEqual(0, map.MissingCurves.Length);

            string noFace = Path.Combine(Path.GetDirectoryName(photo), "noface_landscape_rocket_640x427.jpg");
            if (File.Exists(noFace))
            {
                var e = Assert.Throws<FtalkException>(() => client.CreateHead(File.ReadAllBytes(noFace)));
                Assert.AreEqual(FtalkStatus.Rejected, e.Status, e.Message);
                StringAssert.Contains("face", e.Message.ToLowerInvariant());
            }
        }

        [Test]
        public void CreateHeadChoosesHairAndLevelOfDetail()
        {
            string photo = Path.Combine(LiveServer.RepoRoot(), "..", "shared", "samples", "images", "woman_asian_512.jpg");
            if (!File.Exists(photo)) Assert.Ignore("../shared/samples is absent (" + Path.GetFullPath(photo) + " not found): the head round trip is skipped");
            byte[] image = File.ReadAllBytes(photo);
            HeadResult withHair = client.CreateHead(image, new HeadOptions { TextureSize = 512 });
            HeadResult bare = client.CreateHead(image, new HeadOptions { TextureSize = 512, Hair = "none", Lod = 2 });
            string withHairJson = System.Text.Encoding.UTF8.GetString(withHair.Glb);
            string bareJson = System.Text.Encoding.UTF8.GetString(bare.Glb);
            StringAssert.Contains("\"name\":\"hair\"", withHairJson, "auto hair on a portrait with long hair");
            Assert.IsFalse(bareJson.Contains("\"name\":\"hair\""), "Hair = none builds no hair");
            Assert.Less(bare.Glb.Length, withHair.Glb.Length / 2, "LOD 2 without hair is far smaller");
            Assert.AreEqual(67, bare.MorphTargetNames.Length, "every morph target at every level");
            var e = Assert.Throws<FtalkException>(() => client.CreateHead(image, new HeadOptions { Hair = "mohawk" }));
            Assert.AreEqual(FtalkStatus.Rejected, e.Status, e.Message);
            StringAssert.Contains("mohawk", e.Message);
            Assert.Throws<ArgumentException>(() => client.CreateHead(image, new HeadOptions { Lod = -1 }));
        }
    }

    static class ClientOptionsTestExtensions
    {
        public static ClientOptions WithTrim(this ClientOptions o)
        {
            o.Address = o.Address.Trim();
            return o;
        }
    }
}

namespace FantasyTalking.Tests
{
    [TestFixture]
    [Category("Live")]
    public class NativeLogTests
    {
        [Test]
        public void NativeLogLinesReachTheSinkOnThePumpingThread()
        {
            try { NativeLibrary.EnsureLoaded(); }
            catch (FtalkException e) { Assert.Ignore("needs the native library: " + e.Message); }
            var dispatcher = new MainThreadDispatcher();
            var lines = new List<string>();
            int main = Thread.CurrentThread.ManagedThreadId;
            int wrongThread = 0;
            if (!NativeLog.Enable((level, line) => { lines.Add(level + " " + line); if (Thread.CurrentThread.ManagedThreadId != main) wrongThread++; },
                                  FtalkLogLevel.Debug, dispatcher))
                Assert.Ignore("the loaded native library has no ftalk_set_log_callback");
            try
            {
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                int port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                using (var c = new FtalkClient(new ClientOptions { Address = "127.0.0.1:" + port, ConnectTimeoutMs = 500 }))
                    Assert.Throws<FtalkException>(() => c.Connect());
                for (int i = 0; i < 50 && lines.Count == 0; i++) { Thread.Sleep(20); dispatcher.Pump(); }
                Assert.That(lines.Count, Is.GreaterThan(0), "a failed connection logs at debug level");
                Assert.AreEqual(0, wrongThread);
            }
            finally
            {
                NativeLog.Disable();
            }
            Assert.IsFalse(NativeLog.IsEnabled);
        }
    }
}
