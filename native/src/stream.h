// A live animation stream or a Speak call: its threads, its frame buffer and its outcome.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client.h"
#include "frame_buffer.h"
#include "ftalk_client.h"
#include "internal.h"

namespace ftalk {

/// Live streams run two threads (one writes audio as flow control allows, one reads frames);
/// Speak runs one. Callers never wait on the network: push queues, sample reads the buffer.
class Stream {
 public:
  static std::shared_ptr<Stream> open_live(std::shared_ptr<Client> client, const ftalk_stream_config& config);
  static std::shared_ptr<Stream> open_speak(std::shared_ptr<Client> client, const ftalk_speak_request& request);
  ~Stream();

  void push(const void* pcm, std::size_t bytes);
  void interrupt();
  void end();
  ftalk_status wait_ready(uint32_t timeout_ms);
  ftalk_status wait(uint32_t timeout_ms);
  ftalk_status header(ftalk_animation_header* out);
  void result(ftalk_stream_result* out);
  ftalk_status sample(double t, const SampleOut& out, ftalk_sample_info* info);
  ftalk_status frame(uint64_t index, const SampleOut& out, ftalk_frame* frame);
  ftalk_status held(uint64_t* first, uint64_t* count);
  ftalk_status poll_viseme(ftalk_viseme* out);
  ftalk_status speech_info(ftalk_speech_info* out);
  ftalk_status read_audio(void* out, std::size_t capacity, std::size_t* out_bytes);
  /// Cancels and joins; false when called from one of this stream's own threads.
  bool close();

  /// Curve and joint counts, or 0 before the header (for size checks).
  std::size_t curve_count();
  std::size_t joint_count();
  FrameBuffer& buffer() { return buffer_; }

 private:
  enum class Kind { Live, Speak };
  struct Outgoing {
    enum Type { Audio, Interrupt, End } type;
    std::string audio;
  };
  struct Viseme {
    uint32_t id;
    std::string phoneme;
    double start_s, end_s;
  };

  Stream(std::shared_ptr<Client> client, Kind kind, double history_s, const ftalk_stream_callbacks& callbacks);
  bool start_call_locked();
  void run_live_writer(v1::StreamAnimationRequest config);
  void run_live_reader();
  void run_speak(v1::SpeakRequest request);
  void on_header(const v1::AnimationHeader& header);
  void on_frame(const v1::AnimationFrame& frame, int64_t received_ns);
  void on_viseme(const v1::VisemeEvent& viseme);
  void on_status(const v1::StreamStatus& status);
  void finish(const grpc::Status& status);
  void fail(const Error& error);
  void report_finished();
  void ensure_usable_locked() const;
  bool own_thread() const;

  const std::shared_ptr<Client> client_;
  const Kind kind_;
  const ftalk_stream_callbacks callbacks_;
  FrameBuffer buffer_;

  mutable std::mutex mutex_;
  std::mutex close_mutex_;  // two threads closing at once join the threads once
  std::condition_variable changed_;
  std::atomic<bool> closing_{false};
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamAnimationRequest, v1::StreamAnimationResponse>> call_;
  std::thread writer_, reader_;
  std::thread::id writer_id_, reader_id_;

  // Outgoing audio (live streams).
  std::deque<Outgoing> queue_;
  uint64_t queued_bytes_ = 0;
  uint64_t max_queued_bytes_ = 64ull << 20;
  std::size_t frame_bytes_ = 2;  // bytes per sample frame (all channels)
  uint32_t sample_rate_ = 16000;
  uint64_t pushed_bytes_ = 0;
  bool ended_ = false;
  bool reader_done_ = false;
  bool finished_reported_ = false;  // on_finished has returned (or there is none)

  // What came back.
  ftalk_stream_state state_ = FTALK_STREAM_CONNECTING;
  bool have_header_ = false;
  Header header_;
  std::vector<const char*> curve_ptrs_, joint_ptrs_;
  bool have_status_ = false;
  v1::StreamStatus status_;
  ftalk_status error_ = FTALK_OK;
  int grpc_code_ = 0;
  bool interrupted_ = false;
  std::string message_;
  std::string message_out_;
  std::deque<Viseme> visemes_;
  std::string polled_phoneme_;

  // Speak only.
  bool have_speech_ = false;
  v1::SpeakHeader speech_;
  std::string audio_;
  std::size_t audio_read_ = 0;
  std::size_t audio_sample_bytes_ = 2;
};

/// A viseme's static name from its index ("" when out of range).
const char* viseme_name(uint32_t id);

}  // namespace ftalk
