#include "client.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>

#include <grpcpp/generic/generic_stub.h>

#include "internal.h"

namespace ftalk {

namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

bool contains(const std::string& text, const char* needle) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return lower.find(needle) != std::string::npos;
}

}  // namespace

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Error from_grpc(const grpc::Status& status, const std::string& what, const std::string& address, bool tls) {
  const std::string detail = status.error_message();
  const int code = int(status.error_code());
  const std::string at = " (" + what + " at " + address + ")";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (contains(detail, "http1") || contains(detail, "http/1") || contains(detail, "parsing http/2"))
        return Error(FTALK_E_PROTOCOL, "the peer does not speak gRPC (HTTP/2): not a FantasyTalking server" + at + ": " + detail, code);
      if (tls && (contains(detail, "handshake") || contains(detail, "ssl") || contains(detail, "certificate") ||
                  contains(detail, "tls")))
        return Error(FTALK_E_TLS, "TLS handshake failed; is tls_root_cert_pem the certificate that signs the server's?" + at +
                                      ": " + detail, code);
      return Error(FTALK_E_UNAVAILABLE, "server unavailable" + at + ": " + detail, code);
    case grpc::StatusCode::UNIMPLEMENTED:
      return Error(FTALK_E_PROTOCOL, "the server does not implement this call: not a FantasyTalking v1 server, or an older one" +
                                         at + ": " + detail, code);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return Error(FTALK_E_UNAUTHENTICATED, "not authorised" + at + ": " + detail, code);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Error(FTALK_E_TIMEOUT, "timed out" + at + ": " + detail, code);
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::NOT_FOUND:
      return Error(FTALK_E_REJECTED, "the server rejected the request" + at + ": " + detail, code);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Error(FTALK_E_RESOURCE_EXHAUSTED, "server at its limit or message too large" + at + ": " + detail, code);
    case grpc::StatusCode::CANCELLED:
      return Error(FTALK_E_CANCELLED, "cancelled" + at + ": " + detail, code);
    default:
      if (contains(detail, "parse") || contains(detail, "deserializ"))
        return Error(FTALK_E_PROTOCOL, "the server's answer is not FantasyTalking v1" + at + ": " + detail, code);
      return Error(FTALK_E_INTERNAL, "server or transport error" + at + ": " + detail, code);
  }
}

ClientSettings ClientSettings::from(const ftalk_client_config& c) {
  if (c.struct_size < offsetof(ftalk_client_config, address) + sizeof(c.address))
    throw Error(FTALK_E_INVALID_ARGUMENT, "config.struct_size is too small; fill the config with ftalk_client_config_init");
  if (!c.address || !*c.address) throw Error(FTALK_E_INVALID_ARGUMENT, "config.address is empty; give \"host:port\"");
  ClientSettings s;
  s.address = c.address;
  if (FTALK_HAS(c, ftalk_client_config, use_tls)) s.tls = c.use_tls != 0;
  if (FTALK_HAS(c, ftalk_client_config, tls_root_cert_pem) && c.tls_root_cert_pem) {
    s.tls = true;
    s.root_pem = c.tls_root_cert_pem;
    if (s.root_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw Error(FTALK_E_TLS, "tls_root_cert_pem holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
  }
  if (FTALK_HAS(c, ftalk_client_config, tls_server_name) && c.tls_server_name) s.server_name = c.tls_server_name;
  if (FTALK_HAS(c, ftalk_client_config, token) && c.token) s.token = c.token;
  if (s.token.find_first_of("\r\n") != std::string::npos)
    throw Error(FTALK_E_INVALID_ARGUMENT, "the token contains a line break");
  auto pick = [](uint32_t value, uint32_t fallback) { return value ? value : fallback; };
  if (FTALK_HAS(c, ftalk_client_config, connect_timeout_ms)) s.connect_timeout_ms = pick(c.connect_timeout_ms, 5000);
  if (FTALK_HAS(c, ftalk_client_config, call_timeout_ms)) s.call_timeout_ms = pick(c.call_timeout_ms, 10000);
  if (FTALK_HAS(c, ftalk_client_config, long_call_timeout_ms))
    s.long_call_timeout_ms = pick(c.long_call_timeout_ms, 300000);
  if (FTALK_HAS(c, ftalk_client_config, reconnect_backoff_initial_ms))
    s.backoff_initial_ms = pick(c.reconnect_backoff_initial_ms, 250);
  if (FTALK_HAS(c, ftalk_client_config, reconnect_backoff_max_ms))
    s.backoff_max_ms = pick(c.reconnect_backoff_max_ms, 2000);
  if (FTALK_HAS(c, ftalk_client_config, max_receive_message_bytes))
    s.max_receive_bytes = pick(c.max_receive_message_bytes, 256u << 20);
  s.backoff_max_ms = std::max(s.backoff_max_ms, s.backoff_initial_ms);
  return s;
}

Client::Client(ClientSettings settings) : settings_(std::move(settings)) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, int(settings_.backoff_initial_ms));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, int(settings_.backoff_initial_ms));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, int(settings_.backoff_max_ms));
  args.SetMaxReceiveMessageSize(int(std::min<uint32_t>(settings_.max_receive_bytes, INT32_MAX)));
  // A client is one connection of its own: clients to one address do not share a TCP connection
  // behind the caller's back (a server with several worker processes spreads connections).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A server that vanishes without closing the connection (a cable, a frozen VM) is noticed by
  // keepalive pings; a stream always carries frames (idle motion too), so the pings never count
  // as abuse on the server's side.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (settings_.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = settings_.root_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!settings_.server_name.empty()) args.SetSslTargetNameOverride(settings_.server_name);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  channel_ = grpc::CreateCustomChannel(settings_.address, credentials, args);
  if (!channel_) throw Error(FTALK_E_INVALID_ARGUMENT, "cannot make a channel to " + settings_.address);
  animation_ = v1::AnimationService::NewStub(channel_);
  speech_ = v1::SpeechService::NewStub(channel_);
  info_ = v1::InfoService::NewStub(channel_);
  head_ = v1::HeadService::NewStub(channel_);
}

ftalk_connection_state Client::state() const {
  switch (channel_->GetState(false)) {
    case GRPC_CHANNEL_IDLE: return FTALK_CONNECTION_IDLE;
    case GRPC_CHANNEL_CONNECTING: return FTALK_CONNECTION_CONNECTING;
    case GRPC_CHANNEL_READY: return FTALK_CONNECTION_READY;
    case GRPC_CHANNEL_TRANSIENT_FAILURE: return FTALK_CONNECTION_TRANSIENT_FAILURE;
    default: return FTALK_CONNECTION_SHUTDOWN;
  }
}

void Client::prepare(grpc::ClientContext* context, uint32_t deadline_ms) const {
  if (!settings_.token.empty()) context->AddMetadata("authorization", "Bearer " + settings_.token);
  if (deadline_ms) context->set_deadline(system_clock::now() + milliseconds(deadline_ms));
}

void Client::fail(const grpc::Status& status, const std::string& what) const {
  throw from_grpc(status, what, settings_.address, settings_.tls);
}

void Client::wait_connected(const char* what, const std::atomic<bool>* cancel) const {
  const auto deadline = system_clock::now() + milliseconds(settings_.connect_timeout_ms);
  auto state = channel_->GetState(true);
  if (state == GRPC_CHANNEL_TRANSIENT_FAILURE) {
    grpc::experimental::ChannelResetConnectionBackoff(channel_.get());
    state = channel_->GetState(true);
  }
  while (state != GRPC_CHANNEL_READY) {
    if (cancel && cancel->load()) throw Error(FTALK_E_CANCELLED, std::string(what) + " cancelled while connecting");
    const auto now = system_clock::now();
    if (now >= deadline) break;
    // Short slices, so that a close() on another thread never waits for the whole timeout.
    channel_->WaitForStateChange(state, std::min(deadline, now + milliseconds(50)));
    state = channel_->GetState(true);
  }
  if (state == GRPC_CHANNEL_READY) return;
  // Ask once without waiting so that gRPC says why (refused, TLS, HTTP/1...).
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(system_clock::now() + milliseconds(500));
  grpc::Slice nothing(std::string{});
  grpc::ByteBuffer request(&nothing, 1), response;  // an empty HealthCheckRequest
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status probe;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mutex);
                   probe = std::move(s);
                   done = true;
                   done_cv.notify_all();
                 });
  {
    std::unique_lock<std::mutex> lock(mutex);
    done_cv.wait(lock, [&] { return done; });
  }
  const std::string why = probe.ok() ? "the connection is not ready" : probe.error_message();
  Error error = from_grpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, why), what, settings_.address, settings_.tls);
  if (error.status == FTALK_E_UNAVAILABLE)
    error = Error(FTALK_E_UNAVAILABLE, "cannot connect to " + settings_.address + " within " +
                                           std::to_string(settings_.connect_timeout_ms) + " ms (" + what + "): " + why,
                  int(grpc::StatusCode::UNAVAILABLE));
  throw error;
}

void Client::connect() {
  wait_connected("connect");
  server_info();  // proves the peer is ours and takes our token
}

ftalk_health Client::health(const std::string& service) {
  wait_connected("health check");
  // grpc.health.v1 by hand (two one-field messages), so that no second copy of health.proto is
  // registered with protobuf in a process that may already have one.
  std::string bytes;
  if (!service.empty()) {
    if (service.size() > 127) throw Error(FTALK_E_INVALID_ARGUMENT, "service name longer than 127 bytes");
    bytes.push_back(0x0a);
    bytes.push_back(char(service.size()));
    bytes += service;
  }
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  prepare(&context, settings_.call_timeout_ms);
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mutex);
                   status = std::move(s);
                   done = true;
                   done_cv.notify_all();
                 });
  {
    std::unique_lock<std::mutex> lock(mutex);
    done_cv.wait(lock, [&] { return done; });
  }
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return FTALK_HEALTH_SERVICE_UNKNOWN;
  if (!status.ok()) fail(status, "health check");
  std::vector<grpc::Slice> slices;
  response.Dump(&slices);
  std::string answer;
  for (auto& s : slices) answer.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // HealthCheckResponse { ServingStatus status = 1; } : tag 0x08, then a one-byte varint.
  if (answer.empty()) return FTALK_HEALTH_UNKNOWN;
  if (answer.size() != 2 || answer[0] != 0x08)
    throw Error(FTALK_E_PROTOCOL, "the health answer of " + settings_.address + " is not grpc.health.v1");
  switch (answer[1]) {
    case 1: return FTALK_HEALTH_SERVING;
    case 2: return FTALK_HEALTH_NOT_SERVING;
    case 3: return FTALK_HEALTH_SERVICE_UNKNOWN;
    default: return FTALK_HEALTH_UNKNOWN;
  }
}

v1::ServerInfo Client::server_info() {
  wait_connected("server info");
  grpc::ClientContext context;
  prepare(&context, settings_.call_timeout_ms);
  v1::ServerInfo info;
  grpc::Status status = info_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info);
  if (!status.ok()) fail(status, "GetServerInfo");
  if (info.version().empty() || info.joint_names().empty())
    throw Error(FTALK_E_PROTOCOL, "the server at " + settings_.address + " answered GetServerInfo without a version or "
                                  "joint names: not a FantasyTalking v1 server");
  return info;
}

v1::ListVoicesResponse Client::list_voices(const std::string& language) {
  wait_connected("ListVoices");
  grpc::ClientContext context;
  prepare(&context, settings_.call_timeout_ms);
  v1::ListVoicesRequest request;
  request.set_language(language);
  v1::ListVoicesResponse response;
  grpc::Status status = speech_->ListVoices(&context, request, &response);
  if (!status.ok()) fail(status, "ListVoices");
  return response;
}

v1::AnimateClipResponse Client::animate(const v1::AnimateClipRequest& request) {
  wait_connected("AnimateClip");
  grpc::ClientContext context;
  prepare(&context, settings_.long_call_timeout_ms);
  v1::AnimateClipResponse response;
  grpc::Status status = animation_->AnimateClip(&context, request, &response);
  if (!status.ok()) fail(status, "AnimateClip");
  if (!response.has_header()) throw Error(FTALK_E_PROTOCOL, "AnimateClip answer without a header");
  return response;
}

Client::HeadResult Client::create_head(const v1::CreateHeadRequest& request, ftalk_progress_callback progress,
                                       void* user) {
  wait_connected("CreateHead");
  grpc::ClientContext context;
  prepare(&context, settings_.long_call_timeout_ms);
  auto reader = head_->CreateHead(&context, request);
  HeadResult result;
  bool have_metadata = false, have_status = false, cancelled = false;
  v1::CreateHeadResponse event;
  while (reader->Read(&event)) {
    switch (event.event_case()) {
      case v1::CreateHeadResponse::kProgress:
        if (progress && !cancelled && progress(user, event.progress().stage().c_str(), event.progress().fraction()) != 0) {
          cancelled = true;
          context.TryCancel();
        }
        break;
      case v1::CreateHeadResponse::kMetadata:
        result.metadata = event.metadata();
        have_metadata = true;
        result.glb.reserve(std::size_t(std::min<uint64_t>(result.metadata.glb_size(), 1u << 30)));
        break;
      case v1::CreateHeadResponse::kGlbChunk:
        result.glb += event.glb_chunk();
        break;
      case v1::CreateHeadResponse::kStatus:
        have_status = true;
        break;
      default:
        break;
    }
  }
  grpc::Status status = reader->Finish();
  if (cancelled) throw Error(FTALK_E_CANCELLED, "CreateHead cancelled by the progress callback");
  if (!status.ok()) fail(status, "CreateHead");
  if (!have_metadata || !have_status)
    throw Error(FTALK_E_PROTOCOL, "CreateHead ended without metadata or status");
  if (result.glb.size() != result.metadata.glb_size())
    throw Error(FTALK_E_PROTOCOL, "CreateHead sent " + std::to_string(result.glb.size()) + " GLB bytes of " +
                                      std::to_string(result.metadata.glb_size()) + " announced");
  return result;
}

ftalk_animation_options options_or_default(const ftalk_animation_options* options) {
  ftalk_animation_options out;
  ftalk_animation_options_init(&out);
  if (!options) return out;
  if (options->struct_size < sizeof(uint32_t) * 2)
    throw Error(FTALK_E_INVALID_ARGUMENT, "options.struct_size is too small; fill the options with ftalk_animation_options_init");
  std::memcpy(&out, options, std::min<std::size_t>(options->struct_size, sizeof(out)));
  out.struct_size = sizeof(out);
  return out;
}

v1::AnimationOptions to_proto(const ftalk_animation_options* given) {
  const ftalk_animation_options o = options_or_default(given);
  v1::AnimationOptions p;
  p.set_fps(o.fps);
  if (o.lookahead_ms >= 0) p.set_lookahead_ms(uint32_t(o.lookahead_ms));
  if (o.language) p.set_language(o.language);
  if (o.transcript) p.set_transcript(o.transcript);
  if (o.head_motion >= 0) p.set_head_motion(o.head_motion);
  if (o.blink >= 0) p.set_blink(o.blink);
  if (o.expression >= 0) p.set_expression(o.expression);
  if (!v1::RigProfile_IsValid(enum_value(o.rig))) throw Error(FTALK_E_INVALID_ARGUMENT, "options.rig is not an ftalk_rig_profile");
  p.set_rig(v1::RigProfile(enum_value(o.rig)));
  if (!v1::SpeechEngine_IsValid(enum_value(o.engine)))
    throw Error(FTALK_E_INVALID_ARGUMENT, "options.engine is not an ftalk_speech_engine");
  p.set_engine(v1::SpeechEngine(enum_value(o.engine)));
  p.set_seed(o.seed);
  if (o.emotion_count) {
    if (!o.emotion_names || !o.emotion_strengths)
      throw Error(FTALK_E_INVALID_ARGUMENT, "options.emotion_count > 0 but emotion_names or emotion_strengths is NULL");
    for (std::size_t i = 0; i < o.emotion_count; ++i) {
      if (!o.emotion_names[i]) throw Error(FTALK_E_INVALID_ARGUMENT, "options.emotion_names has a NULL entry");
      (*p.mutable_emotions())[o.emotion_names[i]] = o.emotion_strengths[i];
    }
  }
  return p;
}

Frame from_proto(const v1::AnimationFrame& f, int64_t received_ns) {
  Frame frame;
  frame.time_s = f.time_s();
  frame.index = f.index();
  frame.idle = f.idle();
  frame.weights.assign(f.blendshapes().begin(), f.blendshapes().end());
  frame.joints.reserve(std::size_t(f.joints_size()));
  for (const auto& q : f.joints()) frame.joints.push_back({q.x(), q.y(), q.z(), q.w()});
  frame.angles.assign(f.angles().begin(), f.angles().end());
  frame.received_ns = received_ns;
  return frame;
}

Header from_proto(const v1::AnimationHeader& h) {
  Header header;
  header.curve_names.assign(h.blendshape_names().begin(), h.blendshape_names().end());
  header.joint_names.assign(h.joint_names().begin(), h.joint_names().end());
  header.fps = h.fps();
  header.lookahead_ms = h.lookahead_ms();
  header.engine = h.engine();
  return header;
}

}  // namespace ftalk
