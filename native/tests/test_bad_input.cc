// Bad input never crashes: null handles, wrong sizes, calls after close, a push after end, an
// unreachable server and servers that are not ours each give an error code and a message.
#include <atomic>
#include <memory>
#include <thread>

#include "harness.h"

using namespace harness;

namespace {

#define CHECK_ERROR(expr, expected)                                                       \
  do {                                                                                    \
    CHECK_STATUS(expr, expected);                                                         \
    if (std::strlen(ftalk_last_error()) == 0) {                                           \
      std::fprintf(stderr, "  FAILED %s:%d: %s left no message\n", __FILE__, __LINE__, #expr); \
      ++harness::failures();                                                              \
    }                                                                                     \
    if (ftalk_last_error_code() != (expected)) {                                          \
      std::fprintf(stderr, "  FAILED %s:%d: ftalk_last_error_code() after %s\n", __FILE__, __LINE__, #expr); \
      ++harness::failures();                                                              \
    }                                                                                     \
  } while (0)

Server& server() {
  static std::unique_ptr<Server> s;
  if (!s) s = std::make_unique<Server>();
  return *s;
}

/// A stream that has its header, so that sizes are known.
ftalk_stream* ready_stream(ftalk_client* client, ftalk_stream_config* config = nullptr) {
  ftalk_stream_config local;
  if (!config) {
    ftalk_stream_config_init(&local);
    config = &local;
  }
  ftalk_stream* stream = nullptr;
  if (ftalk_stream_open(client, config, &stream) != FTALK_OK) throw std::runtime_error(ftalk_last_error());
  if (ftalk_stream_wait_ready(stream, 60000) != FTALK_OK) throw std::runtime_error(ftalk_last_error());
  return stream;
}

/// A process that prints its port on a line with `marker`, then serves until killed.
struct Peer {
  Process process;
  std::string address;
  Peer(const std::vector<std::string>& argv, const std::string& marker) {
    process.start(argv);
    const std::string line = process.wait_for_line(marker, 60);
    if (line.empty()) throw std::runtime_error("peer did not start: " + argv[0]);
    address = "127.0.0.1:" + line.substr(line.rfind(' ') + 1);
  }
};

std::string venv_python() {
  const std::string python = std::string(FTALK_REPO_ROOT) + "/.venv/bin/python";
  if (!file_exists(python)) throw Skip("no " + python + " (run tools/setup.sh)");
  return python;
}

}  // namespace

TEST_CASE(null_handles_and_arguments) {
  ftalk_client_config config;
  CHECK_ERROR(ftalk_client_config_init(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_config_init(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_animation_options_init(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_speak_request_init(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_head_request_init(nullptr), FTALK_E_INVALID_ARGUMENT);
  ftalk_client* client = nullptr;
  CHECK_ERROR(ftalk_client_create(nullptr, &client), FTALK_E_INVALID_ARGUMENT);
  ftalk_client_config_init(&config);
  CHECK_ERROR(ftalk_client_create(&config, nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_client_create(&config, &client), FTALK_E_INVALID_ARGUMENT);  // no address
  CHECK(client == nullptr);
  config.address = "127.0.0.1:1";
  config.struct_size = 4;
  CHECK_ERROR(ftalk_client_create(&config, &client), FTALK_E_INVALID_ARGUMENT);
  ftalk_client_config_init(&config);
  config.address = "127.0.0.1:1";
  config.tls_root_cert_pem = "this is not a certificate";
  CHECK_ERROR(ftalk_client_create(&config, &client), FTALK_E_TLS);
  config.tls_root_cert_pem = nullptr;
  config.token = "two\nlines";
  CHECK_ERROR(ftalk_client_create(&config, &client), FTALK_E_INVALID_ARGUMENT);

  ftalk_stream* stream = nullptr;
  ftalk_stream_config stream_config;
  ftalk_stream_config_init(&stream_config);
  float w[64];
  ftalk_quat j[8];
  ftalk_health health;
  ftalk_server_info* info;
  ftalk_clip* clip;
  ftalk_head* head;
  ftalk_head_request head_request;
  ftalk_head_request_init(&head_request);
  ftalk_speak_request speak;
  ftalk_speak_request_init(&speak);
  ftalk_animation_header header;
  ftalk_stream_result result;
  ftalk_viseme viseme;
  size_t n;
  CHECK_ERROR(ftalk_client_connect(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_client_close(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_client_health(nullptr, nullptr, &health), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_client_server_info(nullptr, &info), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_server_info_free(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_open(nullptr, &stream_config, &stream), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_push(nullptr, w, 4), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_interrupt(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_end(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_wait(nullptr, 0), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_wait_ready(nullptr, 0), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_header(nullptr, &header), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_result_get(nullptr, &result), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_sample(nullptr, 0.0, w, 64, j, 8), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_poll_viseme(nullptr, &viseme), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_read_audio(nullptr, w, sizeof w, &n), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_close(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_speak(nullptr, &speak, &stream), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_animate_clip(nullptr, w, sizeof w, nullptr, &clip), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_clip_free(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_create_head(nullptr, &head_request, &head), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_head_free(nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK(ftalk_last_error_grpc_code() == -1);
  CHECK(std::string(ftalk_status_name(FTALK_E_UNAVAILABLE)) == "FTALK_E_UNAVAILABLE");
  CHECK(std::string(ftalk_status_name(ftalk_status(-20))) == "FTALK_UNKNOWN_STATUS");
  CHECK(ftalk_abi_version() == FTALK_ABI_VERSION && std::string(ftalk_version()) == FTALK_VERSION_STRING);
  CHECK(std::string(ftalk_angle_name(0)) == "HeadYaw" && ftalk_angle_name(9) == nullptr);
  CHECK_ERROR(ftalk_set_log_callback(nullptr, nullptr, ftalk_log_level(7)), FTALK_E_INVALID_ARGUMENT);

  // Null outputs and arguments on a live client (no network needed for these).
  client = make_client("127.0.0.1:1", nullptr, nullptr, 200);
  CHECK_ERROR(ftalk_client_health(client, nullptr, nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_open(client, nullptr, &stream), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_open(client, &stream_config, nullptr), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_speak(client, &speak, &stream), FTALK_E_INVALID_ARGUMENT);  // no text
  CHECK_ERROR(ftalk_animate_clip(client, nullptr, 10, nullptr, &clip), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_animate_clip(client, w, 0, nullptr, &clip), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_animate_pcm(client, w, 3, FTALK_AUDIO_PCM_S16LE, 16000, 1, nullptr, &clip), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_animate_pcm(client, w, 4, FTALK_AUDIO_UNSPECIFIED, 16000, 1, nullptr, &clip), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_animate_pcm(client, w, 4, FTALK_AUDIO_PCM_S16LE, 16000, 3, nullptr, &clip), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_create_head(client, &head_request, &head), FTALK_E_INVALID_ARGUMENT);  // no image
  head_request.image = w;
  head_request.image_size = 4;
  head_request.parts = 1u << 9;
  CHECK_ERROR(ftalk_create_head(client, &head_request, &head), FTALK_E_INVALID_ARGUMENT);
  ftalk_animation_options options;
  ftalk_animation_options_init(&options);
  options.emotion_count = 2;  // but no arrays
  CHECK_ERROR(ftalk_animate_clip(client, w, sizeof w, &options, &clip), FTALK_E_INVALID_ARGUMENT);
  ftalk_animation_options_init(&options);
  options.rig = ftalk_rig_profile(99);
  CHECK_ERROR(ftalk_animate_clip(client, w, sizeof w, &options, &clip), FTALK_E_INVALID_ARGUMENT);

  // Stream configs the library refuses before any network.
  stream_config.sample_rate_hz = 100;
  CHECK_ERROR(ftalk_stream_open(client, &stream_config, &stream), FTALK_E_INVALID_ARGUMENT);
  ftalk_stream_config_init(&stream_config);
  stream_config.channels = 3;
  CHECK_ERROR(ftalk_stream_open(client, &stream_config, &stream), FTALK_E_INVALID_ARGUMENT);
  ftalk_stream_config_init(&stream_config);
  stream_config.encoding = FTALK_AUDIO_UNSPECIFIED;
  CHECK_ERROR(ftalk_stream_open(client, &stream_config, &stream), FTALK_E_INVALID_ARGUMENT);
  ftalk_stream_config_init(&stream_config);
  stream_config.struct_size = 8;
  CHECK_ERROR(ftalk_stream_open(client, &stream_config, &stream), FTALK_E_INVALID_ARGUMENT);
  CHECK(stream == nullptr);
  REQUIRE_OK(ftalk_client_close(client));
}

TEST_CASE(closed_stale_and_foreign_handles) {
  ftalk_client* client = make_client("127.0.0.1:1", nullptr, nullptr, 200);
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  REQUIRE_OK(ftalk_stream_close(stream));
  float w[64];
  ftalk_quat j[8];
  CHECK_ERROR(ftalk_stream_push(stream, w, 4), FTALK_E_CLOSED);
  CHECK_ERROR(ftalk_stream_sample(stream, 0.0, w, 64, j, 8), FTALK_E_CLOSED);
  CHECK_ERROR(ftalk_stream_end(stream), FTALK_E_CLOSED);
  CHECK_ERROR(ftalk_stream_close(stream), FTALK_E_CLOSED);
  // A client handle is not a stream handle, and a made-up pointer is no handle.
  CHECK_ERROR(ftalk_stream_push(reinterpret_cast<ftalk_stream*>(client), w, 4), FTALK_E_CLOSED);
  CHECK_ERROR(ftalk_client_connect(reinterpret_cast<ftalk_client*>(uintptr_t(0xdeadbeef))), FTALK_E_CLOSED);
  CHECK_ERROR(ftalk_clip_free(reinterpret_cast<ftalk_clip*>(&w)), FTALK_E_CLOSED);
  // A stream outlives its client handle.
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  REQUIRE_OK(ftalk_client_close(client));
  CHECK_ERROR(ftalk_client_close(client), FTALK_E_CLOSED);
  ftalk_server_info* info;
  CHECK_ERROR(ftalk_client_server_info(client, &info), FTALK_E_CLOSED);
  CHECK_STATUS(ftalk_stream_push(stream, w, 4), FTALK_OK);
  REQUIRE_OK(ftalk_stream_close(stream));
}

TEST_CASE(unreachable_server_fails_within_the_timeout) {
  ftalk_client* client = make_client("127.0.0.1:1", nullptr, nullptr, 500);
  auto start = std::chrono::steady_clock::now();
  CHECK_ERROR(ftalk_client_connect(client), FTALK_E_UNAVAILABLE);
  const double took = seconds_since(start);
  std::fprintf(stderr, "  connect: %.2f s: %s\n", took, ftalk_last_error());
  CHECK(took < 3.0);
  CHECK(std::string(ftalk_last_error()).find("127.0.0.1:1") != std::string::npos);
  ftalk_server_info* info = nullptr;
  CHECK_ERROR(ftalk_client_server_info(client, &info), FTALK_E_UNAVAILABLE);
  ftalk_health health;
  CHECK_ERROR(ftalk_client_health(client, nullptr, &health), FTALK_E_UNAVAILABLE);
  // A stream fails by itself; push then reports the failure.
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  ftalk_stream* stream = nullptr;
  start = std::chrono::steady_clock::now();
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  CHECK(seconds_since(start) < 0.1);  // open never waits for the network
  CHECK(ftalk_stream_wait(stream, 5000) == FTALK_DONE);
  CHECK(seconds_since(start) < 3.0);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FAILED && result.error == FTALK_E_UNAVAILABLE && std::strlen(result.message) > 0);
  int16_t pcm[160] = {0};
  CHECK_ERROR(ftalk_stream_push(stream, pcm, sizeof pcm), FTALK_E_UNAVAILABLE);
  CHECK_ERROR(ftalk_stream_wait_ready(stream, 10), FTALK_E_UNAVAILABLE);
  REQUIRE_OK(ftalk_stream_close(stream));
  // Closing while it is still trying to connect returns at once.
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  start = std::chrono::steady_clock::now();
  REQUIRE_OK(ftalk_stream_close(stream));
  CHECK(seconds_since(start) < 0.5);
  REQUIRE_OK(ftalk_client_close(client));
  // A name that does not resolve.
  client = make_client("no-such-host.invalid:50051", nullptr, nullptr, 500);
  CHECK_ERROR(ftalk_client_connect(client), FTALK_E_UNAVAILABLE);
  REQUIRE_OK(ftalk_client_close(client));
}

TEST_CASE(servers_that_are_not_ours) {
  const std::string python = venv_python();
  // A web server.
  Peer web({python, "-u", "-c",
            "import http.server as h, socketserver as s\n"
            "h.SimpleHTTPRequestHandler.log_message = lambda *args: None\n"
            "srv = s.TCPServer(('127.0.0.1', 0), h.SimpleHTTPRequestHandler)\n"
            "print('port', srv.server_address[1], flush=True)\n"
            "srv.serve_forever()\n"},
           "port");
  ftalk_client* client = make_client(web.address, nullptr, nullptr, 1000);
  const auto start = std::chrono::steady_clock::now();
  const ftalk_status s = ftalk_client_connect(client);
  std::fprintf(stderr, "  web server: %s after %.2f s: %s\n", ftalk_status_name(s), seconds_since(start), ftalk_last_error());
  CHECK(s == FTALK_E_PROTOCOL);
  CHECK(seconds_since(start) < 5);
  ftalk_client_close(client);

  // A gRPC server that serves something else.
  Peer other({python, "-u", "-c",
              "import grpc, time\n"
              "from concurrent import futures\n"
              "from grpc_health.v1 import health, health_pb2_grpc\n"
              "srv = grpc.server(futures.ThreadPoolExecutor(2))\n"
              "health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), srv)\n"
              "port = srv.add_insecure_port('127.0.0.1:0')\n"
              "srv.start()\n"
              "print('port', port, flush=True)\n"
              "srv.wait_for_termination()\n"},
             "port");
  client = make_client(other.address, nullptr, nullptr, 5000);
  CHECK_ERROR(ftalk_client_connect(client), FTALK_E_PROTOCOL);
  std::fprintf(stderr, "  other gRPC server: %s\n", ftalk_last_error());
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  CHECK(ftalk_stream_wait(stream, 10000) == FTALK_DONE);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FAILED && result.error == FTALK_E_PROTOCOL);
  REQUIRE_OK(ftalk_stream_close(stream));
  int16_t pcm[160] = {0};
  ftalk_clip* clip = nullptr;
  CHECK_ERROR(ftalk_animate_pcm(client, pcm, sizeof pcm, FTALK_AUDIO_PCM_S16LE, 16000, 1, nullptr, &clip), FTALK_E_PROTOCOL);
  ftalk_client_close(client);

  // A TCP server that answers garbage and hangs up.
  Peer garbage({python, "-u", "-c",
                "import socket\n"
                "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
                "print('port', s.getsockname()[1], flush=True)\n"
                "while True:\n"
                "    c, _ = s.accept(); c.sendall(b'SSH-2.0-OpenSSH_9.2\\r\\n' * 50); c.close()\n"},
               "port");
  client = make_client(garbage.address, nullptr, nullptr, 1000);
  const ftalk_status g = ftalk_client_connect(client);
  std::fprintf(stderr, "  garbage server: %s: %s\n", ftalk_status_name(g), ftalk_last_error());
  CHECK(g == FTALK_E_PROTOCOL && std::strlen(ftalk_last_error()) > 0);
  ftalk_client_close(client);
}

TEST_CASE(stream_misuse_with_a_real_server) {
  ftalk_client* client = make_client(server().address());
  ftalk_stream* stream = ready_stream(client);
  ftalk_animation_header header;
  REQUIRE_OK(ftalk_stream_header(stream, &header));
  std::vector<float> w(header.curve_count);
  std::vector<ftalk_quat> j(header.joint_count);
  float angles[9];
  // Wrong sizes.
  CHECK_ERROR(ftalk_stream_sample(stream, 0.0, w.data(), 10, j.data(), j.size()), FTALK_E_BUFFER_TOO_SMALL);
  CHECK_ERROR(ftalk_stream_sample(stream, 0.0, w.data(), w.size(), j.data(), 2), FTALK_E_BUFFER_TOO_SMALL);
  CHECK_ERROR(ftalk_stream_sample_ex(stream, 0.0, nullptr, 0, nullptr, 0, angles, 3, nullptr), FTALK_E_BUFFER_TOO_SMALL);
  CHECK_ERROR(ftalk_stream_sample(stream, 0.0, nullptr, 52, nullptr, 0), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_sample(stream, std::nan(""), w.data(), w.size(), nullptr, 0), FTALK_E_INVALID_ARGUMENT);
  CHECK_ERROR(ftalk_stream_sample(stream, INFINITY, w.data(), w.size(), nullptr, 0), FTALK_E_INVALID_ARGUMENT);
  // Only the weights, only the joints: fine.
  CHECK(ftalk_stream_sample(stream, 0.0, w.data(), w.size(), nullptr, 0) >= 0);
  CHECK(ftalk_stream_sample(stream, 0.0, nullptr, 0, j.data(), j.size()) >= 0);
  int16_t pcm[1600] = {0};
  CHECK_ERROR(ftalk_stream_push(stream, pcm, 3), FTALK_E_INVALID_ARGUMENT);  // half a sample
  CHECK_ERROR(ftalk_stream_push(stream, nullptr, 2), FTALK_E_INVALID_ARGUMENT);
  CHECK_STATUS(ftalk_stream_push(stream, nullptr, 0), FTALK_OK);
  size_t n;
  CHECK_ERROR(ftalk_stream_read_audio(stream, pcm, sizeof pcm, &n), FTALK_E_STATE);
  ftalk_speech_info speech;
  CHECK_ERROR(ftalk_stream_speech_info(stream, &speech), FTALK_E_STATE);
  REQUIRE_OK(ftalk_stream_push(stream, pcm, sizeof pcm));
  REQUIRE_OK(ftalk_stream_end(stream));
  CHECK_ERROR(ftalk_stream_push(stream, pcm, sizeof pcm), FTALK_E_STATE);  // after end
  CHECK_ERROR(ftalk_stream_end(stream), FTALK_E_STATE);
  CHECK(ftalk_stream_wait(stream, 30000) == FTALK_DONE);
  ftalk_frame frame;
  REQUIRE_OK(ftalk_stream_frame(stream, 0, w.data(), w.size(), j.data(), j.size(), angles, 9, &frame));
  CHECK_ERROR(ftalk_stream_frame(stream, 0, w.data(), 5, nullptr, 0, nullptr, 0, &frame), FTALK_E_BUFFER_TOO_SMALL);
  CHECK_STATUS(ftalk_stream_frame(stream, 999999, w.data(), w.size(), nullptr, 0, nullptr, 0, &frame), FTALK_NOT_READY);
  CHECK_ERROR(ftalk_stream_push(stream, pcm, sizeof pcm), FTALK_E_STATE);  // after the stream finished
  REQUIRE_OK(ftalk_stream_close(stream));

  // A full send queue says so instead of growing without bound.
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.max_queued_bytes = 1000;
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  CHECK_ERROR(ftalk_stream_push(stream, pcm, sizeof pcm), FTALK_E_BUSY);
  REQUIRE_OK(ftalk_stream_close(stream));
  ftalk_client_close(client);
}

TEST_CASE(the_server_rejects_bad_requests) {
  ftalk_client* client = make_client(server().address());
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.options.fps = 500;
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_stream_open(client, &config, &stream));
  CHECK_ERROR(ftalk_stream_wait_ready(stream, 30000), FTALK_E_REJECTED);
  std::fprintf(stderr, "  fps 500: %s\n", ftalk_last_error());
  CHECK(ftalk_last_error_grpc_code() == 3);  // INVALID_ARGUMENT
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FAILED && result.error == FTALK_E_REJECTED);
  CHECK(std::string(result.message).find("fps") != std::string::npos);
  REQUIRE_OK(ftalk_stream_close(stream));

  const char garbage[] = "this is not an audio file, whatever its name says";
  ftalk_clip* clip = nullptr;
  CHECK_ERROR(ftalk_animate_clip(client, garbage, sizeof garbage, nullptr, &clip), FTALK_E_REJECTED);
  CHECK(clip == nullptr);
  ftalk_animation_options options;
  ftalk_animation_options_init(&options);
  options.lookahead_ms = 9999;
  int16_t pcm[1600] = {0};
  CHECK_ERROR(ftalk_animate_pcm(client, pcm, sizeof pcm, FTALK_AUDIO_PCM_S16LE, 16000, 1, &options, &clip), FTALK_E_REJECTED);
  CHECK_ERROR(ftalk_animate_pcm(client, pcm, sizeof pcm, FTALK_AUDIO_PCM_S16LE, 1000, 1, nullptr, &clip), FTALK_E_REJECTED);

  ftalk_speak_request speak;
  ftalk_speak_request_init(&speak);
  std::string long_text(6000, 'a');
  speak.text = long_text.c_str();
  REQUIRE_OK(ftalk_speak(client, &speak, &stream));
  CHECK(ftalk_stream_wait(stream, 30000) == FTALK_DONE);
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FAILED && result.error == FTALK_E_REJECTED);
  REQUIRE_OK(ftalk_stream_close(stream));
  ftalk_client_close(client);
}

TEST_CASE(threads_push_sample_and_close_at_once) {
  ftalk_client* client = make_client(server().address());
  for (int round = 0; round < 3; ++round) {
    ftalk_stream* stream = ready_stream(client);
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int p = 0; p < 2; ++p)
      threads.emplace_back([&] {
        int16_t pcm[320] = {0};
        while (!stop) {
          ftalk_stream_push(stream, pcm, sizeof pcm);
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      });
    threads.emplace_back([&] {
      float w[64];
      ftalk_quat j[8];
      double t = 0;
      while (!stop) {
        ftalk_stream_sample(stream, t, w, 64, j, 8);
        t += 0.001;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 200 * round));
    // Two threads close at once while the others are at it: one closes, the other finds it closed.
    std::atomic<int> closed_ok{0}, closed_already{0};
    std::thread other_closer([&] {
      const ftalk_status s = ftalk_stream_close(stream);
      (s == FTALK_OK ? closed_ok : closed_already)++;
    });
    const ftalk_status s = ftalk_stream_close(stream);
    (s == FTALK_OK ? closed_ok : closed_already)++;
    other_closer.join();
    CHECK(closed_ok >= 1 && closed_ok + closed_already == 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
    for (auto& t : threads) t.join();
  }
  // Closing from the stream's own callback is refused, not a deadlock.
  struct Self {
    ftalk_stream* stream = nullptr;
    std::atomic<int> status{1};
  } self;
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.callbacks.user_data = &self;
  config.callbacks.on_frame = [](void* user, const ftalk_frame*) {
    auto* s = static_cast<Self*>(user);
    if (s->status == 1 && s->stream) s->status = ftalk_stream_close(s->stream);
  };
  REQUIRE_OK(ftalk_stream_open(client, &config, &self.stream));
  int16_t pcm[16000] = {0};
  REQUIRE_OK(ftalk_stream_push(self.stream, pcm, sizeof pcm));
  REQUIRE_OK(ftalk_stream_end(self.stream));
  CHECK(ftalk_stream_wait(self.stream, 30000) == FTALK_DONE);
  CHECK(self.status == FTALK_E_STATE);
  REQUIRE_OK(ftalk_stream_close(self.stream));
  ftalk_client_close(client);
}

int main(int argc, char** argv) { return harness::run(argc, argv); }
