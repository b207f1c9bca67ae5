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
// Command line, pacing and the JSON line on stdout are shared with core_load (../load_common).

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "fantasytalking/v1/animation.grpc.pb.h"
#include "load_common.h"

namespace ft = fantasytalking::v1;

namespace {

using namespace ftalk_load;

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

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

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs("stream_load", argc, argv);
  const std::vector<float> audio = LoadAudio("stream_load", o);
  const double duration_s = static_cast<double>(audio.size()) / kSampleRate;

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

  // Step 0 opens the call, step k+1 sends chunk k; after the last chunk, or as soon as the call
  // has failed, Finish sends `end` and releases the hold (so that OnDone can run).
  const Clock::time_point t0 = Clock::now();
  const size_t chunks = requests.chunks.size();
  Pace(o, chunks + 1, [&](int i, size_t k) {
    Stream& s = *streams[std::size_t(i)];
    if (k == 0) s.Start();
    else s.SendChunk(k - 1);
    if (s.failed() || k == chunks) {
      s.Finish();
      return false;
    }
    return true;
  });
  latch.Wait();

  Report report;
  report.wall_s = Seconds(Clock::now() - t0);
  report.audio_seconds = duration_s;
  for (const auto& s : streams) {
    report.latencies_ms.insert(report.latencies_ms.end(), s->latencies_ms().begin(), s->latencies_ms().end());
    report.frames += s->frames();
    if (!s->error().empty()) report.errors.push_back(s->error());
  }
  PrintReport(o, std::move(report));
  return 0;
}
