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
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ftalk_client.h"
#include "load_common.h"

namespace {

using namespace ftalk_load;

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
  const Options o = ParseArgs("core_load", argc, argv);
  const std::vector<float> audio = LoadAudio("core_load", o);
  const double duration_s = static_cast<double>(audio.size()) / kSampleRate;
  const size_t step = std::max<size_t>(1, static_cast<size_t>(kSampleRate) * o.chunk_ms / 1000);
  const size_t chunks = (audio.size() + step - 1) / step;

  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < o.streams; ++i) {
    streams.push_back(std::make_unique<Stream>());
    streams.back()->options = &o;
    streams.back()->duration_s = duration_s;
  }
  // Step 0 opens the stream, step k+1 pushes chunk k; `end` right after the last chunk, as stream_load does.
  const Clock::time_point t0 = Clock::now();
  Pace(o, chunks + 1, [&](int i, size_t k) {
    Stream& s = *streams[std::size_t(i)];
    if (k == 0) return s.Start();
    bool ok = s.Push(audio.data() + (k - 1) * step, std::min(step, audio.size() - (k - 1) * step));
    if (ok && k == chunks) ok = s.End();
    return ok;
  });
  for (auto& s : streams) s->Finish();

  Report report;
  report.wall_s = Seconds(Clock::now() - t0);
  report.audio_seconds = duration_s;
  for (const auto& s : streams) {
    report.latencies_ms.insert(report.latencies_ms.end(), s->latencies_ms.begin(), s->latencies_ms.end());
    report.frames += s->frames;
    if (!s->error.empty()) report.errors.push_back(s->error);
  }
  streams.clear();
  PrintReport(o, std::move(report));
  return 0;
}
