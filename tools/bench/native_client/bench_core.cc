// bench_core: what the native client core costs a game, against a running server.
//
//   bench_core --address HOST:PORT [--streams 4] [--seconds 10]
//
// 1. ftalk_stream_sample: ns per call (52 curves + 5 joints, interpolating), through the C API
//    and, for the breakdown, the frame buffer alone. It runs every game frame.
// 2. CPU per real-time stream: N streams send 20 ms chunks in real time; this process's CPU time
//    (getrusage) over the streaming phase / (N × seconds), as a share of one core.
// 3. Added latency: frame handed over by gRPC (Read returns) → visible to ftalk_stream_sample,
//    seen by a sampling thread that polls every stream every 50 µs. Links the core statically
//    (white box) to read each frame's receive time.
//
// Prints one line per figure and a JSON line at the end. No assertions: a benchmark, not a test.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "client.h"
#include "ftalk_client.h"
#include "internal.h"
#include "stream.h"

using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q / 100.0 * double(v.size() - 1) + 0.5))];
}

double median(std::vector<double> v) { return percentile(std::move(v), 50); }

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_core: %s: %s\n", what, ftalk_last_error());
  std::exit(1);
}

std::vector<int16_t> voiced(double seconds) {
  std::vector<int16_t> pcm(size_t(seconds * 16000));
  for (size_t i = 0; i < pcm.size(); ++i) {
    const double t = double(i) / 16000;
    pcm[i] = int16_t(9000 * std::max(0.0, std::sin(2 * M_PI * 4 * t)) * std::sin(2 * M_PI * 140 * t));
  }
  return pcm;
}

ftalk_stream* open(ftalk_client* client) {
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.idle_after_ms = 10000;
  ftalk_stream* s = nullptr;
  if (ftalk_stream_open(client, &config, &s) != FTALK_OK) die("open");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address;
  int streams = 4;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--address") address = argv[i + 1];
    else if (flag == "--streams") streams = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  if (address.empty()) {
    std::fprintf(stderr, "usage: bench_core --address HOST:PORT [--streams 4] [--seconds 10]\n");
    return 2;
  }
  std::printf("load average before: %.2f (the machine is shared: figures are indicative)\n", [] {
    double l[1];
    return getloadavg(l, 1) == 1 ? l[0] : NAN;
  }());
  ftalk_client_config cc;
  ftalk_client_config_init(&cc);
  cc.address = address.c_str();
  ftalk_client* client = nullptr;
  if (ftalk_client_create(&cc, &client) != FTALK_OK || ftalk_client_connect(client) != FTALK_OK) die("connect");

  // 1. The cost of a sample.
  const std::vector<int16_t> ten = voiced(10);
  ftalk_stream* s = open(client);
  if (ftalk_stream_push(s, ten.data(), ten.size() * 2) != FTALK_OK || ftalk_stream_end(s) != FTALK_OK) die("push");
  if (ftalk_stream_wait(s, 60000) != FTALK_DONE) die("wait");
  ftalk_animation_header header;
  if (ftalk_stream_header(s, &header) != FTALK_OK) die("header");
  std::vector<float> w(header.curve_count);
  std::vector<ftalk_quat> j(header.joint_count);
  constexpr int kCalls = 500000;
  std::vector<double> api_ns, buffer_ns;
  auto stream_object = ftalk::Registry::instance().get<ftalk::Stream>(reinterpret_cast<uintptr_t>(s));
  ftalk::SampleOut out{w.data(), w.size(), reinterpret_cast<ftalk::Quat*>(j.data()), j.size(), nullptr, 0};
  volatile float sink = 0;
  for (int round = 0; round < 5; ++round) {
    auto t0 = Clock::now();
    for (int i = 0; i < kCalls; ++i) {
      ftalk_stream_sample(s, 9.9 * double(i % 1000) / 1000.0 + 0.0123, w.data(), w.size(), j.data(), j.size());
      sink = sink + w[17];
    }
    api_ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kCalls);
    t0 = Clock::now();
    ftalk::SampleInfo info;
    for (int i = 0; i < kCalls; ++i) {
      stream_object->buffer().sample(9.9 * double(i % 1000) / 1000.0 + 0.0123, out, &info);
      sink = sink + w[17];
    }
    buffer_ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kCalls);
  }
  stream_object.reset();
  ftalk_stream_close(s);
  std::printf("ftalk_stream_sample (%zu curves + %zu joints, interpolating): median %.0f ns/call over 5 x %d calls "
              "(frame buffer alone %.0f ns; the rest is handle lookup and size checks)\n",
              header.curve_count, header.joint_count, median(api_ns), kCalls, median(buffer_ns));

  // 2. CPU per real-time stream (no sampling thread in this phase).
  const std::vector<int16_t> audio = voiced(seconds);
  const size_t chunk = 320;  // 20 ms at 16 kHz
  auto run_real_time = [&](std::vector<ftalk_stream*>& open_streams, std::atomic<bool>* stop_poller) {
    const auto start = Clock::now();
    for (size_t k = 0; k * chunk < audio.size(); ++k) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t(k) * 20000));
      for (auto* st : open_streams)
        if (ftalk_stream_push(st, audio.data() + k * chunk, std::min(chunk, audio.size() - k * chunk) * 2) != FTALK_OK)
          die("push");
    }
    for (auto* st : open_streams) ftalk_stream_end(st);
    for (auto* st : open_streams) ftalk_stream_wait(st, 60000);
    if (stop_poller) *stop_poller = true;
  };
  std::vector<ftalk_client*> clients;
  std::vector<ftalk_stream*> open_streams;
  for (int i = 0; i < streams; ++i) {
    ftalk_client* c = nullptr;
    if (ftalk_client_create(&cc, &c) != FTALK_OK || ftalk_client_connect(c) != FTALK_OK) die("connect");
    clients.push_back(c);
    open_streams.push_back(open(c));
    if (ftalk_stream_wait_ready(open_streams.back(), 30000) != FTALK_OK) die("ready");
  }
  const double cpu0 = cpu_seconds();
  const auto wall0 = Clock::now();
  run_real_time(open_streams, nullptr);
  const double cpu = cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  const double per_stream = cpu / (streams * wall);
  std::printf("CPU per real-time stream: %.2f%% of one core (%d streams x %.1f s: %.3f s CPU in %.1f s; "
              "pacing thread included)\n", 100 * per_stream, streams, seconds, cpu, wall);
  for (auto* st : open_streams) ftalk_stream_close(st);
  open_streams.clear();

  // 3. Added latency: gRPC hands a frame over → visible to ftalk_stream_sample.
  std::vector<std::shared_ptr<ftalk::Stream>> objects;
  for (auto* c : clients) {
    open_streams.push_back(open(c));
    objects.push_back(ftalk::Registry::instance().get<ftalk::Stream>(reinterpret_cast<uintptr_t>(open_streams.back())));
  }
  std::atomic<bool> stop{false};
  std::vector<double> added_us;
  std::thread poller([&] {
    std::vector<uint64_t> next(objects.size(), 0);
    ftalk::Frame frame;
    while (!stop) {
      for (size_t i = 0; i < objects.size(); ++i) {
        uint64_t first = 0, count = 0;
        if (ftalk_stream_frames_held(open_streams[i], &first, &count) != FTALK_OK) continue;
        const int64_t seen = ftalk::now_ns();
        for (; next[i] < first + count; ++next[i])
          if (objects[i]->buffer().frame(next[i], &frame)) added_us.push_back(double(seen - frame.received_ns) / 1000.0);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  run_real_time(open_streams, &stop);
  poller.join();
  std::printf("added latency, gRPC hand-over -> visible to ftalk_stream_sample: p50 %.0f us, p95 %.0f us, max %.0f us "
              "(%zu frames; includes the 50 us polling period)\n",
              percentile(added_us, 50), percentile(added_us, 95), percentile(added_us, 100), added_us.size());
  objects.clear();
  for (auto* st : open_streams) ftalk_stream_close(st);
  for (auto* c : clients) ftalk_client_close(c);
  ftalk_client_close(client);
  std::printf("{\"sample_ns\": %.1f, \"sample_buffer_ns\": %.1f, \"cpu_per_stream_core\": %.5f, \"streams\": %d, "
              "\"seconds\": %.1f, \"added_latency_p50_us\": %.1f, \"added_latency_p95_us\": %.1f}\n",
              median(api_ns), median(buffer_ns), per_stream, streams, seconds, percentile(added_us, 50),
              percentile(added_us, 95));
  return 0;
}
