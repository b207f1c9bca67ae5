// A connection to one server: the channel, its credentials, timeouts and the unary calls.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "fantasytalking/v1/animation.grpc.pb.h"
#include "fantasytalking/v1/head.grpc.pb.h"
#include "fantasytalking/v1/info.grpc.pb.h"
#include "fantasytalking/v1/speech.grpc.pb.h"
#include "frame_buffer.h"
#include "ftalk_client.h"

namespace ftalk {

namespace v1 = ::fantasytalking::v1;

/// The client config with its strings copied and its defaults applied.
struct ClientSettings {
  std::string address;
  bool tls = false;
  std::string root_pem;
  std::string server_name;
  std::string token;
  uint32_t connect_timeout_ms = 5000;
  uint32_t call_timeout_ms = 10000;
  uint32_t long_call_timeout_ms = 300000;
  uint32_t backoff_initial_ms = 250;
  uint32_t backoff_max_ms = 2000;
  uint32_t max_receive_bytes = 256u << 20;

  static ClientSettings from(const ftalk_client_config& config);
};

class Client {
 public:
  explicit Client(ClientSettings settings);

  const ClientSettings& settings() const { return settings_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  /// Waits (up to connect_timeout) for a connection; throws FTALK_E_UNAVAILABLE otherwise.
  /// Resets the channel's reconnect back-off first, so that a server that came back is found now.
  /// `cancel`, when given, ends the wait early (FTALK_E_CANCELLED) once it turns true.
  void wait_connected(const char* what, const std::atomic<bool>* cancel = nullptr) const;
  /// A context with the token and, when `deadline_ms` > 0, a deadline.
  void prepare(grpc::ClientContext* context, uint32_t deadline_ms) const;
  /// Throws the ftalk error for a failed call.
  [[noreturn]] void fail(const grpc::Status& status, const std::string& what) const;

  ftalk_connection_state state() const;
  void connect();
  ftalk_health health(const std::string& service);
  v1::ServerInfo server_info();
  v1::ListVoicesResponse list_voices(const std::string& language);
  v1::AnimateClipResponse animate(const v1::AnimateClipRequest& request);
  /// CreateHead; `progress` returns false to cancel.
  struct HeadResult {
    v1::HeadMetadata metadata;
    std::string glb;
  };
  HeadResult create_head(const v1::CreateHeadRequest& request, ftalk_progress_callback progress, void* user);

  v1::AnimationService::Stub& animation() { return *animation_; }
  v1::SpeechService::Stub& speech() { return *speech_; }

 private:
  ClientSettings settings_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AnimationService::Stub> animation_;
  std::unique_ptr<v1::SpeechService::Stub> speech_;
  std::unique_ptr<v1::InfoService::Stub> info_;
  std::unique_ptr<v1::HeadService::Stub> head_;
};

/// AnimationOptions from the C struct (only the fields within its struct_size).
v1::AnimationOptions to_proto(const ftalk_animation_options* options);
/// Applies the C defaults to a possibly shorter (older) options struct.
ftalk_animation_options options_or_default(const ftalk_animation_options* options);

/// A frame in the buffer's form.
Frame from_proto(const v1::AnimationFrame& frame, int64_t received_ns);
Header from_proto(const v1::AnimationHeader& header);

int64_t now_ns();

}  // namespace ftalk
