// Load generator for AnimationService.StreamAnimation: N real-time streams from one light process.
//
// The Python benchmark clients cost a few percent of a core per stream and share the machine's
// cores with the server they measure. This client does the same work as
// fantasy_talking.server.client.stream_samples, with the same latency definition, at a fraction
// of the CPU: one pacing thread hands pre-built chunk messages to gRPC's callback API
// (ClientBidiReactor), and gRPC's own small thread pool delivers the frames.
//
// Per stream (each on its own channel, hence its own TCP connection): wait for its start offset,
// send the StreamConfig, then chunk k of chunk_ms at start + (k+1) * chunk_s, then `end`.
// Latency of a frame = receive time - send time of chunk int(time_s / chunk_s), for frames with
// time_s < audio duration.
//
// Output: one JSON line on stdout: streams, frames (all streams), expected_frames_per_stream
// (ceil(duration * fps)), errors ("CODE: message" per failed stream), latencies (how many),
// latency_p50_ms / latency_p95_ms / latency_max_ms (null without latencies), audio_seconds,
// client_cpu_s (getrusage of this whole process) and wall_s.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <queue>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "fantasytalking/v1/animation.grpc.pb.h"

namespace ft = fantasytalking::v1;
using Clock = std::chrono::steady_clock;

namespace {

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

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "stream_load: " << problem << "\n"
            << "usage: stream_load --address HOST:PORT [--streams N] [--seconds S] [--audio FILE.f32]\n"
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
      else Usage("unknown flag " + flag);
    } catch (const std::logic_error&) {
      Usage("bad value for " + flag + ": " + value);
    }
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
    std::memcpy(audio.data(), bytes.data(), audio.size() * sizeof(float));  // x86/ARM: little-endian
    if (audio.empty()) Usage(o.audio_path + " holds no samples");
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

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The request messages, built once and shared by every stream: gRPC only reads (serialises) them.
struct Requests {
  ft::StreamAnimationRequest config;
  std::vector<ft::StreamAnimationRequest> chunks;
  ft::StreamAnimationRequest end;
};

// Counts finished streams so that main can wait for all of them.
class Latch {
 public:
  explicit Latch(int n) : left_(n) {}
  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--left_ == 0) cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return left_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
};

// One StreamAnimation call. Writes come from the pacing thread (kept legal by a hold, see Start)
// and are chained one at a time in OnWriteDone; reads run on gRPC's callback threads.
class Stream : public grpc::ClientBidiReactor<ft::StreamAnimationRequest, ft::StreamAnimationResponse> {
 public:
  Stream(const Options& o, const Requests& requests, double duration_s, Latch* latch)
      : requests_(requests), chunk_s_(o.chunk_ms / 1000.0), duration_s_(duration_s), latch_(latch) {
    grpc::ChannelArguments args;
    // A channel of its own per stream: without this, channels to one address share a subchannel
    // (one TCP connection) and the kernel could not spread streams over SO_REUSEPORT workers.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
    channel_ = grpc::CreateCustomChannel(o.address, grpc::InsecureChannelCredentials(), args);
    stub_ = ft::AnimationService::NewStub(channel_);
    sent_at_.reserve(requests.chunks.size());
    // Generous: the whole clip in real time plus slack for an overloaded server.
    deadline_s_ = o.spread_s + duration_s + 120.0;
  }

  // Opens the call and sends the config. The hold keeps OnDone from running (and the call from
  // being finished) while the pacing thread may still call StartWrite from outside a reaction.
  void Start() {
    const auto deadline = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::duration<double>(deadline_s_));
    context_.set_deadline(std::chrono::system_clock::now() + deadline);  // gRPC wants a system_clock deadline
    stub_->async()->StreamAnimation(&context_, this);
    AddHold();
    StartRead(&response_);
    Write(&requests_.config);
    StartCall();
  }

  // Sends chunk k now and notes the time, as stream_samples does just before yielding it.
  void SendChunk(size_t k) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent_at_.push_back(Clock::now());
    }
    Write(&requests_.chunks[k]);
  }

  // Sends `end`, then half-closes; releases the pacing thread's hold.
  void Finish() {
    Write(&requests_.end);
    {
      std::lock_guard<std::mutex> lock(mu_);
      writes_done_wanted_ = true;
      if (!writing_ && !failed_) StartNextLocked();
    }
    RemoveHold();
  }

  bool failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.pop_front();
    writing_ = false;
    if (!ok) {  // the call is broken; OnDone will report why
      failed_ = true;
      pending_.clear();
      return;
    }
    StartNextLocked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // no more responses; OnDone follows
    const Clock::time_point received = Clock::now();
    if (response_.has_frame()) {
      const double time_s = response_.frame().time_s();
      std::lock_guard<std::mutex> lock(mu_);
      ++frames_;
      const size_t k = static_cast<size_t>(time_s / chunk_s_);
      if (time_s < duration_s_ && k < sent_at_.size())
        latencies_ms_.push_back(1000.0 * Seconds(received - sent_at_[k]));
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      failed_ = failed_ || !status.ok();
      if (!status.ok()) error_ = std::string(CodeName(status.error_code())) + ": " + status.error_message();
    }
    latch_->CountDown();
  }

  // Read after the latch has released: no callbacks run any more.
  uint64_t frames() const { return frames_; }
  const std::vector<double>& latencies_ms() const { return latencies_ms_; }
  const std::string& error() const { return error_; }

 private:
  void Write(const ft::StreamAnimationRequest* request) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_) return;
    pending_.push_back(request);
    if (!writing_) StartNextLocked();
  }

  // gRPC allows one outstanding write per call: send the queue's head, or half-close when drained.
  void StartNextLocked() {
    if (!pending_.empty()) {
      writing_ = true;
      StartWrite(pending_.front());
    } else if (writes_done_wanted_) {
      writes_done_wanted_ = false;
      StartWritesDone();
    }
  }

  const Requests& requests_;
  const double chunk_s_;
  const double duration_s_;
  double deadline_s_;
  Latch* latch_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ft::AnimationService::Stub> stub_;
  grpc::ClientContext context_;
  ft::StreamAnimationResponse response_;

  std::mutex mu_;  // guards everything below
  std::deque<const ft::StreamAnimationRequest*> pending_;  // head is in flight while writing_
  bool writing_ = false;
  bool writes_done_wanted_ = false;
  bool failed_ = false;
  std::vector<Clock::time_point> sent_at_;
  std::vector<double> latencies_ms_;
  uint64_t frames_ = 0;
  std::string error_;
};

// Linear-interpolated percentile, as numpy.percentile's default.
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

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  const std::vector<float> audio = LoadAudio(o);
  const double duration_s = static_cast<double>(audio.size()) / kSampleRate;
  const auto expected_frames = static_cast<uint64_t>(std::ceil(duration_s * o.fps));

  Requests requests;
  auto* config = requests.config.mutable_config();
  config->mutable_audio_format()->set_encoding(ft::AUDIO_ENCODING_PCM_F32LE);
  config->mutable_audio_format()->set_sample_rate_hz(kSampleRate);
  config->mutable_audio_format()->set_channels(1);
  config->mutable_options()->set_fps(o.fps);
  config->mutable_options()->set_lookahead_ms(o.lookahead_ms);
  config->set_idle_after_ms(o.idle_after_ms);
  const size_t step = std::max<size_t>(1, static_cast<size_t>(kSampleRate) * o.chunk_ms / 1000);
  for (size_t i = 0; i < audio.size(); i += step) {
    const size_t n = std::min(step, audio.size() - i);
    requests.chunks.emplace_back().set_audio(reinterpret_cast<const char*>(audio.data() + i), n * sizeof(float));
  }
  requests.end.mutable_end();

  Latch latch(o.streams);
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < o.streams; ++i) streams.push_back(std::make_unique<Stream>(o, requests, duration_s, &latch));

  // The pacing thread: a min-heap of (due time, stream, step), where step 0 opens the call,
  // step k+1 sends chunk k and the last step sends `end`. Sleeping until the earliest due time
  // costs nothing between chunks, however many streams there are.
  const Clock::time_point t0 = Clock::now();
  const auto chunk = std::chrono::microseconds(static_cast<int64_t>(o.chunk_ms) * 1000);
  const size_t last_step = requests.chunks.size() + 1;
  struct Due {
    Clock::time_point at;
    int stream;
    size_t step;
    Clock::time_point start;  // the stream's audio clock origin, set when its call opens
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
    Stream& s = *streams[due.stream];
    if (due.step == 0) {
      s.Start();
      due.start = Clock::now();
    } else if (due.step < last_step && !s.failed()) {
      s.SendChunk(due.step - 1);
    } else {
      s.Finish();  // also after a failure: releases the hold so that OnDone can run
      continue;
    }
    // A failed stream skips straight to Finish; otherwise chunk k is due at start + (k+1) * chunk_s.
    const size_t next = s.failed() ? last_step : due.step + 1;
    const Clock::time_point at = next < last_step ? due.start + static_cast<long>(next) * chunk : Clock::now();
    schedule.push({at, due.stream, next, due.start});
  }
  latch.Wait();
  const double wall_s = Seconds(Clock::now() - t0);
  const double cpu_s = CpuSeconds();  // the whole process, start-up included

  std::vector<double> latencies;
  std::vector<std::string> errors;
  uint64_t frames = 0;
  for (const auto& s : streams) {
    latencies.insert(latencies.end(), s->latencies_ms().begin(), s->latencies_ms().end());
    frames += s->frames();
    if (!s->error().empty()) errors.push_back(s->error());
  }
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
