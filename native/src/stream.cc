#include "stream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "internal.h"

namespace ftalk {

namespace {

constexpr std::size_t kMaxMessageBytes = 64 * 1024;  // audio is sent in messages of at most this
constexpr std::size_t kMaxVisemes = 4096;

const char* const kVisemeNames[] = {"sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS",
                                    "nn",  "RR", "aa", "E",  "I",  "O",  "U"};

static_assert(sizeof(ftalk_quat) == sizeof(Quat), "ftalk_quat and Quat share a layout");

std::size_t bytes_per_sample(ftalk_audio_encoding encoding) {
  return encoding == FTALK_AUDIO_PCM_F32LE ? 4 : 2;
}

}  // namespace

const char* viseme_name(uint32_t id) { return id < 15 ? kVisemeNames[id] : ""; }

Stream::Stream(std::shared_ptr<Client> client, Kind kind, double history_s, const ftalk_stream_callbacks& callbacks)
    : client_(std::move(client)), kind_(kind), callbacks_(callbacks), buffer_(history_s) {}

Stream::~Stream() { close(); }

std::shared_ptr<Stream> Stream::open_live(std::shared_ptr<Client> client, const ftalk_stream_config& c) {
  if (c.struct_size < offsetof(ftalk_stream_config, options))
    throw Error(FTALK_E_INVALID_ARGUMENT, "config.struct_size is too small; fill the config with ftalk_stream_config_init");
  const int encoding = enum_value(c.encoding);
  if (encoding != FTALK_AUDIO_PCM_S16LE && encoding != FTALK_AUDIO_PCM_F32LE)
    throw Error(FTALK_E_INVALID_ARGUMENT, "config.encoding must be FTALK_AUDIO_PCM_S16LE or FTALK_AUDIO_PCM_F32LE");
  if (c.sample_rate_hz < 8000 || c.sample_rate_hz > 48000)
    throw Error(FTALK_E_INVALID_ARGUMENT, "config.sample_rate_hz must be 8000..48000, got " + std::to_string(c.sample_rate_hz));
  if (c.channels != 1 && c.channels != 2)
    throw Error(FTALK_E_INVALID_ARGUMENT, "config.channels must be 1 or 2, got " + std::to_string(c.channels));
  if (c.idle_after_ms != 0 && (c.idle_after_ms < 50 || c.idle_after_ms > 10000))
    throw Error(FTALK_E_INVALID_ARGUMENT, "config.idle_after_ms must be 0 or 50..10000");
  const ftalk_animation_options* options = FTALK_HAS(c, ftalk_stream_config, options) ? &c.options : nullptr;
  v1::StreamAnimationRequest first;
  auto* config = first.mutable_config();
  config->mutable_audio_format()->set_encoding(v1::AudioEncoding(encoding));
  config->mutable_audio_format()->set_sample_rate_hz(c.sample_rate_hz);
  config->mutable_audio_format()->set_channels(c.channels);
  config->set_idle_after_ms(c.idle_after_ms);
  *config->mutable_options() = to_proto(options);
  double history = 30;
  if (FTALK_HAS(c, ftalk_stream_config, history_seconds) && c.history_seconds) history = c.history_seconds;
  ftalk_stream_callbacks callbacks{};
  if (FTALK_HAS(c, ftalk_stream_config, callbacks)) callbacks = c.callbacks;
  std::shared_ptr<Stream> stream(new Stream(std::move(client), Kind::Live, history, callbacks));
  if (FTALK_HAS(c, ftalk_stream_config, max_queued_bytes) && c.max_queued_bytes)
    stream->max_queued_bytes_ = c.max_queued_bytes;
  stream->frame_bytes_ = bytes_per_sample(ftalk_audio_encoding(encoding)) * c.channels;
  stream->sample_rate_ = c.sample_rate_hz;
  std::lock_guard<std::mutex> lock(stream->mutex_);
  stream->writer_ = std::thread(&Stream::run_live_writer, stream.get(), std::move(first));
  stream->writer_id_ = stream->writer_.get_id();
  return stream;
}

std::shared_ptr<Stream> Stream::open_speak(std::shared_ptr<Client> client, const ftalk_speak_request& r) {
  if (r.struct_size < offsetof(ftalk_speak_request, options))
    throw Error(FTALK_E_INVALID_ARGUMENT, "request.struct_size is too small; fill it with ftalk_speak_request_init");
  if (!r.text || !*r.text) throw Error(FTALK_E_INVALID_ARGUMENT, "request.text is empty");
  const int encoding = enum_value(r.encoding);
  if (encoding != FTALK_AUDIO_UNSPECIFIED && encoding != FTALK_AUDIO_PCM_S16LE && encoding != FTALK_AUDIO_PCM_F32LE)
    throw Error(FTALK_E_INVALID_ARGUMENT, "request.encoding is not an ftalk_audio_encoding");
  v1::SpeakRequest request;
  request.set_text(r.text);
  if (r.language) request.set_language(r.language);
  if (r.voice) request.set_voice(r.voice);
  if (r.rate > 0) request.set_rate(r.rate);
  if (r.pitch > 0) request.set_pitch(r.pitch);
  if (r.volume > 0) request.set_volume(r.volume);
  request.set_sample_rate_hz(r.sample_rate_hz);
  request.set_encoding(v1::AudioEncoding(encoding));
  *request.mutable_options() = to_proto(FTALK_HAS(r, ftalk_speak_request, options) ? &r.options : nullptr);
  double history = 30;
  if (FTALK_HAS(r, ftalk_speak_request, history_seconds) && r.history_seconds) history = r.history_seconds;
  ftalk_stream_callbacks callbacks{};
  if (FTALK_HAS(r, ftalk_speak_request, callbacks)) callbacks = r.callbacks;
  std::shared_ptr<Stream> stream(new Stream(std::move(client), Kind::Speak, history, callbacks));
  stream->audio_sample_bytes_ = bytes_per_sample(ftalk_audio_encoding(encoding));
  std::lock_guard<std::mutex> lock(stream->mutex_);
  stream->reader_ = std::thread(&Stream::run_speak, stream.get(), std::move(request));
  stream->reader_id_ = stream->reader_.get_id();
  return stream;
}

bool Stream::own_thread() const {
  const auto me = std::this_thread::get_id();
  std::lock_guard<std::mutex> lock(mutex_);
  return me == writer_id_ || me == reader_id_;
}

void Stream::ensure_usable_locked() const {
  if (state_ == FTALK_STREAM_FAILED) throw Error(error_, "the stream has failed: " + message_, grpc_code_);
}

// ---- live stream ------------------------------------------------------------------------------

void Stream::run_live_writer(v1::StreamAnimationRequest config) {
  try {
    client_->wait_connected("StreamAnimation", &closing_);
  } catch (const Error& e) {
    fail(e);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return;
    context_ = std::make_unique<grpc::ClientContext>();
    client_->prepare(context_.get(), 0);
    call_ = client_->animation().StreamAnimation(context_.get());
    reader_ = std::thread(&Stream::run_live_reader, this);
    reader_id_ = reader_.get_id();
  }
  bool ok = call_->Write(config);
  while (ok) {
    Outgoing item;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return !queue_.empty() || closing_ || reader_done_; });
      if (closing_ || reader_done_) break;
      item = std::move(queue_.front());
      queue_.pop_front();
      if (item.type == Outgoing::Audio) queued_bytes_ -= item.audio.size();
    }
    v1::StreamAnimationRequest request;
    if (item.type == Outgoing::Audio) {
      request.set_audio(std::move(item.audio));
      ok = call_->Write(request);
    } else if (item.type == Outgoing::Interrupt) {
      request.mutable_interrupt();
      ok = call_->Write(request);
    } else {
      request.mutable_end();
      ok = call_->Write(request) && call_->WritesDone();
      break;
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  writer_id_ = std::thread::id();  // the writer no longer touches the call
  changed_.notify_all();
}

void Stream::run_live_reader() {
  v1::StreamAnimationResponse message;
  while (call_->Read(&message)) {
    const int64_t received = now_ns();
    switch (message.response_case()) {
      case v1::StreamAnimationResponse::kHeader: on_header(message.header()); break;
      case v1::StreamAnimationResponse::kFrame: on_frame(message.frame(), received); break;
      case v1::StreamAnimationResponse::kViseme: on_viseme(message.viseme()); break;
      case v1::StreamAnimationResponse::kStatus: on_status(message.status()); break;
      default: break;
    }
  }
  {
    // Finish only once the writer is out of Write (the call is over, so that is quick).
    std::unique_lock<std::mutex> lock(mutex_);
    reader_done_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return writer_id_ == std::thread::id(); });
  }
  finish(call_->Finish());
}

void Stream::push(const void* pcm, std::size_t bytes) {
  if (kind_ != Kind::Live) throw Error(FTALK_E_STATE, "push on a Speak stream: it brings its own audio");
  if (bytes == 0) return;
  if (!pcm) throw Error(FTALK_E_INVALID_ARGUMENT, "pcm is NULL");
  if (bytes % frame_bytes_)
    throw Error(FTALK_E_INVALID_ARGUMENT, std::to_string(bytes) + " bytes is not a whole number of sample frames (" +
                                              std::to_string(frame_bytes_) + " bytes each)");
  std::lock_guard<std::mutex> lock(mutex_);
  ensure_usable_locked();
  if (ended_) throw Error(FTALK_E_STATE, "push after ftalk_stream_end: the stream takes no more audio");
  if (state_ == FTALK_STREAM_FINISHED) throw Error(FTALK_E_STATE, "push after the stream finished");
  if (queued_bytes_ + bytes > max_queued_bytes_)
    throw Error(FTALK_E_BUSY, "send queue full (" + std::to_string(queued_bytes_) + " bytes waiting); push again later");
  const std::size_t step = kMaxMessageBytes - kMaxMessageBytes % frame_bytes_;
  const char* p = static_cast<const char*>(pcm);
  // Top up the last queued message first, so that many tiny pushes do not become many tiny messages.
  std::size_t done = 0;
  if (!queue_.empty() && queue_.back().type == Outgoing::Audio && queue_.back().audio.size() < step) {
    const std::size_t n = std::min(bytes, step - queue_.back().audio.size());
    queue_.back().audio.append(p, n);
    done = n;
  }
  for (; done < bytes; done += step) queue_.push_back({Outgoing::Audio, std::string(p + done, std::min(step, bytes - done))});
  queued_bytes_ += bytes;
  pushed_bytes_ += bytes;
  changed_.notify_all();
}

void Stream::interrupt() {
  std::lock_guard<std::mutex> lock(mutex_);
  ensure_usable_locked();
  if (kind_ == Kind::Speak) {
    if (state_ == FTALK_STREAM_FINISHED) return;
    interrupted_ = true;
    if (context_) context_->TryCancel();
    return;
  }
  if (ended_) throw Error(FTALK_E_STATE, "interrupt after ftalk_stream_end");
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [](const Outgoing& o) { return o.type == Outgoing::Audio; }),
               queue_.end());
  queued_bytes_ = 0;
  queue_.push_back({Outgoing::Interrupt, {}});
  changed_.notify_all();
}

void Stream::end() {
  if (kind_ != Kind::Live) throw Error(FTALK_E_STATE, "end on a Speak stream: it ends by itself");
  std::lock_guard<std::mutex> lock(mutex_);
  ensure_usable_locked();
  if (ended_) throw Error(FTALK_E_STATE, "ftalk_stream_end called twice");
  ended_ = true;
  if (state_ == FTALK_STREAM_STREAMING) state_ = FTALK_STREAM_ENDING;
  queue_.push_back({Outgoing::End, {}});
  changed_.notify_all();
}

// ---- Speak -----------------------------------------------------------------------------------

void Stream::run_speak(v1::SpeakRequest request) {
  try {
    client_->wait_connected("Speak", &closing_);
  } catch (const Error& e) {
    fail(e);
    return;
  }
  std::unique_ptr<grpc::ClientReader<v1::SpeakResponse>> reader;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return;
    context_ = std::make_unique<grpc::ClientContext>();
    client_->prepare(context_.get(), 0);
    if (interrupted_) context_->TryCancel();
    reader = client_->speech().Speak(context_.get(), request);
  }
  v1::SpeakResponse message;
  while (reader->Read(&message)) {
    const int64_t received = now_ns();
    switch (message.response_case()) {
      case v1::SpeakResponse::kHeader: {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          speech_ = message.header();
          have_speech_ = true;
          audio_sample_bytes_ = speech_.audio_format().encoding() == v1::AUDIO_ENCODING_PCM_F32LE ? 4 : 2;
        }
        on_header(message.header().animation());
        break;
      }
      case v1::SpeakResponse::kChunk: {
        const auto& chunk = message.chunk();
        {
          std::lock_guard<std::mutex> lock(mutex_);
          audio_ += chunk.audio();
          changed_.notify_all();
        }
        if (callbacks_.on_audio)
          callbacks_.on_audio(callbacks_.user_data, chunk.audio().data(), chunk.audio().size(), chunk.start_s());
        for (const auto& f : chunk.frames()) on_frame(f, received);
        for (const auto& v : chunk.visemes()) on_viseme(v);
        break;
      }
      case v1::SpeakResponse::kStatus: on_status(message.status()); break;
      default: break;
    }
  }
  finish(reader->Finish());
}

ftalk_status Stream::speech_info(ftalk_speech_info* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (kind_ != Kind::Speak) throw Error(FTALK_E_STATE, "speech info of a live stream: only Speak streams have it");
  if (!have_speech_) {
    ensure_usable_locked();
    return FTALK_NOT_READY;
  }
  out->encoding = ftalk_audio_encoding(int(speech_.audio_format().encoding()));
  out->sample_rate_hz = speech_.audio_format().sample_rate_hz();
  out->channels = speech_.audio_format().channels() ? speech_.audio_format().channels() : 1;
  out->voice = speech_.voice().c_str();
  out->language = speech_.language().c_str();
  out->tts_engine = speech_.tts_engine().c_str();
  out->sentences = speech_.sentences();
  return FTALK_OK;
}

ftalk_status Stream::read_audio(void* out, std::size_t capacity, std::size_t* out_bytes) {
  if (kind_ != Kind::Speak) throw Error(FTALK_E_STATE, "read_audio on a live stream: only Speak streams bring audio");
  std::lock_guard<std::mutex> lock(mutex_);
  *out_bytes = 0;
  const std::size_t waiting = audio_.size() - audio_read_;
  if (waiting == 0) {
    if (state_ == FTALK_STREAM_FINISHED || state_ == FTALK_STREAM_FAILED) return FTALK_DONE;
    return FTALK_NOT_READY;
  }
  std::size_t n = std::min(waiting, capacity);
  n -= n % audio_sample_bytes_;
  if (n == 0)
    throw Error(FTALK_E_BUFFER_TOO_SMALL, "capacity below one sample (" + std::to_string(audio_sample_bytes_) + " bytes)");
  std::memcpy(out, audio_.data() + audio_read_, n);
  audio_read_ += n;
  if (audio_read_ > (1u << 20) && audio_read_ * 2 > audio_.size()) {  // drop what was read, now and then
    audio_.erase(0, audio_read_);
    audio_read_ = 0;
  }
  *out_bytes = n;
  return FTALK_OK;
}

// ---- what comes back -------------------------------------------------------------------------

void Stream::on_header(const v1::AnimationHeader& header) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (have_header_) return;
  header_ = from_proto(header);
  for (const auto& n : header_.curve_names) curve_ptrs_.push_back(n.c_str());
  for (const auto& n : header_.joint_names) joint_ptrs_.push_back(n.c_str());
  have_header_ = true;
  if (state_ == FTALK_STREAM_CONNECTING) state_ = ended_ ? FTALK_STREAM_ENDING : FTALK_STREAM_STREAMING;
  changed_.notify_all();
}

void Stream::on_frame(const v1::AnimationFrame& message, int64_t received_ns) {
  Frame frame = from_proto(message, received_ns);
  if (!callbacks_.on_frame) {
    buffer_.add(std::move(frame));
    return;
  }
  const Frame copy = frame;
  buffer_.add(std::move(frame));
  ftalk_frame view{copy.time_s, copy.index, copy.idle ? 1 : 0,
                   copy.weights.size(), copy.weights.data(),
                   copy.joints.size(), reinterpret_cast<const ftalk_quat*>(copy.joints.data()),
                   copy.angles.size(), copy.angles.data()};
  callbacks_.on_frame(callbacks_.user_data, &view);
}

void Stream::on_viseme(const v1::VisemeEvent& v) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (visemes_.size() >= kMaxVisemes) visemes_.pop_front();
    visemes_.push_back({v.viseme_id(), v.phoneme(), v.start_s(), v.end_s()});
  }
  if (callbacks_.on_viseme) {
    ftalk_viseme view{v.viseme_id(), viseme_name(v.viseme_id()), v.phoneme().c_str(), v.start_s(), v.end_s()};
    callbacks_.on_viseme(callbacks_.user_data, &view);
  }
}

void Stream::on_status(const v1::StreamStatus& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  status_ = status;
  have_status_ = true;
}

void Stream::fail(const Error& error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == FTALK_STREAM_FINISHED || state_ == FTALK_STREAM_FAILED) return;
    state_ = FTALK_STREAM_FAILED;
    error_ = error.status;
    grpc_code_ = error.grpc_code < 0 ? 0 : error.grpc_code;
    message_ = error.what();
    changed_.notify_all();
  }
  if (callbacks_.on_finished) callbacks_.on_finished(callbacks_.user_data, FTALK_STREAM_FAILED, error.status, error.what());
  report_finished();
}

void Stream::report_finished() {
  std::lock_guard<std::mutex> lock(mutex_);
  finished_reported_ = true;
  changed_.notify_all();
}

void Stream::finish(const grpc::Status& status) {
  std::string message;
  ftalk_stream_state state;
  ftalk_status error = FTALK_OK;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool user_cancelled = closing_ || (kind_ == Kind::Speak && interrupted_);
    if (status.ok() && have_status_ && status_.code() == v1::StreamStatus::CODE_SHUTDOWN) {
      // Not the end the caller asked for: audio pushed after the grace period is not animated.
      state_ = FTALK_STREAM_FAILED;
      error_ = FTALK_E_SHUTDOWN;
      message_ = status_.message().empty() ? "the server is shutting down (open a new stream to go on)" : status_.message();
    } else if (status.ok() && have_status_) {
      state_ = FTALK_STREAM_FINISHED;
      interrupted_ = status_.code() == v1::StreamStatus::CODE_INTERRUPTED;
      message_ = status_.message();
    } else if (user_cancelled && status.error_code() == grpc::StatusCode::CANCELLED) {
      state_ = FTALK_STREAM_FINISHED;
      message_ = closing_ ? "closed by the client" : "interrupted by the client";
    } else if (status.ok()) {
      state_ = FTALK_STREAM_FAILED;
      error_ = FTALK_E_PROTOCOL;
      message_ = "the server closed the stream without a StreamStatus: not a FantasyTalking v1 server?";
    } else {
      Error e = from_grpc(status, kind_ == Kind::Live ? "StreamAnimation" : "Speak", client_->settings().address,
                          client_->settings().tls);
      state_ = FTALK_STREAM_FAILED;
      error_ = e.status;
      grpc_code_ = e.grpc_code;
      message_ = e.what();
      if (e.status == FTALK_E_UNAVAILABLE && have_header_)
        message_ = "the server went away mid-stream (the client reconnects by itself; open a new stream): " + message_;
    }
    state = state_;
    error = error_;
    message = message_;
    changed_.notify_all();
  }
  if (callbacks_.on_finished) callbacks_.on_finished(callbacks_.user_data, state, error, message.c_str());
  report_finished();
}

ftalk_status Stream::wait_ready(uint32_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [&] { return have_header_ || state_ == FTALK_STREAM_FAILED || state_ == FTALK_STREAM_FINISHED; });
  if (have_header_) return FTALK_OK;
  ensure_usable_locked();
  if (state_ == FTALK_STREAM_FINISHED) throw Error(FTALK_E_STATE, "the stream finished without a header");
  return FTALK_NOT_READY;
}

ftalk_status Stream::wait(uint32_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  // Done once the outcome is known and the on_finished callback has run, so that a caller of
  // wait sees everything the callbacks did.
  const bool done = changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return (state_ == FTALK_STREAM_FAILED || state_ == FTALK_STREAM_FINISHED) && finished_reported_;
  });
  return done ? FTALK_DONE : FTALK_NOT_READY;
}

ftalk_status Stream::header(ftalk_animation_header* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!have_header_) {
    ensure_usable_locked();
    return FTALK_NOT_READY;
  }
  out->curve_count = curve_ptrs_.size();
  out->curve_names = curve_ptrs_.data();
  out->joint_count = joint_ptrs_.size();
  out->joint_names = joint_ptrs_.data();
  out->fps = header_.fps;
  out->lookahead_ms = header_.lookahead_ms;
  out->engine = header_.engine.c_str();
  return FTALK_OK;
}

std::size_t Stream::curve_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return header_.curve_names.size();
}

std::size_t Stream::joint_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return header_.joint_names.size();
}

void Stream::result(ftalk_stream_result* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  out->state = state_;
  out->error = error_;
  out->grpc_code = grpc_code_;
  out->interrupted = interrupted_ ? 1 : 0;
  out->frames_received = buffer_.received();
  out->frames = have_status_ ? status_.frames() : out->frames_received;
  out->audio_seconds = have_status_ ? status_.audio_seconds()
                                    : double(pushed_bytes_ / frame_bytes_) / double(sample_rate_);
  out->latest_frame_time_s = buffer_.latest_time();
  message_out_ = message_;
  out->message = message_out_.c_str();
}

ftalk_status Stream::sample(double t, const SampleOut& out, ftalk_sample_info* info) {
  SampleInfo si;
  const bool any = buffer_.sample(t, out, &si);
  if (info) {
    info->kind = ftalk_sample_kind(int(si.kind));
    info->frame_index = si.frame_index;
    info->frame_time_s = si.frame_time_s;
    info->alpha = si.alpha;
    info->idle = si.idle ? 1 : 0;
    info->latest_frame_time_s = si.latest_frame_time_s;
  }
  return any ? FTALK_OK : FTALK_NOT_READY;
}

ftalk_status Stream::frame(uint64_t index, const SampleOut& out, ftalk_frame* view) {
  Frame f;
  if (!buffer_.frame(index, &f)) return FTALK_NOT_READY;
  if ((out.weights && out.weight_count < f.weights.size()) || (out.joints && out.joint_count < f.joints.size()) ||
      (out.angles && out.angle_count < f.angles.size()))
    throw Error(FTALK_E_BUFFER_TOO_SMALL, "the frame has " + std::to_string(f.weights.size()) + " weights, " +
                                              std::to_string(f.joints.size()) + " joints, " +
                                              std::to_string(f.angles.size()) + " angles");
  if (out.weights) std::copy(f.weights.begin(), f.weights.end(), out.weights);
  if (out.joints) std::copy(f.joints.begin(), f.joints.end(), out.joints);
  if (out.angles) std::copy(f.angles.begin(), f.angles.end(), out.angles);
  if (view) {
    view->time_s = f.time_s;
    view->index = f.index;
    view->idle = f.idle ? 1 : 0;
    view->weight_count = f.weights.size();
    view->weights = out.weights;
    view->joint_count = f.joints.size();
    view->joints = reinterpret_cast<const ftalk_quat*>(out.joints);
    view->angle_count = f.angles.size();
    view->angles = out.angles;
  }
  return FTALK_OK;
}

ftalk_status Stream::held(uint64_t* first, uint64_t* count) {
  return buffer_.held(first, count) ? FTALK_OK : FTALK_NOT_READY;
}

ftalk_status Stream::poll_viseme(ftalk_viseme* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (visemes_.empty()) return FTALK_NOT_READY;
  Viseme v = std::move(visemes_.front());
  visemes_.pop_front();
  polled_phoneme_ = std::move(v.phoneme);
  *out = ftalk_viseme{v.id, viseme_name(v.id), polled_phoneme_.c_str(), v.start_s, v.end_s};
  return FTALK_OK;
}

bool Stream::close() {
  if (own_thread()) return false;
  std::lock_guard<std::mutex> closing(close_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    if (context_) context_->TryCancel();
    changed_.notify_all();
  }
  // The writer starts the reader, so join the writer first.
  if (writer_.joinable()) writer_.join();
  if (reader_.joinable()) reader_.join();
  return true;
}

}  // namespace ftalk
