// Real round trips against the real Python server: streams, sampling, Speak, interrupt,
// AnimateClip, CreateHead, server info, health, voices, the example program.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include "harness.h"

using namespace harness;

namespace {

Server& server() {
  static std::unique_ptr<Server> s;
  if (!s) s = std::make_unique<Server>();
  return *s;
}

struct ClientHandle {
  ftalk_client* c;
  explicit ClientHandle(ftalk_client* client) : c(client) {}
  ~ClientHandle() { ftalk_client_close(c); }
};

/// Every frame a stream delivered through its callback, in order.
struct Collected {
  std::mutex mutex;
  std::vector<double> times;
  std::vector<uint64_t> indexes;
  std::vector<std::vector<float>> weights;
  std::vector<std::vector<ftalk_quat>> joints;
  std::vector<std::vector<float>> angles;
  std::atomic<int> visemes{0};
  std::atomic<int> finished{0};
  std::atomic<size_t> audio_bytes{0};

  static void on_frame(void* user, const ftalk_frame* f) {
    auto* self = static_cast<Collected*>(user);
    std::lock_guard<std::mutex> lock(self->mutex);
    self->times.push_back(f->time_s);
    self->indexes.push_back(f->index);
    self->weights.emplace_back(f->weights, f->weights + f->weight_count);
    self->joints.emplace_back(f->joints, f->joints + f->joint_count);
    self->angles.emplace_back(f->angles, f->angles + f->angle_count);
  }
  static void on_viseme(void* user, const ftalk_viseme*) { ++static_cast<Collected*>(user)->visemes; }
  static void on_audio(void* user, const void*, size_t bytes, double) { static_cast<Collected*>(user)->audio_bytes += bytes; }
  static void on_finished(void* user, ftalk_stream_state, ftalk_status, const char*) {
    ++static_cast<Collected*>(user)->finished;
  }
  ftalk_stream_callbacks callbacks() {
    ftalk_stream_callbacks c{};
    c.user_data = this;
    c.on_frame = on_frame;
    c.on_viseme = on_viseme;
    c.on_audio = on_audio;
    c.on_finished = on_finished;
    return c;
  }
};

/// Streams a WAV as fast as flow control allows, ends, waits for the status.
ftalk_stream* stream_wav(ftalk_client* client, const Wav& wav, Collected* collected, uint32_t fps = 30,
                         uint64_t seed = 7) {
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.sample_rate_hz = wav.sample_rate;
  config.channels = wav.channels;
  config.options.fps = fps;
  config.options.seed = seed;
  config.idle_after_ms = 10000;  // pushed faster than real time
  if (collected) config.callbacks = collected->callbacks();
  ftalk_stream* stream = nullptr;
  if (ftalk_stream_open(client, &config, &stream) != FTALK_OK) throw std::runtime_error(ftalk_last_error());
  const size_t chunk = wav.sample_rate / 50 * wav.channels;  // 20 ms
  for (size_t i = 0; i < wav.samples.size(); i += chunk) {
    const size_t n = std::min(chunk, wav.samples.size() - i);
    if (ftalk_stream_push(stream, wav.samples.data() + i, n * 2) != FTALK_OK) throw std::runtime_error(ftalk_last_error());
  }
  if (ftalk_stream_end(stream) != FTALK_OK) throw std::runtime_error(ftalk_last_error());
  return stream;
}

bool same_quat(const ftalk_quat& a, const ftalk_quat& b) { return a.x == b.x && a.y == b.y && a.z == b.z && a.w == b.w; }

}  // namespace

TEST_CASE(info_health_voices) {
  ClientHandle client(make_client(server().address()));
  REQUIRE_OK(ftalk_client_connect(client.c));
  ftalk_health health = FTALK_HEALTH_UNKNOWN;
  REQUIRE_OK(ftalk_client_health(client.c, nullptr, &health));
  CHECK(health == FTALK_HEALTH_SERVING);
  REQUIRE_OK(ftalk_client_health(client.c, "fantasytalking.v1.AnimationService", &health));
  CHECK(health == FTALK_HEALTH_SERVING);
  CHECK_STATUS(ftalk_client_health(client.c, "no.such.Service", &health), FTALK_OK);
  CHECK(health == FTALK_HEALTH_SERVICE_UNKNOWN);

  ftalk_server_info* info = nullptr;
  REQUIRE_OK(ftalk_client_server_info(client.c, &info));
  ftalk_server_info_view view;
  REQUIRE_OK(ftalk_server_info_view_get(info, &view));
  CHECK(std::strlen(view.version) > 0);
  CHECK(view.joint_count == 5);
  CHECK(std::string(view.joint_names[0]) == "jaw");
  CHECK(view.min_sample_rate_hz == 8000 && view.max_sample_rate_hz == 48000);
  CHECK(view.max_fps == 120);
  CHECK(view.engine_count >= 2);
  bool has_animation = false;
  for (size_t i = 0; i < view.service_count; ++i)
    has_animation |= std::string(view.services[i]) == "fantasytalking.v1.AnimationService";
  CHECK(has_animation);
  size_t n = 0;
  const char* const* names = nullptr;
  REQUIRE_OK(ftalk_server_info_curve_names(info, FTALK_RIG_ARKIT_52, &n, &names));
  CHECK(n == 52);
  CHECK(std::find_if(names, names + n, [](const char* s) { return std::string(s) == "JawOpen"; }) != names + n);
  REQUIRE_OK(ftalk_server_info_curve_names(info, FTALK_RIG_ARKIT_52_VISEMES, &n, &names));
  CHECK(n == 67);
  REQUIRE_OK(ftalk_server_info_free(info));
  CHECK_STATUS(ftalk_server_info_view_get(info, &view), FTALK_E_CLOSED);

  ftalk_voice_list* voices = nullptr;
  REQUIRE_OK(ftalk_client_list_voices(client.c, "en-US", &voices));
  size_t count = 0;
  REQUIRE_OK(ftalk_voice_list_count(voices, &count));
  CHECK(count > 0);
  ftalk_voice voice;
  REQUIRE_OK(ftalk_voice_list_get(voices, 0, &voice));
  CHECK(std::strlen(voice.name) > 0);
  CHECK_STATUS(ftalk_voice_list_get(voices, count, &voice), FTALK_E_INVALID_ARGUMENT);
  REQUIRE_OK(ftalk_voice_list_free(voices));
  ftalk_connection_state state;
  REQUIRE_OK(ftalk_client_connection_state(client.c, &state));
  CHECK(state == FTALK_CONNECTION_READY);
}

TEST_CASE(stream_wav_frames_names_and_exact_sampling) {
  const Wav wav = speech_wav("The quick brown fox jumps over the lazy dog.", "fox");
  ClientHandle client(make_client(server().address()));
  Collected got;
  ftalk_stream* stream = stream_wav(client.c, wav, &got);
  REQUIRE(ftalk_stream_wait(stream, 60000) == FTALK_DONE);

  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FINISHED);
  CHECK(result.error == FTALK_OK);
  CHECK(result.interrupted == 0);
  // One frame per 1/30 s of audio, from 0 to the end.
  const uint64_t expected = uint64_t(std::ceil(wav.seconds() * 30 - 1e-9));
  CHECK(result.frames == expected);
  CHECK(result.frames_received == expected);
  CHECK(std::fabs(result.audio_seconds - wav.seconds()) < 1e-6);
  CHECK(got.finished == 1);
  CHECK(got.visemes > 0);

  ftalk_animation_header header;
  REQUIRE_OK(ftalk_stream_header(stream, &header));
  CHECK(header.curve_count == 52);
  CHECK(header.joint_count == 5);
  CHECK(header.fps == 30);
  CHECK(std::string(header.engine) == "acoustic");
  CHECK(std::string(header.curve_names[0]) == "EyeBlinkLeft");
  size_t jaw_open = 52;
  for (size_t i = 0; i < header.curve_count; ++i)
    if (std::string(header.curve_names[i]) == "JawOpen") jaw_open = i;
  REQUIRE(jaw_open < 52);
  CHECK(std::string(header.joint_names[0]) == "jaw");

  std::lock_guard<std::mutex> lock(got.mutex);
  REQUIRE(got.times.size() == expected);
  double jaw_max = 0;
  for (size_t i = 0; i < got.times.size(); ++i) {
    CHECK(got.indexes[i] == i);
    CHECK(got.times[i] == double(i) / 30.0);  // time codes on the audio clock, exactly
    CHECK(got.weights[i].size() == 52 && got.joints[i].size() == 5 && got.angles[i].size() == 9);
    jaw_max = std::max(jaw_max, double(got.weights[i][jaw_open]));
  }
  CHECK(jaw_max > 0.2);  // speech opens the jaw

  // At a frame's time the sample is the server's frame, bit for bit.
  std::vector<float> w(52), a(9);
  std::vector<ftalk_quat> j(5);
  ftalk_sample_info info;
  int exact_mismatches = 0;
  for (size_t i = 0; i < got.times.size(); ++i) {
    REQUIRE_OK(ftalk_stream_sample_ex(stream, double(i) / 30.0, w.data(), w.size(), j.data(), j.size(), a.data(), a.size(), &info));
    exact_mismatches += info.kind != FTALK_SAMPLE_EXACT || info.frame_index != i || w != got.weights[i] ||
                        a != got.angles[i] ||
                        !std::equal(j.begin(), j.end(), got.joints[i].begin(), same_quat);
  }
  CHECK(exact_mismatches == 0);
  // The audio clock in samples gives the same frames: sample N is at N / rate.
  const uint64_t frame_45_sample = 45 * wav.sample_rate / 30;  // 1.5 s
  REQUIRE_OK(ftalk_stream_sample(stream, double(frame_45_sample) / wav.sample_rate, w.data(), w.size(), j.data(), j.size()));
  CHECK(w == got.weights[45]);

  // Between frames: weights linear, joints slerped (unit length, between the two).
  int interp_bad = 0;
  for (size_t i = 0; i + 1 < got.times.size(); i += 7) {
    for (double alpha : {0.25, 0.5, 0.9}) {
      const double t = (double(i) + alpha) / 30.0;
      REQUIRE_OK(ftalk_stream_sample_ex(stream, t, w.data(), w.size(), j.data(), j.size(), nullptr, 0, &info));
      interp_bad += info.kind != FTALK_SAMPLE_INTERPOLATED || info.frame_index != i || std::fabs(info.alpha - alpha) > 1e-6;
      for (size_t k = 0; k < 52; ++k) {
        const double expected_w = got.weights[i][k] + alpha * (got.weights[i + 1][k] - got.weights[i][k]);
        interp_bad += std::fabs(w[k] - expected_w) > 1e-5;
      }
      for (size_t k = 0; k < 5; ++k) {
        const ftalk_quat& q = j[k];
        const double norm = std::sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
        interp_bad += std::fabs(norm - 1.0) > 1e-5;
        // slerp angle from the first frame is alpha of the whole angle between the two frames
        auto angle = [](const ftalk_quat& p, const ftalk_quat& r) {
          const double d = std::fabs(double(p.x) * r.x + double(p.y) * r.y + double(p.z) * r.z + double(p.w) * r.w);
          return 2 * std::acos(std::min(1.0, d));
        };
        const double whole = angle(got.joints[i][k], got.joints[i + 1][k]);
        if (whole > 1e-3) interp_bad += std::fabs(angle(got.joints[i][k], q) - alpha * whole) > 1e-3;
      }
    }
  }
  CHECK(interp_bad == 0);
  // After the last frame the last is held; before the first, the first.
  REQUIRE_OK(ftalk_stream_sample_ex(stream, 1e6, w.data(), w.size(), nullptr, 0, nullptr, 0, &info));
  CHECK(info.kind == FTALK_SAMPLE_HELD_LAST && w == got.weights.back());
  REQUIRE_OK(ftalk_stream_sample_ex(stream, -1.0, w.data(), w.size(), nullptr, 0, nullptr, 0, &info));
  CHECK(info.kind == FTALK_SAMPLE_HELD_FIRST && w == got.weights.front());

  // Frames read back by index equal the callback's.
  ftalk_frame frame;
  REQUIRE_OK(ftalk_stream_frame(stream, 10, w.data(), w.size(), j.data(), j.size(), a.data(), a.size(), &frame));
  CHECK(frame.index == 10 && frame.time_s == 10.0 / 30.0 && w == got.weights[10]);
  uint64_t first = 0, count = 0;
  REQUIRE_OK(ftalk_stream_frames_held(stream, &first, &count));
  CHECK(first == 0 && count == expected);
  // Visemes can be polled too.
  ftalk_viseme viseme;
  int polled = 0;
  while (ftalk_stream_poll_viseme(stream, &viseme) == FTALK_OK) {
    CHECK(viseme.viseme_id < 15 && viseme.end_s >= viseme.start_s);
    ++polled;
  }
  CHECK(polled == got.visemes);
  REQUIRE_OK(ftalk_stream_close(stream));

  // The same audio as a whole clip gives the same frames.
  ftalk_animation_options options;
  ftalk_animation_options_init(&options);
  options.seed = 7;
  ftalk_clip* clip = nullptr;
  REQUIRE_OK(ftalk_animate_clip(client.c, wav.bytes.data(), wav.bytes.size(), &options, &clip));
  ftalk_clip_view view;
  REQUIRE_OK(ftalk_clip_view_get(clip, &view));
  CHECK(view.frame_count == expected);
  CHECK(std::fabs(view.duration_s - wav.seconds()) < 1e-3);
  CHECK(view.header.curve_count == 52 && view.angle_count == 9 && view.viseme_count > 0);
  int clip_diff = 0;
  for (size_t i = 0; i < std::min<size_t>(view.frame_count, got.times.size()); ++i) {
    clip_diff += view.times[i] != got.times[i];
    clip_diff += !std::equal(got.weights[i].begin(), got.weights[i].end(), view.weights + i * 52);
  }
  CHECK(clip_diff == 0);
  // A clip samples as a stream does.
  REQUIRE_OK(ftalk_clip_sample(clip, 20.0 / 30.0, w.data(), w.size(), j.data(), j.size(), nullptr, 0, &info));
  CHECK(info.kind == FTALK_SAMPLE_EXACT && std::equal(w.begin(), w.end(), view.weights + 20 * 52));
  REQUIRE_OK(ftalk_clip_free(clip));
}

TEST_CASE(stream_raw_pcm_clip_and_f32) {
  const Wav wav = speech_wav("Open the window please.", "window");
  ClientHandle client(make_client(server().address()));
  // AnimatePcm with float samples at 60 fps.
  std::vector<float> f32(wav.samples.size());
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = wav.samples[i] / 32768.0f;
  ftalk_animation_options options;
  ftalk_animation_options_init(&options);
  options.fps = 60;
  options.rig = FTALK_RIG_ARKIT_52_VISEMES;
  ftalk_clip* clip = nullptr;
  REQUIRE_OK(ftalk_animate_pcm(client.c, f32.data(), f32.size() * 4, FTALK_AUDIO_PCM_F32LE, wav.sample_rate, 1, &options, &clip));
  ftalk_clip_view view;
  REQUIRE_OK(ftalk_clip_view_get(clip, &view));
  CHECK(view.header.fps == 60 && view.header.curve_count == 67);
  CHECK(view.frame_count == uint64_t(std::ceil(wav.seconds() * 60 - 1e-9)));
  REQUIRE_OK(ftalk_clip_free(clip));

  // A float32 stream at 48 kHz stereo.
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.encoding = FTALK_AUDIO_PCM_F32LE;
  config.sample_rate_hz = 48000;
  config.channels = 2;
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_stream_open(client.c, &config, &stream));
  std::vector<float> stereo(size_t(48000 * 1.0) * 2);
  for (size_t i = 0; i < stereo.size() / 2; ++i)
    stereo[2 * i] = stereo[2 * i + 1] = 0.3f * std::sin(2 * M_PI * 220 * double(i) / 48000) * (i % 9600 < 4800);
  REQUIRE_OK(ftalk_stream_push(stream, stereo.data(), stereo.size() * 4));
  REQUIRE_OK(ftalk_stream_end(stream));
  CHECK(ftalk_stream_wait(stream, 60000) == FTALK_DONE);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FINISHED);
  CHECK(result.frames == 30);
  CHECK(std::fabs(result.audio_seconds - 1.0) < 1e-9);
  REQUIRE_OK(ftalk_stream_close(stream));
}

TEST_CASE(speak_audio_and_frames) {
  ClientHandle client(make_client(server().address()));
  Collected got;
  ftalk_speak_request request;
  ftalk_speak_request_init(&request);
  request.text = "Hello there. This is the native client speaking.";
  request.language = "en-US";
  request.sample_rate_hz = 22050;
  request.callbacks = got.callbacks();
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_speak(client.c, &request, &stream));
  CHECK_STATUS(ftalk_stream_push(stream, "\0\0", 2), FTALK_E_STATE);
  CHECK_STATUS(ftalk_stream_end(stream), FTALK_E_STATE);
  REQUIRE(ftalk_stream_wait(stream, 120000) == FTALK_DONE);
  ftalk_speech_info speech;
  REQUIRE_OK(ftalk_stream_speech_info(stream, &speech));
  CHECK(speech.sample_rate_hz == 22050 && speech.encoding == FTALK_AUDIO_PCM_S16LE && speech.channels == 1);
  CHECK(speech.sentences == 2);
  CHECK(std::strlen(speech.voice) > 0 && std::strlen(speech.tts_engine) > 0);
  std::string audio;
  char buffer[3001];  // odd on purpose: only whole samples come out
  size_t n = 0;
  ftalk_status s;
  while ((s = ftalk_stream_read_audio(stream, buffer, sizeof buffer, &n)) == FTALK_OK) {
    CHECK(n % 2 == 0);
    audio.append(buffer, n);
  }
  CHECK(s == FTALK_DONE);
  CHECK(audio.size() == got.audio_bytes.load());
  const double seconds = double(audio.size() / 2) / 22050;
  CHECK(seconds > 1.5);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FINISHED);
  CHECK(result.frames_received == uint64_t(std::ceil(seconds * 30 - 1e-9)));
  ftalk_animation_header header;
  REQUIRE_OK(ftalk_stream_header(stream, &header));
  CHECK(std::string(header.engine) == "tts");
  std::vector<float> w(header.curve_count);
  ftalk_sample_info info;
  REQUIRE_OK(ftalk_stream_sample_ex(stream, 0.5, w.data(), w.size(), nullptr, 0, nullptr, 0, &info));
  CHECK(info.kind == FTALK_SAMPLE_EXACT && info.frame_index == 15);
  std::lock_guard<std::mutex> lock(got.mutex);
  CHECK(w == got.weights[15]);
  CHECK(got.visemes > 0);
  REQUIRE_OK(ftalk_stream_close(stream));
}

TEST_CASE(interrupt_live_and_speak) {
  const Wav wav = speech_wav("Interrupt me if you can, I will keep on talking for a while.", "long");
  ClientHandle client(make_client(server().address()));
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.sample_rate_hz = wav.sample_rate;
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_stream_open(client.c, &config, &stream));
  REQUIRE_OK(ftalk_stream_push(stream, wav.samples.data(), wav.samples.size() * 2));
  REQUIRE_OK(ftalk_stream_wait_ready(stream, 30000));
  REQUIRE_OK(ftalk_stream_interrupt(stream));
  REQUIRE_OK(ftalk_stream_end(stream));
  CHECK_STATUS(ftalk_stream_interrupt(stream), FTALK_E_STATE);
  REQUIRE(ftalk_stream_wait(stream, 60000) == FTALK_DONE);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FINISHED);
  CHECK(result.interrupted == 1);
  REQUIRE_OK(ftalk_stream_close(stream));

  // After an interrupt, more audio continues on the same clock and the stream ends normally.
  REQUIRE_OK(ftalk_stream_open(client.c, &config, &stream));
  const size_t half = wav.samples.size() / 2;
  REQUIRE_OK(ftalk_stream_push(stream, wav.samples.data(), half * 2));
  REQUIRE_OK(ftalk_stream_interrupt(stream));
  REQUIRE_OK(ftalk_stream_push(stream, wav.samples.data() + half, (wav.samples.size() - half) * 2));
  REQUIRE_OK(ftalk_stream_end(stream));
  REQUIRE(ftalk_stream_wait(stream, 60000) == FTALK_DONE);
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FINISHED && result.interrupted == 0);
  CHECK(result.latest_frame_time_s > 0);
  REQUIRE_OK(ftalk_stream_close(stream));

  // Interrupting Speak cancels synthesis at once.
  ftalk_speak_request request;
  ftalk_speak_request_init(&request);
  std::string text;
  for (int i = 0; i < 40; ++i) text += "This sentence is one of many that will never be spoken. ";
  request.text = text.c_str();
  REQUIRE_OK(ftalk_speak(client.c, &request, &stream));
  REQUIRE_OK(ftalk_stream_wait_ready(stream, 60000));
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_OK(ftalk_stream_interrupt(stream));
  REQUIRE(ftalk_stream_wait(stream, 10000) == FTALK_DONE);
  CHECK(seconds_since(start) < 5);
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  CHECK(result.state == FTALK_STREAM_FINISHED && result.interrupted == 1);
  REQUIRE_OK(ftalk_stream_close(stream));
}

TEST_CASE(create_head_from_a_photo) {
  const std::string samples = std::string(FTALK_REPO_ROOT) + "/../shared/samples/images/";
  const std::string photo = samples + "woman_asian_512.jpg";
  if (!file_exists(photo)) throw Skip("no sample portrait at " + photo + " (../shared/samples is absent here)");
  const std::string image = read_file(photo);
  ClientHandle client(make_client(server().address()));
  struct Progress {
    std::vector<std::string> stages;
    float last = -1;
    bool monotonic = true;
    static int record(void* user, const char* stage, float fraction) {
      auto* p = static_cast<Progress*>(user);
      p->stages.push_back(stage);
      p->monotonic &= fraction >= p->last;
      p->last = fraction;
      return 0;
    }
  } progress;
  ftalk_head_request request;
  ftalk_head_request_init(&request);
  request.image = image.data();
  request.image_size = image.size();
  request.texture_size = 512;
  request.detail = FTALK_MESH_DETAIL_LOW;
  request.user_data = &progress;
  request.on_progress = Progress::record;
  ftalk_head* head = nullptr;
  std::fprintf(stderr, "  photo: %s\n", photo.c_str());
  REQUIRE_OK(ftalk_create_head(client.c, &request, &head));
  ftalk_head_view view;
  REQUIRE_OK(ftalk_head_view_get(head, &view));
  CHECK(view.glb_size > 1000 && std::memcmp(view.glb, "glTF", 4) == 0);
  CHECK(view.morph_target_count == 67);
  CHECK(std::string(view.morph_target_names[0]) == "EyeBlinkLeft");
  CHECK(view.landmark_count == 478);
  CHECK(view.vertex_count > 468);
  CHECK(view.faces_found >= 1 && view.frontality > 0);
  CHECK(!progress.stages.empty() && progress.monotonic && progress.stages.back() == "done");
  const std::string auto_glb(reinterpret_cast<const char*>(view.glb), view.glb_size);
  REQUIRE_OK(ftalk_head_free(head));

  // Hair and level of detail: no hair material without hair, fewer bytes at LOD 2; bad values rejected.
  request.on_progress = nullptr;
  request.hair = "none";
  request.lod = 2;
  REQUIRE_OK(ftalk_create_head(client.c, &request, &head));
  REQUIRE_OK(ftalk_head_view_get(head, &view));
  const std::string bare_glb(reinterpret_cast<const char*>(view.glb), view.glb_size);
  CHECK(view.morph_target_count == 67);
  CHECK(auto_glb.find("\"name\":\"hair\"") != std::string::npos);
  CHECK(bare_glb.find("\"name\":\"hair\"") == std::string::npos);
  CHECK(bare_glb.size() < auto_glb.size() / 2);
  std::fprintf(stderr, "  auto hair, LOD 0: %zu bytes; no hair, LOD 2: %zu bytes\n", auto_glb.size(), bare_glb.size());
  REQUIRE_OK(ftalk_head_free(head));
  request.hair = "mohawk";
  request.lod = 0;
  CHECK_STATUS(ftalk_create_head(client.c, &request, &head), FTALK_E_REJECTED);
  CHECK(std::string(ftalk_last_error()).find("mohawk") != std::string::npos);
  request.hair = nullptr;
  request.lod = 4;
  CHECK_STATUS(ftalk_create_head(client.c, &request, &head), FTALK_E_REJECTED);
  request.lod = 0;
  request.user_data = &progress;
  request.on_progress = Progress::record;

  // Cancelling from the progress callback.
  request.on_progress = [](void*, const char*, float) { return 1; };
  CHECK_STATUS(ftalk_create_head(client.c, &request, &head), FTALK_E_CANCELLED);
  CHECK(head == nullptr);
  // A photo without a face.
  const std::string landscape = read_file(samples + "noface_landscape_rocket_640x427.jpg");
  request.on_progress = nullptr;
  request.image = landscape.data();
  request.image_size = landscape.size();
  CHECK_STATUS(ftalk_create_head(client.c, &request, &head), FTALK_E_REJECTED);
  std::fprintf(stderr, "  no face: %s\n", ftalk_last_error());
  // A photo that is not a photo.
  request.on_progress = nullptr;
  request.image = "not an image at all";
  request.image_size = 19;
  CHECK_STATUS(ftalk_create_head(client.c, &request, &head), FTALK_E_REJECTED);
  CHECK(std::strlen(ftalk_last_error()) > 0);
}

TEST_CASE(example_prints_jaw_open) {
  const Wav wav = speech_wav("The quick brown fox jumps over the lazy dog.", "fox");
  const std::string out = temp_dir() + "/example.txt";
  const std::string cmd = std::string(FTALK_EXAMPLE) + " " + server().address() + " " + temp_dir() + "/fox.wav --fast > " + out;
  REQUIRE(shell(cmd) == 0);
  const std::string text = read_file(out);
  // One line per frame: "t=0.033 JawOpen=0.123"; count them.
  size_t lines = std::count(text.begin(), text.end(), '\n');
  CHECK(text.find("JawOpen") != std::string::npos);
  CHECK(lines >= size_t(std::ceil(wav.seconds() * 30 - 1e-9)));
}

TEST_CASE(drift_an_hour_of_stream_time_sampled_by_an_audio_clock) {
  // An hour of speech at 8 kHz goes to the real server as fast as it takes it; a simulated
  // audio device plays it back in 256-sample blocks and samples the buffer at every block's
  // playback time, faster than real time. Every frame's time code is index / fps exactly, every
  // sample is the exact blend of the two frames around it, and after the hour the clock lands
  // on the last frame: nothing accumulates. The hour takes ~1-2 minutes of a busy 2-core machine,
  // so CTest runs 10 minutes of stream time unless FTALK_DRIFT_SECONDS says otherwise (3600 for the hour).
  const char* env_seconds = std::getenv("FTALK_DRIFT_SECONDS");
  const double kSeconds = env_seconds && std::atof(env_seconds) >= 1 ? std::floor(std::atof(env_seconds)) : 600;
  const Wav fox = speech_wav("The quick brown fox jumps over the lazy dog.", "fox");
  constexpr uint32_t kRate = 8000, kBlock = 256;
  constexpr double kFps = 30;
  std::vector<int16_t> second(kRate);
  for (size_t i = 0; i < second.size(); ++i) second[i] = fox.samples[(i * fox.sample_rate / kRate) % fox.samples.size()];
  ClientHandle client(make_client(server().address()));
  struct Clock {
    std::atomic<uint64_t> frames{0}, off_clock{0};
  } clock;
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.sample_rate_hz = kRate;
  config.idle_after_ms = 10000;  // faster than real time: a stall of the busy machine is no pause
  config.callbacks.user_data = &clock;
  config.callbacks.on_frame = [](void* user, const ftalk_frame* f) {
    auto* c = static_cast<Clock*>(user);
    c->off_clock += f->time_s != double(f->index) / kFps || f->index != c->frames;
    ++c->frames;
  };
  ftalk_stream* stream = nullptr;
  REQUIRE_OK(ftalk_stream_open(client.c, &config, &stream));
  std::atomic<bool> abandon{false};
  std::thread feeder([&] {
    for (int k = 0; k < int(kSeconds) && !abandon; ++k) {
      ftalk_status s;
      while ((s = ftalk_stream_push(stream, second.data(), second.size() * 2)) == FTALK_E_BUSY)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (s != FTALK_OK) return;
    }
    ftalk_stream_end(stream);
  });
  struct JoinOnExit {
    std::atomic<bool>& abandon;
    std::thread& thread;
    ~JoinOnExit() {
      abandon = true;
      if (thread.joinable()) thread.join();
    }
  } join_on_exit{abandon, feeder};
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_OK(ftalk_stream_wait_ready(stream, 60000));
  ftalk_animation_header header;
  REQUIRE_OK(ftalk_stream_header(stream, &header));
  std::vector<float> w(header.curve_count), a(header.curve_count), b(header.curve_count);
  ftalk_sample_info info;
  ftalk_frame fa, fb;
  uint64_t samples = 0, exact = 0, bad = 0;
  const uint64_t total = uint64_t(kSeconds * kRate);
  for (uint64_t played = 0; played < total; played += kBlock) {
    const double t = double(played) / kRate;  // the audio device's position: the only clock
    // Play only what has arrived (a real device would be fed behind the look-ahead).
    while (true) {
      const ftalk_status st = ftalk_stream_sample_ex(stream, t, w.data(), w.size(), nullptr, 0, nullptr, 0, &info);
      REQUIRE(st == FTALK_OK || st == FTALK_NOT_READY);
      if ((st == FTALK_OK && info.latest_frame_time_s >= t + 1.0 / kFps) || clock.frames == uint64_t(kSeconds * kFps)) break;
      ftalk_stream_result r;
      ftalk_stream_result_get(stream, &r);
      REQUIRE(r.state != FTALK_STREAM_FAILED);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ++samples;
    const double position = t * kFps, nearest = std::round(position);
    if (std::fabs(position - nearest) < 1e-6) {
      ++exact;
      REQUIRE_OK(ftalk_stream_frame(stream, uint64_t(nearest), a.data(), a.size(), nullptr, 0, nullptr, 0, &fa));
      bad += info.kind != FTALK_SAMPLE_EXACT || info.frame_index != uint64_t(nearest) || w != a;
    } else {
      const uint64_t i = uint64_t(std::floor(position));
      const float alpha = float(position - double(i));
      REQUIRE_OK(ftalk_stream_frame(stream, i, a.data(), a.size(), nullptr, 0, nullptr, 0, &fa));
      if (i + 1 == uint64_t(kSeconds * kFps)) {  // after the last frame: it is held
        bad += info.kind != FTALK_SAMPLE_HELD_LAST || w != a;
        continue;
      }
      REQUIRE_OK(ftalk_stream_frame(stream, i + 1, b.data(), b.size(), nullptr, 0, nullptr, 0, &fb));
      bad += info.kind != FTALK_SAMPLE_INTERPOLATED || info.frame_index != i || std::fabs(info.alpha - alpha) > 1e-5;
      for (size_t k = 0; k < w.size(); ++k) bad += std::fabs(w[k] - (a[k] + alpha * (b[k] - a[k]))) > 1e-5;
    }
  }
  feeder.join();
  REQUIRE(ftalk_stream_wait(stream, 120000) == FTALK_DONE);
  ftalk_stream_result result;
  REQUIRE_OK(ftalk_stream_result_get(stream, &result));
  // The last block's clock, and the last frame, exactly where an hour puts them.
  const double last_t = double(total - kBlock) / kRate;
  REQUIRE_OK(ftalk_stream_sample_ex(stream, (kSeconds * kFps - 1) / kFps, w.data(), w.size(), nullptr, 0, nullptr, 0, &info));
  std::fprintf(stderr, "  %.0f s of stream time in %.1f s: %llu frames, %llu samples (%llu on frame times), last block at "
               "%.6f s, last frame %llu at %.9f s\n", result.audio_seconds, seconds_since(start),
               (unsigned long long)clock.frames.load(), (unsigned long long)samples, (unsigned long long)exact, last_t,
               (unsigned long long)info.frame_index, info.frame_time_s);
  CHECK(result.state == FTALK_STREAM_FINISHED);
  CHECK(result.audio_seconds == kSeconds);
  CHECK(clock.frames == uint64_t(kSeconds * kFps));
  CHECK(clock.off_clock == 0);
  CHECK(bad == 0);
  CHECK(exact == samples / 25 + (samples % 25 != 0));  // a block is 0.032 s: on a frame time every 25 blocks (0.8 s)
  CHECK(info.kind == FTALK_SAMPLE_EXACT && info.frame_index == uint64_t(kSeconds * kFps) - 1);
  CHECK(info.frame_time_s == (kSeconds * kFps - 1) / kFps);
  uint64_t first = 0, held = 0;
  REQUIRE_OK(ftalk_stream_frames_held(stream, &first, &held));
  CHECK(held < uint64_t(kFps * 120));  // a bounded window, not the hour
  REQUIRE_OK(ftalk_stream_close(stream));
}

int main(int argc, char** argv) {
  try {
    Server::require_available();
  } catch (const Skip& s) {
    std::fprintf(stderr, "SKIP: %s\n", s.what());
    return 77;
  }
  return harness::run(argc, argv);
}
