// Starts a real `ftalk serve` on a free loopback port for the live tests and stops it after them.
// Where the server is: $FTALK_BIN (the `ftalk` command; tools/test_unity.sh sets it to the
// repository's .venv/bin/ftalk), else `ftalk` on PATH. Without one, the live tests are skipped with
// that reason (Unity users run them against their own server with $FTALK_TEST_SERVER).
using System;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;

namespace FantasyTalking.Tests
{
    /// <summary>One `ftalk serve` process.</summary>
    public sealed class LiveServer : IDisposable
    {
        Process process;
        readonly StringWriterSync log = new StringWriterSync();

        public string Address { get; private set; }
        public string Token { get; private set; }

        /// <summary>Starts a server requiring <paramref name="token"/> (null for none) and waits until it listens (up to 60 s).</summary>
        public static LiveServer Start(string token, string extraArguments = "")
        {
            string bin = Environment.GetEnvironmentVariable("FTALK_BIN");
            if (string.IsNullOrEmpty(bin)) bin = "ftalk";
            var info = new ProcessStartInfo(bin, "serve --host 127.0.0.1 --port 0" + (token != null ? " --token " + token : "") + " " + extraArguments)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            var server = new LiveServer { Token = token };
            var listening = new ManualResetEvent(false);
            var pattern = new Regex(@"listening on (\S+):(\d+)");
            try
            {
                server.process = Process.Start(info);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException("cannot start '" + bin + " serve' (set FTALK_BIN to the ftalk command): " + e.Message);
            }
            server.process.OutputDataReceived += (s, e) =>
            {
                if (e.Data == null) return;
                server.log.WriteLine(e.Data);
                Match m = pattern.Match(e.Data);
                if (m.Success && server.Address == null)
                {
                    server.Address = "127.0.0.1:" + m.Groups[2].Value;
                    listening.Set();
                }
            };
            server.process.ErrorDataReceived += (s, e) => { if (e.Data != null) server.log.WriteLine(e.Data); };
            server.process.BeginOutputReadLine();
            server.process.BeginErrorReadLine();
            for (int waited = 0; waited < 60000; waited += 100)
            {
                if (listening.WaitOne(100)) return server;
                if (server.process.HasExited) break;
            }
            string output = server.log.ToString();
            server.Dispose();
            throw new InvalidOperationException("ftalk serve did not start listening:\n" + output);
        }

        /// <summary>Stops the server at once (SIGKILL): the "server gone" case.</summary>
        public void Kill()
        {
            try
            {
                if (process != null && !process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        /// <summary>One SIGTERM, as a supervisor stops a service: the server drains, then ends open streams with CODE_SHUTDOWN.</summary>
        public void Terminate()
        {
            if (process == null || process.HasExited) return;
            using (Process kill = Process.Start(new ProcessStartInfo("kill", "-TERM " + process.Id) { UseShellExecute = false }))
                kill.WaitForExit(10000);
        }

        public string Log { get { return log.ToString(); } }

        public void Dispose()
        {
            Kill();
            if (process != null) process.Dispose();
            process = null;
        }

        /// <summary>The repository root (for ../shared/samples): $FTALK_REPO_ROOT, else the first folder above the test
        /// assembly holding pyproject.toml.</summary>
        public static string RepoRoot()
        {
            string env = Environment.GetEnvironmentVariable("FTALK_REPO_ROOT");
            if (!string.IsNullOrEmpty(env)) return env;
            string dir = Path.GetDirectoryName(typeof(LiveServer).Assembly.Location);
            while (!string.IsNullOrEmpty(dir))
            {
                if (File.Exists(Path.Combine(dir, "pyproject.toml"))) return dir;
                dir = Path.GetDirectoryName(dir);
            }
            return Directory.GetCurrentDirectory();
        }

        sealed class StringWriterSync
        {
            readonly System.Text.StringBuilder sb = new System.Text.StringBuilder();

            public void WriteLine(string line)
            {
                lock (sb) sb.AppendLine(line);
            }

            public override string ToString()
            {
                lock (sb) return sb.ToString();
            }
        }
    }
}
