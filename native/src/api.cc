// The C boundary: handles in, statuses out, and no exception ever past this file.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <atomic>
#include <new>

#include <grpc/support/log.h>

#include "client.h"
#include "ftalk_client.h"
#include "internal.h"
#include "stream.h"

using namespace ftalk;

namespace {

struct LastError {
  ftalk_status status = FTALK_OK;
  std::string message;
  int grpc_code = -1;
};
thread_local LastError last_error;

template <class F>
ftalk_status guard(F&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    set_last_error(e.status, e.what(), e.grpc_code);
    return e.status;
  } catch (const std::bad_alloc&) {
    set_last_error(FTALK_E_NOMEM, "out of memory");
    return FTALK_E_NOMEM;
  } catch (const std::exception& e) {
    set_last_error(FTALK_E_INTERNAL, std::string("internal error: ") + e.what());
    return FTALK_E_INTERNAL;
  } catch (...) {
    set_last_error(FTALK_E_INTERNAL, "internal error");
    return FTALK_E_INTERNAL;
  }
}

void require(const void* p, const char* name) {
  if (!p) throw Error(FTALK_E_INVALID_ARGUMENT, std::string(name) + " is NULL");
}

template <class T>
std::shared_ptr<T> lookup(const void* handle, const char* name) {
  require(handle, name);
  auto object = Registry::instance().get<T>(reinterpret_cast<uintptr_t>(handle));
  if (!object) throw Error(FTALK_E_CLOSED, std::string(name) + " is closed (or not a handle of this kind from this library)");
  return object;
}

template <class T>
std::shared_ptr<T> take(const void* handle, const char* name) {
  require(handle, name);
  auto object = Registry::instance().remove<T>(reinterpret_cast<uintptr_t>(handle));
  if (!object) throw Error(FTALK_E_CLOSED, std::string(name) + " is already closed (or not a handle of this kind)");
  return object;
}

template <class Handle, class T>
Handle* handle_of(std::shared_ptr<T> object) {
  return reinterpret_cast<Handle*>(static_cast<uintptr_t>(Registry::instance().add(std::move(object))));
}

std::vector<const char*> pointers(const google::protobuf::RepeatedPtrField<std::string>& strings) {
  std::vector<const char*> out;
  out.reserve(std::size_t(strings.size()));
  for (const auto& s : strings) out.push_back(s.c_str());
  return out;
}

/// Checks a caller's output arrays against what will be written.
SampleOut sample_out(float* weights, std::size_t weight_capacity, ftalk_quat* joints, std::size_t joint_capacity,
                     float* angles, std::size_t angle_capacity, std::size_t curves, std::size_t joint_count,
                     std::size_t angle_count) {
  if (!weights && weight_capacity) throw Error(FTALK_E_INVALID_ARGUMENT, "out_weights is NULL but weight_capacity is not 0");
  if (!joints && joint_capacity) throw Error(FTALK_E_INVALID_ARGUMENT, "out_joints is NULL but joint_capacity is not 0");
  if (!angles && angle_capacity) throw Error(FTALK_E_INVALID_ARGUMENT, "out_angles is NULL but angle_capacity is not 0");
  if (weights && weight_capacity < curves)
    throw Error(FTALK_E_BUFFER_TOO_SMALL, "out_weights holds " + std::to_string(weight_capacity) + " floats; the stream has " +
                                              std::to_string(curves) + " curves");
  if (joints && joint_capacity < joint_count)
    throw Error(FTALK_E_BUFFER_TOO_SMALL, "out_joints holds " + std::to_string(joint_capacity) + " quaternions; the stream has " +
                                              std::to_string(joint_count) + " joints");
  if (angles && angle_capacity < angle_count)
    throw Error(FTALK_E_BUFFER_TOO_SMALL, "out_angles holds " + std::to_string(angle_capacity) + " floats; frames have " +
                                              std::to_string(angle_count) + " angles");
  return SampleOut{weights, weight_capacity, reinterpret_cast<Quat*>(joints), joint_capacity, angles, angle_capacity};
}

// ---- objects behind the result handles ---------------------------------------------------------

struct ServerInfoObject {
  v1::ServerInfo info;
  std::vector<std::vector<const char*>> engine_languages;
  std::vector<ftalk_engine_info> engines;
  std::vector<const char*> languages, services, joints;
  std::vector<std::vector<const char*>> curves;  // by ftalk_rig_profile 0..3

  explicit ServerInfoObject(v1::ServerInfo message) : info(std::move(message)) {
    for (const auto& e : info.engines()) engine_languages.push_back(pointers(e.languages()));
    for (int i = 0; i < info.engines_size(); ++i) {
      const auto& e = info.engines(i);
      engines.push_back({e.name().c_str(), e.description().c_str(), engine_languages[std::size_t(i)].size(),
                         engine_languages[std::size_t(i)].data(), e.streaming() ? 1 : 0});
    }
    languages = pointers(info.languages());
    services = pointers(info.services());
    joints = pointers(info.joint_names());
    for (int rig = 0; rig <= 3; ++rig) {
      const int named = rig == 0 ? 1 : rig;  // "default" is ARKit-52
      auto it = info.blendshape_names().find(v1::RigProfile_Name(v1::RigProfile(named)));
      curves.push_back(it == info.blendshape_names().end() ? std::vector<const char*>() : pointers(it->second.names()));
    }
  }
};

struct VoiceListObject {
  v1::ListVoicesResponse voices;
};

struct ClipObject {
  v1::AnimateClipResponse response;
  Header header;
  std::vector<const char*> curve_ptrs, joint_ptrs;
  std::vector<Frame> frames;
  std::vector<double> times;
  std::vector<float> weights, angles;
  std::vector<Quat> joints;
  std::vector<uint8_t> idle;
  std::vector<ftalk_viseme> visemes;
  std::size_t angle_count = 0;

  explicit ClipObject(v1::AnimateClipResponse message) : response(std::move(message)) {
    header = from_proto(response.header());
    for (const auto& n : header.curve_names) curve_ptrs.push_back(n.c_str());
    for (const auto& n : header.joint_names) joint_ptrs.push_back(n.c_str());
    angle_count = response.frames_size() && response.frames(0).angles_size() == int(kAngleCount) ? kAngleCount : 0;
    for (const auto& f : response.frames()) {
      Frame frame = from_proto(f, 0);
      if (frame.weights.size() != header.curve_names.size() || frame.joints.size() != header.joint_names.size() ||
          frame.angles.size() != angle_count)
        throw Error(FTALK_E_PROTOCOL, "AnimateClip frame " + std::to_string(frame.index) + " does not match the header");
      times.push_back(frame.time_s);
      weights.insert(weights.end(), frame.weights.begin(), frame.weights.end());
      joints.insert(joints.end(), frame.joints.begin(), frame.joints.end());
      angles.insert(angles.end(), frame.angles.begin(), frame.angles.end());
      idle.push_back(frame.idle ? 1 : 0);
      frames.push_back(std::move(frame));
    }
    for (const auto& v : response.visemes())
      visemes.push_back({v.viseme_id(), viseme_name(v.viseme_id()), v.phoneme().c_str(), v.start_s(), v.end_s()});
  }
};

struct HeadObject {
  Client::HeadResult result;
  std::vector<const char*> morphs, joints, warnings;
  std::vector<float> landmarks;

  explicit HeadObject(Client::HeadResult r) : result(std::move(r)) {
    morphs = pointers(result.metadata.morph_target_names());
    joints = pointers(result.metadata.joint_names());
    warnings = pointers(result.metadata.quality().warnings());
    for (const auto& l : result.metadata.landmarks()) landmarks.insert(landmarks.end(), {l.x(), l.y(), l.z()});
  }
};

// Logging: gRPC's log lines go through one function that forwards them, or drops them.
struct LogSink {
  std::mutex mutex;
  ftalk_log_callback callback = nullptr;
  void* user = nullptr;
  ftalk_log_level min_level = FTALK_LOG_ERROR;
  bool to_stderr = false;
};

LogSink& log_sink() {
  static LogSink* sink = new LogSink();  // never destroyed: gRPC may log during exit
  return *sink;
}

void forward_log(gpr_log_func_args* args) {
  LogSink& sink = log_sink();
  const ftalk_log_level level = args->severity == GPR_LOG_SEVERITY_ERROR  ? FTALK_LOG_ERROR
                                : args->severity == GPR_LOG_SEVERITY_INFO ? FTALK_LOG_INFO
                                                                          : FTALK_LOG_DEBUG;
  std::lock_guard<std::mutex> lock(sink.mutex);
  if (level < sink.min_level) return;
  if (sink.callback) {
    sink.callback(sink.user, level, args->message);
  } else if (sink.to_stderr) {
    std::fprintf(stderr, "ftalk: grpc %s:%d: %s\n", args->file, args->line, args->message);
  }
}

/// Once per process, before the first channel: route gRPC's log through forward_log.
void install_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("FTALK_LOG");
    log_sink().to_stderr = env && *env && std::strcmp(env, "0") != 0;
    gpr_set_log_function(forward_log);
  });
}

const char* const kAngleNames[kAngleCount] = {"HeadYaw",      "HeadPitch",     "HeadRoll",
                                              "LeftEyeYaw",   "LeftEyePitch",  "LeftEyeRoll",
                                              "RightEyeYaw",  "RightEyePitch", "RightEyeRoll"};

}  // namespace

namespace ftalk {

void set_last_error(ftalk_status status, const std::string& message, int grpc_code) {
  last_error.status = status;
  last_error.message = message;
  last_error.grpc_code = grpc_code;
}

Registry& Registry::instance() {
  static Registry* registry = new Registry();  // never destroyed: handles may outlive static destructors
  return *registry;
}

}  // namespace ftalk

extern "C" {

FTALK_API int ftalk_abi_version(void) { return FTALK_ABI_VERSION; }
FTALK_API const char* ftalk_version(void) { return FTALK_VERSION_STRING; }
FTALK_API const char* ftalk_last_error(void) { return last_error.message.c_str(); }
FTALK_API ftalk_status ftalk_last_error_code(void) { return last_error.status; }
FTALK_API int ftalk_last_error_grpc_code(void) { return last_error.grpc_code; }

FTALK_API const char* ftalk_status_name(ftalk_status status) {
  switch (enum_value(status)) {
    case FTALK_OK: return "FTALK_OK";
    case FTALK_NOT_READY: return "FTALK_NOT_READY";
    case FTALK_DONE: return "FTALK_DONE";
    case FTALK_E_INVALID_ARGUMENT: return "FTALK_E_INVALID_ARGUMENT";
    case FTALK_E_BUFFER_TOO_SMALL: return "FTALK_E_BUFFER_TOO_SMALL";
    case FTALK_E_STATE: return "FTALK_E_STATE";
    case FTALK_E_CLOSED: return "FTALK_E_CLOSED";
    case FTALK_E_UNAVAILABLE: return "FTALK_E_UNAVAILABLE";
    case FTALK_E_TIMEOUT: return "FTALK_E_TIMEOUT";
    case FTALK_E_UNAUTHENTICATED: return "FTALK_E_UNAUTHENTICATED";
    case FTALK_E_PROTOCOL: return "FTALK_E_PROTOCOL";
    case FTALK_E_REJECTED: return "FTALK_E_REJECTED";
    case FTALK_E_RESOURCE_EXHAUSTED: return "FTALK_E_RESOURCE_EXHAUSTED";
    case FTALK_E_CANCELLED: return "FTALK_E_CANCELLED";
    case FTALK_E_BUSY: return "FTALK_E_BUSY";
    case FTALK_E_TLS: return "FTALK_E_TLS";
    case FTALK_E_NOMEM: return "FTALK_E_NOMEM";
    case FTALK_E_INTERNAL: return "FTALK_E_INTERNAL";
    case FTALK_E_SHUTDOWN: return "FTALK_E_SHUTDOWN";
  }
  return "FTALK_UNKNOWN_STATUS";
}

FTALK_API ftalk_status ftalk_set_log_callback(ftalk_log_callback callback, void* user_data, ftalk_log_level min_level) {
  return guard([&] {
    if (enum_value(min_level) < FTALK_LOG_DEBUG || enum_value(min_level) > FTALK_LOG_ERROR)
      throw Error(FTALK_E_INVALID_ARGUMENT, "min_level is not an ftalk_log_level");
    install_logging();
    {
      LogSink& sink = log_sink();
      std::lock_guard<std::mutex> lock(sink.mutex);
      sink.callback = callback;
      sink.user = user_data;
      sink.min_level = min_level;
    }
    gpr_set_log_verbosity(min_level == FTALK_LOG_DEBUG  ? GPR_LOG_SEVERITY_DEBUG
                          : min_level == FTALK_LOG_INFO ? GPR_LOG_SEVERITY_INFO
                                                        : GPR_LOG_SEVERITY_ERROR);
    return FTALK_OK;
  });
}

FTALK_API const char* ftalk_angle_name(size_t i) { return i < kAngleCount ? kAngleNames[i] : nullptr; }

// ---- config initialisers ----------------------------------------------------------------------

FTALK_API ftalk_status ftalk_animation_options_init(ftalk_animation_options* o) {
  return guard([&] {
    require(o, "options");
    std::memset(o, 0, sizeof(*o));
    o->struct_size = sizeof(*o);
    o->lookahead_ms = -1;
    o->head_motion = o->blink = o->expression = -1.0f;
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_config_init(ftalk_client_config* c) {
  return guard([&] {
    require(c, "config");
    std::memset(c, 0, sizeof(*c));
    c->struct_size = sizeof(*c);
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_stream_config_init(ftalk_stream_config* c) {
  return guard([&] {
    require(c, "config");
    std::memset(c, 0, sizeof(*c));
    c->struct_size = sizeof(*c);
    c->encoding = FTALK_AUDIO_PCM_S16LE;
    c->sample_rate_hz = 16000;
    c->channels = 1;
    ftalk_animation_options_init(&c->options);
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_speak_request_init(ftalk_speak_request* r) {
  return guard([&] {
    require(r, "request");
    std::memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
    ftalk_animation_options_init(&r->options);
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_head_request_init(ftalk_head_request* r) {
  return guard([&] {
    require(r, "request");
    std::memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
    return FTALK_OK;
  });
}

// ---- client -----------------------------------------------------------------------------------

FTALK_API ftalk_status ftalk_client_create(const ftalk_client_config* config, ftalk_client** out) {
  return guard([&] {
    require(out, "out_client");
    *out = nullptr;
    require(config, "config");
    install_logging();
    auto client = std::make_shared<Client>(ClientSettings::from(*config));
    *out = handle_of<ftalk_client>(std::move(client));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_connect(ftalk_client* handle) {
  return guard([&] {
    lookup<Client>(handle, "client")->connect();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_connection_state(ftalk_client* handle, ftalk_connection_state* out) {
  return guard([&] {
    require(out, "out_state");
    *out = lookup<Client>(handle, "client")->state();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_close(ftalk_client* handle) {
  return guard([&] {
    take<Client>(handle, "client");
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_health(ftalk_client* handle, const char* service, ftalk_health* out) {
  return guard([&] {
    require(out, "out_health");
    *out = lookup<Client>(handle, "client")->health(service ? service : "");
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_server_info(ftalk_client* handle, ftalk_server_info** out) {
  return guard([&] {
    require(out, "out_info");
    *out = nullptr;
    auto info = std::make_shared<ServerInfoObject>(lookup<Client>(handle, "client")->server_info());
    *out = handle_of<ftalk_server_info>(std::move(info));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_server_info_view_get(const ftalk_server_info* handle, ftalk_server_info_view* out) {
  return guard([&] {
    require(out, "out_view");
    auto o = lookup<ServerInfoObject>(handle, "info");
    const auto& i = o->info;
    *out = ftalk_server_info_view{i.version().c_str(), o->engines.size(), o->engines.data(),
                                  o->languages.size(), o->languages.data(), o->services.size(), o->services.data(),
                                  o->joints.size(), o->joints.data(), i.limits().max_message_bytes(),
                                  i.limits().max_concurrent_streams(), i.limits().min_sample_rate_hz(),
                                  i.limits().max_sample_rate_hz(), i.limits().max_fps(), i.limits().max_lookahead_ms(),
                                  i.limits().max_clip_seconds()};
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_server_info_curve_names(const ftalk_server_info* handle, ftalk_rig_profile rig,
                                                     size_t* out_count, const char* const** out_names) {
  return guard([&] {
    require(out_count, "out_count");
    require(out_names, "out_names");
    auto o = lookup<ServerInfoObject>(handle, "info");
    const int r = enum_value(rig);
    if (r < 0 || r > 3) throw Error(FTALK_E_INVALID_ARGUMENT, "rig is not an ftalk_rig_profile");
    const auto& names = o->curves[std::size_t(r)];
    *out_count = names.size();
    *out_names = names.data();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_server_info_free(ftalk_server_info* handle) {
  return guard([&] {
    take<ServerInfoObject>(handle, "info");
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_client_list_voices(ftalk_client* handle, const char* language, ftalk_voice_list** out) {
  return guard([&] {
    require(out, "out_list");
    *out = nullptr;
    auto list = std::make_shared<VoiceListObject>();
    list->voices = lookup<Client>(handle, "client")->list_voices(language ? language : "");
    *out = handle_of<ftalk_voice_list>(std::move(list));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_voice_list_count(const ftalk_voice_list* handle, size_t* out) {
  return guard([&] {
    require(out, "out_count");
    *out = std::size_t(lookup<VoiceListObject>(handle, "list")->voices.voices_size());
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_voice_list_get(const ftalk_voice_list* handle, size_t i, ftalk_voice* out) {
  return guard([&] {
    require(out, "out_voice");
    auto list = lookup<VoiceListObject>(handle, "list");
    if (i >= std::size_t(list->voices.voices_size()))
      throw Error(FTALK_E_INVALID_ARGUMENT, "voice index " + std::to_string(i) + " out of range");
    const auto& v = list->voices.voices(int(i));
    *out = ftalk_voice{v.name().c_str(), v.engine().c_str(), v.language().c_str(), v.gender().c_str(),
                       v.description().c_str()};
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_voice_list_free(ftalk_voice_list* handle) {
  return guard([&] {
    take<VoiceListObject>(handle, "list");
    return FTALK_OK;
  });
}

// ---- streams ----------------------------------------------------------------------------------

FTALK_API ftalk_status ftalk_stream_open(ftalk_client* client, const ftalk_stream_config* config, ftalk_stream** out) {
  return guard([&] {
    require(out, "out_stream");
    *out = nullptr;
    require(config, "config");
    auto stream = Stream::open_live(lookup<Client>(client, "client"), *config);
    *out = handle_of<ftalk_stream>(std::move(stream));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_speak(ftalk_client* client, const ftalk_speak_request* request, ftalk_stream** out) {
  return guard([&] {
    require(out, "out_stream");
    *out = nullptr;
    require(request, "request");
    auto stream = Stream::open_speak(lookup<Client>(client, "client"), *request);
    *out = handle_of<ftalk_stream>(std::move(stream));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_stream_push(ftalk_stream* handle, const void* pcm, size_t bytes) {
  return guard([&] {
    lookup<Stream>(handle, "stream")->push(pcm, bytes);
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_stream_interrupt(ftalk_stream* handle) {
  return guard([&] {
    lookup<Stream>(handle, "stream")->interrupt();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_stream_end(ftalk_stream* handle) {
  return guard([&] {
    lookup<Stream>(handle, "stream")->end();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_stream_wait_ready(ftalk_stream* handle, uint32_t timeout_ms) {
  return guard([&] { return lookup<Stream>(handle, "stream")->wait_ready(timeout_ms); });
}

FTALK_API ftalk_status ftalk_stream_wait(ftalk_stream* handle, uint32_t timeout_ms) {
  return guard([&] { return lookup<Stream>(handle, "stream")->wait(timeout_ms); });
}

FTALK_API ftalk_status ftalk_stream_header(ftalk_stream* handle, ftalk_animation_header* out) {
  return guard([&] {
    require(out, "out_header");
    return lookup<Stream>(handle, "stream")->header(out);
  });
}

FTALK_API ftalk_status ftalk_stream_result_get(ftalk_stream* handle, ftalk_stream_result* out) {
  return guard([&] {
    require(out, "out_result");
    lookup<Stream>(handle, "stream")->result(out);
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_stream_sample_ex(ftalk_stream* handle, double t, float* out_weights, size_t weight_capacity,
                                              ftalk_quat* out_joints, size_t joint_capacity, float* out_angles,
                                              size_t angle_capacity, ftalk_sample_info* out_info) {
  return guard([&] {
    auto stream = lookup<Stream>(handle, "stream");
    if (!std::isfinite(t)) throw Error(FTALK_E_INVALID_ARGUMENT, "t_seconds is not a finite number");
    const SampleOut out = sample_out(out_weights, weight_capacity, out_joints, joint_capacity, out_angles, angle_capacity,
                                     stream->curve_count(), stream->joint_count(), kAngleCount);
    return stream->sample(t, out, out_info);
  });
}

FTALK_API ftalk_status ftalk_stream_sample(ftalk_stream* handle, double t, float* out_weights, size_t weight_capacity,
                                           ftalk_quat* out_joints, size_t joint_capacity) {
  return ftalk_stream_sample_ex(handle, t, out_weights, weight_capacity, out_joints, joint_capacity, nullptr, 0, nullptr);
}

FTALK_API ftalk_status ftalk_stream_frames_held(ftalk_stream* handle, uint64_t* out_first, uint64_t* out_count) {
  return guard([&] {
    require(out_first, "out_first");
    require(out_count, "out_count");
    return lookup<Stream>(handle, "stream")->held(out_first, out_count);
  });
}

FTALK_API ftalk_status ftalk_stream_frame(ftalk_stream* handle, uint64_t index, float* out_weights, size_t weight_capacity,
                                          ftalk_quat* out_joints, size_t joint_capacity, float* out_angles,
                                          size_t angle_capacity, ftalk_frame* out_frame) {
  return guard([&] {
    auto stream = lookup<Stream>(handle, "stream");
    const SampleOut out = sample_out(out_weights, weight_capacity, out_joints, joint_capacity, out_angles, angle_capacity,
                                     0, 0, 0);  // the frame's own sizes are checked against it
    return stream->frame(index, out, out_frame);
  });
}

FTALK_API ftalk_status ftalk_stream_poll_viseme(ftalk_stream* handle, ftalk_viseme* out) {
  return guard([&] {
    require(out, "out_viseme");
    return lookup<Stream>(handle, "stream")->poll_viseme(out);
  });
}

FTALK_API ftalk_status ftalk_stream_speech_info(ftalk_stream* handle, ftalk_speech_info* out) {
  return guard([&] {
    require(out, "out_info");
    return lookup<Stream>(handle, "stream")->speech_info(out);
  });
}

FTALK_API ftalk_status ftalk_stream_read_audio(ftalk_stream* handle, void* out, size_t capacity, size_t* out_bytes) {
  return guard([&] {
    require(out_bytes, "out_bytes");
    *out_bytes = 0;
    if (!out && capacity) throw Error(FTALK_E_INVALID_ARGUMENT, "out_pcm is NULL but capacity is not 0");
    return lookup<Stream>(handle, "stream")->read_audio(out, capacity, out_bytes);
  });
}

FTALK_API ftalk_status ftalk_stream_close(ftalk_stream* handle) {
  return guard([&] {
    auto stream = lookup<Stream>(handle, "stream");
    if (!stream->close())
      throw Error(FTALK_E_STATE, "ftalk_stream_close from one of the stream's own callbacks; close it from another thread");
    take<Stream>(handle, "stream");
    return FTALK_OK;
  });
}

// ---- clips ------------------------------------------------------------------------------------

FTALK_API ftalk_status ftalk_animate_clip(ftalk_client* client, const void* file_bytes, size_t file_size,
                                          const ftalk_animation_options* options, ftalk_clip** out) {
  return guard([&] {
    require(out, "out_clip");
    *out = nullptr;
    auto c = lookup<Client>(client, "client");
    require(file_bytes, "file_bytes");
    if (file_size == 0) throw Error(FTALK_E_INVALID_ARGUMENT, "file_size is 0");
    v1::AnimateClipRequest request;
    request.set_file(file_bytes, file_size);
    *request.mutable_options() = to_proto(options);
    auto clip = std::make_shared<ClipObject>(c->animate(request));
    *out = handle_of<ftalk_clip>(std::move(clip));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_animate_pcm(ftalk_client* client, const void* pcm, size_t bytes,
                                         ftalk_audio_encoding encoding, uint32_t sample_rate_hz, uint32_t channels,
                                         const ftalk_animation_options* options, ftalk_clip** out) {
  return guard([&] {
    require(out, "out_clip");
    *out = nullptr;
    auto c = lookup<Client>(client, "client");
    require(pcm, "pcm");
    const int enc = enum_value(encoding);
    if (enc != FTALK_AUDIO_PCM_S16LE && enc != FTALK_AUDIO_PCM_F32LE)
      throw Error(FTALK_E_INVALID_ARGUMENT, "encoding must be FTALK_AUDIO_PCM_S16LE or FTALK_AUDIO_PCM_F32LE");
    if (channels != 1 && channels != 2) throw Error(FTALK_E_INVALID_ARGUMENT, "channels must be 1 or 2");
    const std::size_t frame = (enc == FTALK_AUDIO_PCM_F32LE ? 4u : 2u) * channels;
    if (bytes == 0 || bytes % frame)
      throw Error(FTALK_E_INVALID_ARGUMENT, "bytes must be a positive multiple of " + std::to_string(frame));
    v1::AnimateClipRequest request;
    auto* raw = request.mutable_pcm();
    raw->mutable_format()->set_encoding(v1::AudioEncoding(enc));
    raw->mutable_format()->set_sample_rate_hz(sample_rate_hz);
    raw->mutable_format()->set_channels(channels);
    raw->set_data(pcm, bytes);
    *request.mutable_options() = to_proto(options);
    auto clip = std::make_shared<ClipObject>(c->animate(request));
    *out = handle_of<ftalk_clip>(std::move(clip));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_clip_view_get(const ftalk_clip* handle, ftalk_clip_view* out) {
  return guard([&] {
    require(out, "out_view");
    auto c = lookup<ClipObject>(handle, "clip");
    out->header = ftalk_animation_header{c->curve_ptrs.size(), c->curve_ptrs.data(), c->joint_ptrs.size(),
                                         c->joint_ptrs.data(), c->header.fps, c->header.lookahead_ms,
                                         c->header.engine.c_str()};
    out->frame_count = c->frames.size();
    out->times = c->times.data();
    out->weights = c->weights.data();
    out->joints = reinterpret_cast<const ftalk_quat*>(c->joints.data());
    out->angle_count = c->angle_count;
    out->angles = c->angles.data();
    out->idle = c->idle.data();
    out->viseme_count = c->visemes.size();
    out->visemes = c->visemes.data();
    out->duration_s = c->response.duration_s();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_clip_sample(const ftalk_clip* handle, double t, float* out_weights, size_t weight_capacity,
                                         ftalk_quat* out_joints, size_t joint_capacity, float* out_angles,
                                         size_t angle_capacity, ftalk_sample_info* out_info) {
  return guard([&] {
    auto c = lookup<ClipObject>(handle, "clip");
    if (!std::isfinite(t)) throw Error(FTALK_E_INVALID_ARGUMENT, "t_seconds is not a finite number");
    const SampleOut out = sample_out(out_weights, weight_capacity, out_joints, joint_capacity, out_angles, angle_capacity,
                                     c->header.curve_names.size(), c->header.joint_names.size(), c->angle_count);
    SampleInfo si = sample_frames(c->frames, t, out);
    if (out_info) {
      *out_info = ftalk_sample_info{ftalk_sample_kind(int(si.kind)), si.frame_index, si.frame_time_s, si.alpha,
                                    si.idle ? 1 : 0, si.latest_frame_time_s};
    }
    return c->frames.empty() ? FTALK_NOT_READY : FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_clip_free(ftalk_clip* handle) {
  return guard([&] {
    take<ClipObject>(handle, "clip");
    return FTALK_OK;
  });
}

// ---- heads ------------------------------------------------------------------------------------

FTALK_API ftalk_status ftalk_create_head(ftalk_client* client, const ftalk_head_request* r, ftalk_head** out) {
  return guard([&] {
    require(out, "out_head");
    *out = nullptr;
    auto c = lookup<Client>(client, "client");
    require(r, "request");
    if (r->struct_size < offsetof(ftalk_head_request, on_progress))
      throw Error(FTALK_E_INVALID_ARGUMENT, "request.struct_size is too small; fill it with ftalk_head_request_init");
    require(r->image, "request.image");
    if (r->image_size == 0) throw Error(FTALK_E_INVALID_ARGUMENT, "request.image_size is 0");
    if (r->parts & ~uint32_t(0x3e)) throw Error(FTALK_E_INVALID_ARGUMENT, "request.parts has bits that are no FTALK_HEAD_PART_*");
    v1::CreateHeadRequest request;
    request.set_image(r->image, r->image_size);
    request.mutable_options()->set_texture_size(r->texture_size);
    if (!v1::MeshDetail_IsValid(enum_value(r->detail)))
      throw Error(FTALK_E_INVALID_ARGUMENT, "request.detail is not an ftalk_mesh_detail");
    request.mutable_options()->set_detail(v1::MeshDetail(enum_value(r->detail)));
    for (int part = 1; part <= 5; ++part)
      if (r->parts & (1u << part)) request.mutable_options()->add_parts(v1::HeadPart(part));
    if (FTALK_HAS(*r, ftalk_head_request, hair) && r->hair) request.mutable_options()->set_hair(r->hair);
    if (FTALK_HAS(*r, ftalk_head_request, lod)) request.mutable_options()->set_lod(r->lod);
    const bool has_callback = FTALK_HAS(*r, ftalk_head_request, user_data);
    auto head = std::make_shared<HeadObject>(
        c->create_head(request, has_callback ? r->on_progress : nullptr, has_callback ? r->user_data : nullptr));
    *out = handle_of<ftalk_head>(std::move(head));
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_head_view_get(const ftalk_head* handle, ftalk_head_view* out) {
  return guard([&] {
    require(out, "out_view");
    auto h = lookup<HeadObject>(handle, "head");
    const auto& m = h->result.metadata;
    const auto& q = m.quality();
    const auto& p = m.pose();
    *out = ftalk_head_view{};
    out->glb = reinterpret_cast<const uint8_t*>(h->result.glb.data());
    out->glb_size = h->result.glb.size();
    out->morph_target_count = h->morphs.size();
    out->morph_target_names = h->morphs.data();
    out->joint_count = h->joints.size();
    out->joint_names = h->joints.data();
    out->landmark_count = h->landmarks.size() / 3;
    out->landmarks_xyz = h->landmarks.data();
    out->vertex_count = m.vertex_count();
    out->yaw_deg = p.yaw_deg();
    out->pitch_deg = p.pitch_deg();
    out->roll_deg = p.roll_deg();
    out->rotation = ftalk_quat{p.rotation().x(), p.rotation().y(), p.rotation().z(), p.rotation().w()};
    out->pixels_per_metre = p.pixels_per_metre();
    out->face_width_px = q.face_width_px();
    out->inter_ocular_px = q.inter_ocular_px();
    out->frontality = q.frontality();
    out->inferred_fraction = q.inferred_fraction();
    out->face_inferred_fraction = q.face_inferred_fraction();
    out->reprojection_error = q.reprojection_error();
    out->faces_found = q.faces_found();
    out->warning_count = h->warnings.size();
    out->warnings = h->warnings.data();
    return FTALK_OK;
  });
}

FTALK_API ftalk_status ftalk_head_free(ftalk_head* handle) {
  return guard([&] {
    take<HeadObject>(handle, "head");
    return FTALK_OK;
  });
}

}  // extern "C"
