// What the two load generators share: stream_load (raw gRPC callback API) and core_load (the
// native client core). Both take the same command line, pace chunks the same way and print the
// same JSON line, so that tools/bench/bench_stream.py can run either and set the figures side by
// side; keeping those parts here is what keeps the two comparable.
//
// Header-only, because each generator is its own small CMake project target.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ftalk_load {

using Clock = std::chrono::steady_clock;

constexpr int kSampleRate = 16000;

struct Options {
  std::string address;
  int streams = 1;
  double seconds = 0;  // 0: the length of --audio
  std::string audio_path;
  int chunk_ms = 20;
  int lookahead_ms = 100;
  int fps = 30;
  double spread_s = 1.0;
  int idle_after_ms = 10000;
  std::string latencies_out;  // optional: every latency as raw float32 ms, for callers' own statistics
};

[[noreturn]] inline void Usage(const std::string& program, const std::string& problem) {
  std::cerr << program << ": " << problem << "\n"
            << "usage: " << program << " --address HOST:PORT [--streams N] [--seconds S] [--audio FILE.f32]\n"
            << "         [--chunk-ms 20] [--lookahead-ms 100] [--fps 30] [--spread-s 1.0]"
               " [--idle-after-ms 10000] [--latencies-out FILE.f32]\n"
            << "  --audio: raw little-endian float32, 16 kHz mono; repeated or cut to --seconds if given.\n"
            << "  Without --audio, --seconds of a synthetic voiced tone are sent.\n";
  std::exit(2);
}

inline Options ParseArgs(const std::string& program, int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(program, "missing value for " + flag);
    const std::string value = argv[++i];
    try {
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
      else Usage(program, "unknown flag " + flag);
    } catch (const std::logic_error&) {
      Usage(program, "bad value for " + flag + ": " + value);
    }
  }
  if (o.address.empty()) Usage(program, "--address is required");
  if (o.streams < 1 || o.chunk_ms < 1 || o.fps < 1) Usage(program, "--streams, --chunk-ms and --fps must be positive");
  if (o.audio_path.empty() && o.seconds <= 0) Usage(program, "give --seconds or --audio");
  return o;
}

// The audio every stream sends: --audio (repeated or cut to --seconds), or a synthetic voice.
inline std::vector<float> LoadAudio(const std::string& program, const Options& o) {
  std::vector<float> audio;
  if (!o.audio_path.empty()) {
    std::ifstream in(o.audio_path, std::ios::binary);
    if (!in) Usage(program, "cannot read " + o.audio_path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    audio.resize(bytes.size() / sizeof(float));
    std::memcpy(audio.data(), bytes.data(), audio.size() * sizeof(float));  // x86/ARM: little-endian
    if (audio.empty()) Usage(program, o.audio_path + " holds no samples");
  }
  if (o.seconds > 0) {
    const size_t n = static_cast<size_t>(o.seconds * kSampleRate);
    if (audio.empty()) {
      // A 140 Hz buzz, amplitude-modulated into 4 "syllables" per second, so the engine sees voicing.
      audio.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / kSampleRate;
        const double envelope = std::max(0.0, std::sin(2 * M_PI * 4 * t));
        audio[i] = static_cast<float>(0.3 * envelope * std::sin(2 * M_PI * 140 * t));
      }
    } else {
      // Like numpy.resize: repeat the clip, then cut to n samples.
      const size_t clip = audio.size();
      audio.resize(n);
      for (size_t i = clip; i < n; ++i) audio[i] = audio[i - clip];
    }
  }
  return audio;
}

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of this whole process (start-up included), user + system.
inline double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Drives every stream's steps from one thread. Step 0 of stream i runs at its start offset
// (spread_s * i / streams); step k > 0 runs at that stream's start + k * chunk_ms, where start is
// when its step 0 returned. `step(stream, k)` returns false to stop that stream's schedule.
// Sleeping until the earliest due time costs nothing between chunks, however many streams run.
inline void Pace(const Options& o, size_t steps, const std::function<bool(int stream, size_t step)>& step) {
  struct Due {
    Clock::time_point at;
    int stream;
    size_t step;
    Clock::time_point start;  // the stream's audio clock origin, set when its step 0 ran
    bool operator>(const Due& other) const { return at > other.at; }
  };
  const Clock::time_point t0 = Clock::now();
  const auto chunk = std::chrono::microseconds(static_cast<int64_t>(o.chunk_ms) * 1000);
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> schedule;
  for (int i = 0; i < o.streams; ++i) {
    const auto offset = std::chrono::duration<double>(o.spread_s * i / o.streams);
    schedule.push({t0 + std::chrono::duration_cast<Clock::duration>(offset), i, 0, {}});
  }
  while (!schedule.empty()) {
    Due due = schedule.top();
    schedule.pop();
    std::this_thread::sleep_until(due.at);
    const bool go_on = step(due.stream, due.step);
    if (due.step == 0) due.start = Clock::now();
    const size_t next = due.step + 1;
    if (go_on && next < steps) schedule.push({due.start + static_cast<long>(next) * chunk, due.stream, next, due.start});
  }
}

inline std::string JsonString(const std::string& s) {
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

inline std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// Linear-interpolated percentile, as numpy.percentile's default.
inline double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// What a run measured, gathered from every stream once all have finished.
struct Report {
  uint64_t frames = 0;
  std::vector<std::string> errors;  // "what: CODE: message" per failed stream
  std::vector<double> latencies_ms;
  double audio_seconds = 0;
  double wall_s = 0;
};

// Writes --latencies-out and prints the one JSON line bench_stream.py reads: streams, frames (all
// streams), expected_frames_per_stream (ceil(duration * fps)), errors, latencies (how many),
// latency_p50_ms / latency_p95_ms / latency_max_ms (null without latencies), audio_seconds,
// client_cpu_s (getrusage of this whole process) and wall_s.
inline void PrintReport(const Options& o, Report report) {
  const double cpu_s = CpuSeconds();
  std::vector<double>& latencies = report.latencies_ms;
  if (!o.latencies_out.empty()) {
    const std::vector<float> raw(latencies.begin(), latencies.end());
    std::ofstream(o.latencies_out, std::ios::binary)
        .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(float)));
  }
  std::sort(latencies.begin(), latencies.end());
  const auto expected_frames = static_cast<uint64_t>(std::ceil(report.audio_seconds * o.fps));
  std::ostringstream out;
  out << "{\"streams\": " << o.streams << ", \"frames\": " << report.frames
      << ", \"expected_frames_per_stream\": " << expected_frames << ", \"errors\": [";
  for (size_t i = 0; i < report.errors.size(); ++i) out << (i ? ", " : "") << JsonString(report.errors[i]);
  out << "], \"latencies\": " << latencies.size()
      << ", \"latency_p50_ms\": " << JsonNumber(Percentile(latencies, 50))
      << ", \"latency_p95_ms\": " << JsonNumber(Percentile(latencies, 95))
      << ", \"latency_max_ms\": " << JsonNumber(latencies.empty() ? NAN : latencies.back())
      << ", \"audio_seconds\": " << JsonNumber(report.audio_seconds)
      << ", \"client_cpu_s\": " << JsonNumber(cpu_s) << ", \"wall_s\": " << JsonNumber(report.wall_s) << "}";
  std::cout << out.str() << std::endl;
}

}  // namespace ftalk_load
