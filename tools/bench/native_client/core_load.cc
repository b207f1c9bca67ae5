// core_load: tools/bench/stream_load rebuilt on the native client core (libftalk_client's C API).
//
// Same command line, same latency definition and same JSON line as stream_load, so that
// tools/bench/bench_stream.py can run either (--client core / --client cpp) and the two figures
// sit side by side. The difference is what a game gets: every stream is an ftalk_stream with its
// own client (channel, TCP connection), audio goes through ftalk_stream_push, and a frame counts
// as received when the core has put it in the frame buffer that ftalk_stream_sample reads (the
// on_frame callback runs just after that). So latency here includes the core's own work on both
// sides (queue → writer thread → gRPC; gRPC → frame buffer).
//
// Latency of a frame = time it is in the buffer - push time of chunk int(time_s / chunk_s), for
// frames with time_s < audio duration.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <queue>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ftalk_client.h"

using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSampleRate = 16000;

struct Options {
  std::string address;
  int streams = 1;
  double seconds = 0;
  std::string audio_path;
  int chunk_ms = 20;
  int lookahead_ms = 100;
  int fps = 30;
  double spread_s = 1.0;
  int idle_after_ms = 10000;
  std::string latencies_out;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "core_load: " << problem << "\n"
            << "usage: core_load --address HOST:PORT [--streams N] [--seconds S] [--audio FILE.f32]\n"
            << "         [--chunk-ms 20] [--lookahead-ms 100] [--fps 30] [--spread-s 1.0]"
               " [--idle-after-ms 10000] [--latencies-out FILE.f32]\n"
            << "  --audio: raw little-endian float32, 16 kHz mono; repeated or cut to --seconds if given.\n"
            << "  Without --audio, --seconds of a synthetic voiced tone are sent.\n";
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage("missing value for " + flag);
    std::string value = argv[++i];
    if (flag == "--address") o.address = value;
    else if (flag == "--streams") o.streams = std::stoi(value);
    else if (flag == "--seconds") o.seconds = std::stod(value);
    else if (flag == "--audio") o.audio_path = value;
    else if (flag == "--chunk-ms") o.chunk_ms = std::stoi(value);
    else if (flag == "--lookahead-ms") o.lookahead_ms = std::stoi(value);
    else if (flag == "--fps") o.fps = std::stoi(value);
    else if (flag == "--spread-s") o.spread_s = std::stod(value);
    else if (flag == "--idle-after-ms") o.idle_after_ms = std::stoi(value);
    else if (flag == "--latencies-out") o.latencies_out = value;
    else Usage("unknown flag " + flag);
  }
  if (o.address.empty()) Usage("--address is required");
  if (o.streams < 1 || o.chunk_ms < 1 || o.fps < 1) Usage("--streams, --chunk-ms and --fps must be positive");
  if (o.audio_path.empty() && o.seconds <= 0) Usage("give --seconds or --audio");
  return o;
}

std::vector<float> LoadAudio(const Options& o) {
  std::vector<float> audio;
  if (!o.audio_path.empty()) {
    std::ifstream in(o.audio_path, std::ios::binary);
    if (!in) Usage("cannot read " + o.audio_path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    audio.resize(bytes.size() / sizeof(float));
    std::memcpy(audio.data(), bytes.data(), audio.size() * sizeof(float));
    if (audio.empty()) Usage(o.audio_path + " holds no samples");
  }
  if (o.seconds > 0) {
    const size_t n = static_cast<size_t>(o.seconds * kSampleRate);
    if (audio.empty()) {
      audio.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / kSampleRate;
        audio[i] = static_cast<float>(0.3 * std::max(0.0, std::sin(2 * M_PI * 4 * t)) * std::sin(2 * M_PI * 140 * t));
      }
    } else {
      const size_t clip = audio.size();
      audio.resize(n);
      for (size_t i = clip; i < n; ++i) audio[i] = audio[i - clip];
    }
  }
  return audio;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::string JsonString(const std::string& s) {
  std::ostringstream out;
  out << '"';
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') out << '\\' << c;
    else if (c < 0x20) { char buf[8]; std::snprintf(buf, sizeof buf, "\\u%04x", c); out << buf; }
    else out << c;
  }
  out << '"';
  return out.str();
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

/// One stream: its client, its push times and the latencies of its frames.
struct Stream {
  const Options* options;
  double duration_s;
  ftalk_client* client = nullptr;
  ftalk_stream* stream = nullptr;
  std::mutex mutex;
  std::vector<Clock::time_point> sent;  // push time of chunk k
  std::vector<double> latencies_ms;
  std::atomic<uint64_t> frames{0};
  std::string error;
  bool ended = false;

  static void OnFrame(void* user, const ftalk_frame* frame) {
    auto* self = static_cast<Stream*>(user);
    const auto now = Clock::now();
    ++self->frames;
    if (frame->time_s >= self->duration_s) return;
    const size_t chunk = static_cast<size_t>(frame->time_s / (self->options->chunk_ms / 1000.0));
    std::lock_guard<std::mutex> lock(self->mutex);
    if (chunk < self->sent.size()) self->latencies_ms.push_back(Seconds(now - self->sent[chunk]) * 1000);
  }

  bool Start() {
    ftalk_client_config config;
    ftalk_client_config_init(&config);
    config.address = options->address.c_str();
    config.connect_timeout_ms = 10000;
    if (ftalk_client_create(&config, &client) != FTALK_OK) return Fail("client");
    ftalk_stream_config stream_config;
    ftalk_stream_config_init(&stream_config);
    stream_config.encoding = FTALK_AUDIO_PCM_F32LE;
    stream_config.sample_rate_hz = kSampleRate;
    stream_config.idle_after_ms = uint32_t(options->idle_after_ms);
    stream_config.options.fps = uint32_t(options->fps);
    stream_config.options.lookahead_ms = options->lookahead_ms;
    stream_config.callbacks.user_data = this;
    stream_config.callbacks.on_frame = OnFrame;
    if (ftalk_stream_open(client, &stream_config, &stream) != FTALK_OK) return Fail("open");
    return true;
  }

  bool Push(const float* samples, size_t n) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      sent.push_back(Clock::now());
    }
    return ftalk_stream_push(stream, samples, n * sizeof(float)) == FTALK_OK || Fail("push");
  }

  bool Fail(const char* what) {
    if (error.empty()) error = std::string(what) + ": " + ftalk_status_name(ftalk_last_error_code()) + ": " + ftalk_last_error();
    return false;
  }

  bool End() {
    ended = true;
    return ftalk_stream_end(stream) == FTALK_OK || Fail("end");
  }

  void Finish() {
    if (!stream) return;
    if (!ended && error.empty()) End();
    if (ftalk_stream_wait(stream, 120000) != FTALK_DONE && error.empty()) error = "no status within 120 s";
    ftalk_stream_result result;
    ftalk_stream_result_get(stream, &result);
    if (result.state == FTALK_STREAM_FAILED && error.empty())
      error = std::string(ftalk_status_name(result.error)) + ": " + result.message;
  }

  ~Stream() {
    if (stream) ftalk_stream_close(stream);
    if (client) ftalk_client_close(client);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  const std::vector<float> audio = LoadAudio(o);
  const double duration_s = static_cast<double>(audio.size()) / kSampleRate;
  const auto expected_frames = static_cast<uint64_t>(std::ceil(duration_s * o.fps));
  const size_t step = std::max<size_t>(1, static_cast<size_t>(kSampleRate) * o.chunk_ms / 1000);
  const size_t chunks = (audio.size() + step - 1) / step;

  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < o.streams; ++i) {
    streams.push_back(std::make_unique<Stream>());
    streams.back()->options = &o;
    streams.back()->duration_s = duration_s;
  }
  // One pacing thread: (due time, stream, step); step 0 opens, step k+1 pushes chunk k.
  const Clock::time_point t0 = Clock::now();
  const auto chunk = std::chrono::microseconds(static_cast<int64_t>(o.chunk_ms) * 1000);
  struct Due {
    Clock::time_point at;
    int stream;
    size_t step;
    Clock::time_point start;
    bool operator>(const Due& other) const { return at > other.at; }
  };
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> schedule;
  for (int i = 0; i < o.streams; ++i) {
    const auto offset = std::chrono::duration<double>(o.spread_s * i / o.streams);
    schedule.push({t0 + std::chrono::duration_cast<Clock::duration>(offset), i, 0, {}});
  }
  while (!schedule.empty()) {
    Due due = schedule.top();
    schedule.pop();
    std::this_thread::sleep_until(due.at);
    Stream& s = *streams[std::size_t(due.stream)];
    bool ok;
    if (due.step == 0) {
      ok = s.Start();
      due.start = Clock::now();
    } else {
      const size_t k = due.step - 1;
      ok = s.Push(audio.data() + k * step, std::min(step, audio.size() - k * step));
      if (ok && k + 1 == chunks) ok = s.End();  // `end` right after the last chunk, as stream_load does
    }
    const size_t next = due.step + 1;
    if (ok && next <= chunks) schedule.push({due.start + static_cast<long>(next) * chunk, due.stream, next, due.start});
  }
  for (auto& s : streams) s->Finish();
  const double wall_s = Seconds(Clock::now() - t0);
  const double cpu_s = CpuSeconds();

  std::vector<double> latencies;
  std::vector<std::string> errors;
  uint64_t frames = 0;
  for (const auto& s : streams) {
    latencies.insert(latencies.end(), s->latencies_ms.begin(), s->latencies_ms.end());
    frames += s->frames;
    if (!s->error.empty()) errors.push_back(s->error);
  }
  streams.clear();
  if (!o.latencies_out.empty()) {
    const std::vector<float> raw(latencies.begin(), latencies.end());
    std::ofstream(o.latencies_out, std::ios::binary)
        .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(float)));
  }
  std::sort(latencies.begin(), latencies.end());
  std::ostringstream out;
  out << "{\"streams\": " << o.streams << ", \"frames\": " << frames
      << ", \"expected_frames_per_stream\": " << expected_frames << ", \"errors\": [";
  for (size_t i = 0; i < errors.size(); ++i) out << (i ? ", " : "") << JsonString(errors[i]);
  out << "], \"latencies\": " << latencies.size()
      << ", \"latency_p50_ms\": " << JsonNumber(Percentile(latencies, 50))
      << ", \"latency_p95_ms\": " << JsonNumber(Percentile(latencies, 95))
      << ", \"latency_max_ms\": " << JsonNumber(latencies.empty() ? NAN : latencies.back())
      << ", \"audio_seconds\": " << JsonNumber(duration_s)
      << ", \"client_cpu_s\": " << JsonNumber(cpu_s) << ", \"wall_s\": " << JsonNumber(wall_s) << "}";
  std::cout << out.str() << std::endl;
  return 0;
}
