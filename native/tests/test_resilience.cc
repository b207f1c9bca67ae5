// The server killed mid-stream and restarted; tokens; TLS with a self-signed certificate; a
// server at its stream limit.
#include <atomic>
#include <memory>
#include <thread>

#include "harness.h"

using namespace harness;

namespace {

/// Streams `wav` in real time (20 ms chunks) on a thread until told to stop or push fails.
struct RealTimePusher {
  std::atomic<bool> stop{false};
  std::atomic<ftalk_status> last{FTALK_OK};
  std::thread thread;
  RealTimePusher(ftalk_stream* stream, const Wav& wav) {
    thread = std::thread([this, stream, &wav] {
      const size_t chunk = wav.sample_rate / 50;
      const auto start = std::chrono::steady_clock::now();
      for (size_t i = 0; !stop; i += chunk) {
        const size_t at = i % (wav.samples.size() - chunk);  // loop the clip
        const ftalk_status s = ftalk_stream_push(stream, wav.samples.data() + at, chunk * 2);
        if (s != FTALK_OK) {
          last = s;
          return;
        }
        std::this_thread::sleep_until(start + std::chrono::microseconds(uint64_t(1e6 * double(i + chunk) / wav.sample_rate)));
      }
    });
  }
  ~RealTimePusher() {
    stop = true;
    thread.join();
  }
};

ftalk_stream* open_stream(ftalk_client* client, uint32_t rate, uint32_t idle_after_ms = 0) {
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.sample_rate_hz = rate;
  config.idle_after_ms = idle_after_ms;
  ftalk_stream* stream = nullptr;
  if (ftalk_stream_open(client, &config, &stream) != FTALK_OK) throw std::runtime_error(ftalk_last_error());
  return stream;
}

/// Waits (up to 30 s) until the stream has received `n` frames: it is flowing.
void wait_for_frames(ftalk_stream* stream, uint64_t n) {
  REQUIRE_OK(ftalk_stream_wait_ready(stream, 30000));
  ftalk_stream_result result;
  const auto start = std::chrono::steady_clock::now();
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  } while (result.frames_received < n && seconds_since(start) < 30);
  REQUIRE(result.frames_received >= n);
}

/// Streams the whole clip fast and checks that every frame came back.
void check_full_round_trip(ftalk_client* client, const Wav& wav) {
  ftalk_stream* stream = open_stream(client, wav.sample_rate, 10000);
  REQUIRE_OK(ftalk_stream_push(stream, wav.samples.data(), wav.samples.size() * 2));
  REQUIRE_OK(ftalk_stream_end(stream));
  REQUIRE(ftalk_stream_wait(stream, 60000) == FTALK_DONE);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  if (result.state != FTALK_STREAM_FINISHED) std::fprintf(stderr, "  stream: %s\n", result.message);
  CHECK(result.state == FTALK_STREAM_FINISHED);
  CHECK(result.frames_received == uint64_t(std::ceil(wav.seconds() * 30 - 1e-9)));
  REQUIRE_OK(ftalk_stream_close(stream));
}

}  // namespace

TEST_CASE(server_killed_mid_stream_then_restarted) {
  const Wav wav = speech_wav("Keep talking while the server goes away and comes back.", "resilience");
  Server server;
  const int port = server.port();
  ftalk_client_config config;
  ftalk_client_config_init(&config);
  const std::string address = server.address();
  config.address = address.c_str();
  config.connect_timeout_ms = 2000;
  config.reconnect_backoff_initial_ms = 100;
  config.reconnect_backoff_max_ms = 1000;
  ftalk_client* client = nullptr;
  REQUIRE_OK(ftalk_client_create(&config, &client));

  ftalk_stream* stream = open_stream(client, wav.sample_rate);
  {
    RealTimePusher pusher(stream, wav);
    wait_for_frames(stream, 20);
    ftalk_stream_result result;

    server.kill_now();  // SIGKILL: no goodbye
    const auto killed = std::chrono::steady_clock::now();
    REQUIRE(ftalk_stream_wait(stream, 15000) == FTALK_DONE);
    const double noticed = seconds_since(killed);
    REQUIRE_OK(ftalk_stream_result_get(stream, &result));
    std::fprintf(stderr, "  noticed after %.2f s: %s: %s\n", noticed, ftalk_status_name(result.error), result.message);
    CHECK(result.state == FTALK_STREAM_FAILED);
    CHECK(result.error == FTALK_E_UNAVAILABLE);
    CHECK(std::string(result.message).find("went away") != std::string::npos);
    CHECK(noticed < 5);
    // The pusher sees the failure too, and sampling still serves what arrived.
    const auto push_deadline = std::chrono::steady_clock::now();
    while (pusher.last == FTALK_OK && seconds_since(push_deadline) < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(pusher.last == FTALK_E_UNAVAILABLE);
    float w[64];
    CHECK_STATUS(ftalk_stream_sample(stream, 0.3, w, 64, nullptr, 0), FTALK_OK);
  }
  auto start = std::chrono::steady_clock::now();
  REQUIRE_OK(ftalk_stream_close(stream));
  CHECK(seconds_since(start) < 1);

  // While the server is down: a new stream fails within the connect timeout, not later.
  start = std::chrono::steady_clock::now();
  stream = open_stream(client, wav.sample_rate);
  CHECK(ftalk_stream_wait(stream, 10000) == FTALK_DONE);
  const double failed_after = seconds_since(start);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FAILED && result.error == FTALK_E_UNAVAILABLE);
  CHECK(failed_after < 2.0 + 1.0);
  REQUIRE_OK(ftalk_stream_close(stream));
  ftalk_connection_state state;
  REQUIRE_OK(ftalk_client_connection_state(client, &state));
  CHECK(state == FTALK_CONNECTION_TRANSIENT_FAILURE || state == FTALK_CONNECTION_CONNECTING || state == FTALK_CONNECTION_IDLE);

  // The server comes back on the same port: the same client streams again.
  ServerOptions again;
  again.port = port;
  Server restarted(again);
  start = std::chrono::steady_clock::now();
  check_full_round_trip(client, wav);
  std::fprintf(stderr, "  first stream after the restart done in %.2f s\n", seconds_since(start));
  REQUIRE_OK(ftalk_client_connection_state(client, &state));
  CHECK(state == FTALK_CONNECTION_READY);
  REQUIRE_OK(ftalk_client_close(client));
}

TEST_CASE(server_shutting_down_ends_the_stream_with_ftalk_e_shutdown) {
  const Wav wav = speech_wav("The server is going away for maintenance, so this stream must end cleanly.", "shutdown");
  ServerOptions options;
  options.drain_seconds = 0.2;
  options.grace_seconds = 0.5;
  Server server(options);
  ftalk_client* client = make_client(server.address());
  ftalk_stream* stream = open_stream(client, wav.sample_rate);
  {
    RealTimePusher pusher(stream, wav);
    wait_for_frames(stream, 20);
    ftalk_stream_result result;

    std::thread stopper([&server] { server.stop_gracefully(); });  // drain, grace, then CODE_SHUTDOWN
    REQUIRE(ftalk_stream_wait(stream, 15000) == FTALK_DONE);
    stopper.join();
    REQUIRE_OK(ftalk_stream_result_get(stream, &result));
    std::fprintf(stderr, "  %s: %s\n", ftalk_status_name(result.error), result.message);
    CHECK(result.state == FTALK_STREAM_FAILED);
    CHECK(result.error == FTALK_E_SHUTDOWN);
    CHECK(std::string(ftalk_status_name(result.error)) == "FTALK_E_SHUTDOWN");
    CHECK(std::string(result.message).find("shutting down") != std::string::npos);
    // The server's closing status counts every frame it sent, and all of them arrived.
    CHECK(result.frames > 0 && result.frames_received == result.frames);
    const auto push_deadline = std::chrono::steady_clock::now();
    while (pusher.last == FTALK_OK && seconds_since(push_deadline) < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(pusher.last == FTALK_E_SHUTDOWN);
    float w[64];
    CHECK_STATUS(ftalk_stream_sample(stream, 0.3, w, 64, nullptr, 0), FTALK_OK);
  }
  REQUIRE_OK(ftalk_stream_close(stream));
  REQUIRE_OK(ftalk_client_close(client));
}

TEST_CASE(token_and_tls_with_a_self_signed_certificate) {
  if (shell("command -v openssl >/dev/null 2>&1") != 0) throw Skip("openssl is not installed (tools/setup.sh)");
  const std::string dir = temp_dir();
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  REQUIRE(shell("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                " -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1") == 0);
  const std::string pem = read_file(cert);
  ServerOptions options;
  options.token = "s3cret-token";
  options.tls_cert = cert;
  options.tls_key = key;
  options.max_streams = 1;
  Server server(options);
  const Wav wav = speech_wav("Secure channel test.", "secure");

  // The right root and token: everything works.
  ftalk_client* good = make_client(server.address(), "s3cret-token", pem.c_str());
  REQUIRE_OK(ftalk_client_connect(good));
  check_full_round_trip(good, wav);

  // The stream limit (1): a second concurrent stream is refused with RESOURCE_EXHAUSTED.
  ftalk_stream* first = open_stream(good, 16000);
  REQUIRE_OK(ftalk_stream_wait_ready(first, 30000));
  ftalk_stream* second = open_stream(good, 16000);
  CHECK_STATUS(ftalk_stream_wait_ready(second, 30000), FTALK_E_RESOURCE_EXHAUSTED);
  std::fprintf(stderr, "  second stream: %s\n", ftalk_last_error());
  REQUIRE_OK(ftalk_stream_close(second));
  REQUIRE_OK(ftalk_stream_close(first));

  // No token, a wrong token: UNAUTHENTICATED for calls and streams; health stays open.
  for (const char* token : {static_cast<const char*>(nullptr), "wrong"}) {
    ftalk_client* client = make_client(server.address(), token, pem.c_str());
    CHECK_STATUS(ftalk_client_connect(client), FTALK_E_UNAUTHENTICATED);
    std::fprintf(stderr, "  token %s: %s\n", token ? token : "(none)", ftalk_last_error());
    ftalk_health health;
    CHECK_STATUS(ftalk_client_health(client, nullptr, &health), FTALK_OK);
    CHECK(health == FTALK_HEALTH_SERVING);
    ftalk_stream* stream = open_stream(client, 16000);
    CHECK_STATUS(ftalk_stream_wait_ready(stream, 30000), FTALK_E_UNAUTHENTICATED);
    REQUIRE_OK(ftalk_stream_close(stream));
    ftalk_clip* clip = nullptr;
    CHECK_STATUS(ftalk_animate_clip(client, wav.bytes.data(), wav.bytes.size(), nullptr, &clip), FTALK_E_UNAUTHENTICATED);
    ftalk_client_close(client);
  }

  // TLS without trusting the self-signed root: a TLS error, within the connect timeout.
  ftalk_client_config config;
  ftalk_client_config_init(&config);
  const std::string address = server.address();
  config.address = address.c_str();
  config.use_tls = 1;
  config.token = "s3cret-token";
  config.connect_timeout_ms = 1000;
  ftalk_client* untrusting = nullptr;
  REQUIRE_OK(ftalk_client_create(&config, &untrusting));
  // The transport's own log lines reach a log callback (an engine's log) when one is set.
  static std::atomic<int> log_lines{0};
  REQUIRE_OK(ftalk_set_log_callback([](void*, ftalk_log_level, const char*) { ++log_lines; }, nullptr, FTALK_LOG_ERROR));
  auto start = std::chrono::steady_clock::now();
  CHECK_STATUS(ftalk_client_connect(untrusting), FTALK_E_TLS);
  REQUIRE_OK(ftalk_set_log_callback(nullptr, nullptr, FTALK_LOG_ERROR));
  CHECK(log_lines > 0);
  std::fprintf(stderr, "  untrusted certificate: %s\n", ftalk_last_error());
  CHECK(seconds_since(start) < 3);
  ftalk_client_close(untrusting);

  // The right root but a name the certificate does not carry.
  config.tls_root_cert_pem = pem.c_str();
  config.tls_server_name = "somebody-else.example";
  REQUIRE_OK(ftalk_client_create(&config, &untrusting));
  CHECK_STATUS(ftalk_client_connect(untrusting), FTALK_E_TLS);
  ftalk_client_close(untrusting);

  // Plain text to a TLS port.
  ftalk_client* plain = make_client(server.address(), "s3cret-token", nullptr, 1000);
  const ftalk_status s = ftalk_client_connect(plain);
  std::fprintf(stderr, "  plain text to TLS: %s: %s\n", ftalk_status_name(s), ftalk_last_error());
  CHECK(s == FTALK_E_UNAVAILABLE || s == FTALK_E_PROTOCOL);
  ftalk_client_close(plain);
  ftalk_client_close(good);
}

int main(int argc, char** argv) { return harness::run(argc, argv); }
