// A small test harness: named cases, checks that report and carry on, and real server processes.
//
// CTest runs one executable per area with a case filter; a case that cannot run here (no Python
// server, no sample photo) says why and the executable exits 77, which CTest reports as skipped.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ftalk_client.h"

namespace harness {

struct Case {
  const char* name;
  std::function<void()> body;
};

inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

inline int& failures() {
  static int n = 0;
  return n;
}

struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Register {
  Register(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

#define TEST_CASE(name)                                         \
  static void test_##name();                                    \
  static harness::Register register_##name(#name, test_##name); \
  static void test_##name()

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "  FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
      ++harness::failures();                                                                   \
    }                                                                                          \
  } while (0)

#define REQUIRE(cond)                                                                          \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "  FAILED %s:%d: %s (stopping this case)\n", __FILE__, __LINE__, #cond); \
      ++harness::failures();                                                                   \
      throw std::runtime_error("required check failed");                                       \
    }                                                                                          \
  } while (0)

/// Checks a status, printing the library's message when it differs.
#define CHECK_STATUS(expr, expected)                                                              \
  do {                                                                                            \
    const ftalk_status got_ = (expr);                                                             \
    if (got_ != (expected)) {                                                                     \
      std::fprintf(stderr, "  FAILED %s:%d: %s returned %s, expected %s (last error: %s)\n", __FILE__, \
                   __LINE__, #expr, ftalk_status_name(got_), ftalk_status_name(expected), ftalk_last_error()); \
      ++harness::failures();                                                                      \
    }                                                                                             \
  } while (0)

#define REQUIRE_OK(expr)                                                                          \
  do {                                                                                            \
    const ftalk_status got_ = (expr);                                                             \
    if (got_ != FTALK_OK) {                                                                       \
      std::fprintf(stderr, "  FAILED %s:%d: %s returned %s: %s (stopping this case)\n", __FILE__, __LINE__, \
                   #expr, ftalk_status_name(got_), ftalk_last_error());                           \
      ++harness::failures();                                                                      \
      throw std::runtime_error("required call failed");                                           \
    }                                                                                             \
  } while (0)

/// Runs the cases whose names start with any argument (all without arguments).
inline int run(int argc, char** argv) {
  int ran = 0, skipped = 0;
  for (const auto& c : cases()) {
    bool wanted = argc < 2;
    for (int i = 1; i < argc; ++i) wanted |= std::strncmp(c.name, argv[i], std::strlen(argv[i])) == 0;
    if (!wanted) continue;
    const int before = failures();
    const auto start = std::chrono::steady_clock::now();
    std::fprintf(stderr, "[ RUN  ] %s\n", c.name);
    try {
      c.body();
    } catch (const Skip& s) {
      std::fprintf(stderr, "[ SKIP ] %s: %s\n", c.name, s.what());
      ++skipped;
      continue;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  FAILED: exception: %s\n", e.what());
      ++failures();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "[ %s ] %s (%.2f s)\n", failures() == before ? " OK " : "FAIL", c.name, s);
    ++ran;
  }
  std::fprintf(stderr, "%d cases run, %d skipped, %d failed checks\n", ran, skipped, failures());
  if (failures()) return 1;
  return ran == 0 && skipped > 0 ? 77 : 0;
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool file_exists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

inline std::string temp_dir() {
  static std::string dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/ftalk_test_XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  return dir;
}

/// Runs a shell command; its exit status.
inline int shell(const std::string& command) { return std::system(command.c_str()); }

/// A child process whose stdout we read line by line, killed when this goes away.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { stop(); }

  /// Starts `argv`; its stderr goes to `stderr_path` when given.
  void start(const std::vector<std::string>& argv, const std::string& stderr_path = "") {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], 1);
      if (!stderr_path.empty()) {
        const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (err >= 0) dup2(err, 2);
      }
      close(out[0]);
      close(out[1]);
      setpgid(0, 0);  // its own group, so that killing it takes its children too
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      std::perror("execvp");
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
  }

  /// The first stdout line containing `needle`, waiting up to `timeout_s`; "" on time-out or exit.
  std::string wait_for_line(const std::string& needle, double timeout_s) {
    const auto start = std::chrono::steady_clock::now();
    while (seconds_since(start) < timeout_s) {
      auto nl = buffer_.find('\n');
      while (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (line.find(needle) != std::string::npos) return line;
        nl = buffer_.find('\n');
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 200) > 0) {
        char chunk[4096];
        const ssize_t n = read(fd_, chunk, sizeof chunk);
        if (n <= 0) return "";
        buffer_.append(chunk, std::size_t(n));
      }
    }
    return "";
  }

  void kill_now() { stop(SIGKILL); }

  /// One SIGTERM, as a supervisor stops a service: `ftalk serve` drains, then ends open streams
  /// with a final CODE_SHUTDOWN status. Waits for the exit as stop() does.
  void stop_gracefully() { stop(SIGTERM, true); }

  /// Signals the group and the process, so `ftalk serve` gets a second signal and stops at once.
  void stop(int sig = SIGTERM, bool once = false) {
    if (pid_ > 0) {
      if (::kill(-pid_, sig) != 0 || !once) ::kill(pid_, sig);
      const auto start = std::chrono::steady_clock::now();
      int status;
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (seconds_since(start) > 10) {
          ::kill(-pid_, SIGKILL);
          ::kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      pid_ = -1;
    }
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    buffer_.clear();
  }

  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

struct ServerOptions {
  int port = 0;
  std::string token;
  std::string tls_cert, tls_key;
  int max_streams = 0;
  double drain_seconds = -1;  // < 0: the server's defaults
  double grace_seconds = -1;
};

/// The real Python server (`ftalk serve`), on a free port unless one is given.
class Server {
 public:
  using Options = ServerOptions;

  static std::string command() {
    const char* env = std::getenv("FTALK_SERVE");
    return env && *env ? env : FTALK_DEFAULT_SERVE;
  }

  /// Throws Skip when there is no server to run here.
  static void require_available() {
    if (!file_exists(command()))
      throw Skip("no FantasyTalking server at " + command() + " (run tools/setup.sh, or set FTALK_SERVE)");
  }

  explicit Server(Options options = Options()) : options_(std::move(options)) { start(); }

  void start() {
    require_available();
    std::vector<std::string> argv{command(), "serve", "--host", "127.0.0.1", "--port", std::to_string(options_.port)};
    if (!options_.token.empty()) argv.insert(argv.end(), {"--token", options_.token});
    if (!options_.tls_cert.empty()) argv.insert(argv.end(), {"--tls-cert", options_.tls_cert, "--tls-key", options_.tls_key});
    if (options_.max_streams) argv.insert(argv.end(), {"--max-streams", std::to_string(options_.max_streams)});
    if (options_.drain_seconds >= 0) argv.insert(argv.end(), {"--drain-seconds", std::to_string(options_.drain_seconds)});
    if (options_.grace_seconds >= 0) argv.insert(argv.end(), {"--grace-seconds", std::to_string(options_.grace_seconds)});
    static int started = 0;
    log_ = temp_dir() + "/server_" + std::to_string(++started) + ".log";  // the server's own log, kept out of ours
    process_.start(argv, log_);
    const std::string line = process_.wait_for_line("listening on", 120);
    if (line.empty()) std::fprintf(stderr, "  server log %s:\n%s\n", log_.c_str(), read_file(log_).c_str());
    if (line.empty()) throw std::runtime_error("the server did not start (no 'listening on' line within 120 s)");
    // "ftalk serve: listening on 127.0.0.1:PORT (...)"
    const auto at = line.find("listening on ") + std::strlen("listening on ");
    address_ = line.substr(at, line.find(' ', at) - at);
    options_.port = std::atoi(address_.substr(address_.rfind(':') + 1).c_str());
  }

  void kill_now() { process_.kill_now(); }
  void stop() { process_.stop(); }
  void stop_gracefully() { process_.stop_gracefully(); }
  const std::string& address() const { return address_; }
  int port() const { return options_.port; }

 private:
  Options options_;
  Process process_;
  std::string address_;
  std::string log_;
};

/// Mono PCM from a WAV file (16-bit or float), as s16 samples.
struct Wav {
  uint32_t sample_rate = 0;
  uint16_t channels = 0;
  std::vector<int16_t> samples;  // interleaved
  std::string bytes;             // the whole file
  double seconds() const { return double(samples.size() / channels) / sample_rate; }
};

inline Wav read_wav(const std::string& path) {
  Wav wav;
  wav.bytes = read_file(path);
  const std::string& b = wav.bytes;
  if (b.size() < 12 || b.compare(0, 4, "RIFF") != 0 || b.compare(8, 4, "WAVE") != 0)
    throw std::runtime_error(path + " is not a WAV file");
  uint16_t format = 0, bits = 0;
  std::size_t pos = 12;
  while (pos + 8 <= b.size()) {
    uint32_t size;
    std::memcpy(&size, b.data() + pos + 4, 4);
    const std::string id = b.substr(pos, 4);
    const std::size_t body = pos + 8;
    if (id == "fmt ") {
      std::memcpy(&format, b.data() + body, 2);
      std::memcpy(&wav.channels, b.data() + body + 2, 2);
      std::memcpy(&wav.sample_rate, b.data() + body + 4, 4);
      std::memcpy(&bits, b.data() + body + 14, 2);
    } else if (id == "data") {
      const std::size_t n = std::min<std::size_t>(size, b.size() - body);  // espeak-ng streams leave size 0x7fffffff
      if (format == 1 && bits == 16) {
        wav.samples.resize(n / 2);
        std::memcpy(wav.samples.data(), b.data() + body, wav.samples.size() * 2);
      } else {
        throw std::runtime_error(path + ": only 16-bit PCM WAV is read by the tests");
      }
      break;
    }
    pos = body + size + (size & 1);
  }
  if (!wav.sample_rate || wav.samples.empty()) throw std::runtime_error(path + " has no audio");
  return wav;
}

/// Speech for the tests, made by espeak-ng (a Debian package tools/setup.sh installs).
inline Wav speech_wav(const std::string& text, const std::string& name) {
  const std::string path = temp_dir() + "/" + name + ".wav";
  if (!file_exists(path)) {
    if (shell("command -v espeak-ng >/dev/null 2>&1") != 0) throw Skip("espeak-ng is not installed (tools/setup.sh)");
    const std::string cmd = "espeak-ng -v en-us -s 150 -w '" + path + "' '" + text + "' >/dev/null 2>&1";
    if (shell(cmd) != 0) throw std::runtime_error("espeak-ng failed: " + cmd);
  }
  return read_wav(path);
}

/// A client for `address` with short timeouts, so that failures show up fast.
inline ftalk_client* make_client(const std::string& address, const char* token = nullptr, const char* root_pem = nullptr,
                                 uint32_t connect_timeout_ms = 10000) {
  ftalk_client_config config;
  ftalk_client_config_init(&config);
  config.address = address.c_str();
  config.token = token;
  config.tls_root_cert_pem = root_pem;
  config.connect_timeout_ms = connect_timeout_ms;
  config.call_timeout_ms = 60000;
  config.reconnect_backoff_initial_ms = 100;
  config.reconnect_backoff_max_ms = 500;
  ftalk_client* client = nullptr;
  if (ftalk_client_create(&config, &client) != FTALK_OK)
    throw std::runtime_error(std::string("ftalk_client_create: ") + ftalk_last_error());
  return client;
}

}  // namespace harness
