// What the C API layer (api.cc) and the objects behind its handles share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include <grpcpp/grpcpp.h>

#include "ftalk_client.h"

/// True when the caller's struct (its struct_size) is long enough to hold `field`: fields added to a
/// struct_size-versioned struct are read only then, so callers built against an older header keep working.
#define FTALK_HAS(s, type, field) ((s).struct_size >= offsetof(type, field) + sizeof((s).field))

namespace ftalk {

/// An error on its way to the C boundary, where it becomes a status and ftalk_last_error().
struct Error : std::runtime_error {
  Error(ftalk_status status, const std::string& message, int grpc_code = -1)
      : std::runtime_error(message), status(status), grpc_code(grpc_code) {}
  ftalk_status status;
  int grpc_code;
};

/// The ftalk status and a plain-words message for a failed gRPC call; `what` names the call.
Error from_grpc(const grpc::Status& status, const std::string& what, const std::string& address, bool tls);

/// The integer a C caller stored in an enum field. C lets any int through; reading it as the
/// C++ enum type would be undefined when it is out of range, so read the bytes.
template <class Enum>
int enum_value(const Enum& e) {
  static_assert(sizeof(Enum) == sizeof(int), "ftalk enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

/// Thread-local last error, as ftalk_last_error() reports it.
void set_last_error(ftalk_status status, const std::string& message, int grpc_code = -1);

/// Live objects by handle. Handles are ids that are never reused, so a closed handle can only
/// miss; a lookup returns a shared_ptr that keeps the object alive for the length of the call
/// even if another thread closes it meanwhile.
class Registry {
 public:
  static Registry& instance();

  template <class T>
  uint64_t add(std::shared_ptr<T> object) {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t id = next_++;
    objects_[id] = Entry{std::static_pointer_cast<void>(object), &typeid(T)};
    return id;
  }

  template <class T>
  std::shared_ptr<T> get(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = objects_.find(id);
    if (it == objects_.end() || *it->second.type != typeid(T)) return nullptr;
    return std::static_pointer_cast<T>(it->second.object);
  }

  template <class T>
  std::shared_ptr<T> remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = objects_.find(id);
    if (it == objects_.end() || *it->second.type != typeid(T)) return nullptr;
    auto object = std::static_pointer_cast<T>(it->second.object);
    objects_.erase(it);
    return object;
  }

 private:
  struct Entry {
    std::shared_ptr<void> object;
    const std::type_info* type;
  };
  std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> objects_;
  uint64_t next_ = 0x10000;  // never 0, and far from small integers a caller might pass by mistake
};

}  // namespace ftalk
