// The frame buffer a game samples at audio-playback time: frames in, interpolated poses out.
//
// Plain C++ with no gRPC in sight, so that its behaviour (exact frames, interpolation, slerp,
// history trimming, an hour without drift) is unit-tested on its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace ftalk {

struct Quat {
  float x = 0, y = 0, z = 0, w = 1;
};

constexpr std::size_t kAngleCount = 9;

/// One frame as the server sent it.
struct Frame {
  double time_s = 0;
  uint64_t index = 0;
  bool idle = false;
  std::vector<float> weights;
  std::vector<Quat> joints;
  std::vector<float> angles;  // kAngleCount values, or empty when the server sent none
  int64_t received_ns = 0;    // steady clock when the transport handed the frame over (benchmarks)
};

/// Curve and joint names, fixed once per stream.
struct Header {
  std::vector<std::string> curve_names;
  std::vector<std::string> joint_names;
  uint32_t fps = 30;
  uint32_t lookahead_ms = 0;
  std::string engine;
};

enum class SampleKind { Exact = 0, Interpolated = 1, HeldLast = 2, HeldFirst = 3, Neutral = 4 };

struct SampleInfo {
  SampleKind kind = SampleKind::Neutral;
  uint64_t frame_index = 0;
  double frame_time_s = 0;
  float alpha = 0;
  bool idle = false;
  double latest_frame_time_s = -1;
};

/// Where a sample writes. Null pointers skip that part; the caller checked the sizes.
struct SampleOut {
  float* weights = nullptr;
  std::size_t weight_count = 0;
  Quat* joints = nullptr;
  std::size_t joint_count = 0;
  float* angles = nullptr;
  std::size_t angle_count = 0;
};

/// Spherical linear interpolation along the shorter arc; normalised output.
Quat slerp(const Quat& a, const Quat& b, float t);

/// Samples a time-ordered frame sequence at `t`: linear weights and angles, slerped joints.
/// Within `kSnap` of a frame's time (as a fraction of the frame interval) it returns that frame exactly.
SampleInfo sample_frames(const std::deque<Frame>& frames, double t, const SampleOut& out);
SampleInfo sample_frames(const std::vector<Frame>& frames, double t, const SampleOut& out);

constexpr double kSnap = 1e-6;

/// Thread-safe: one receive thread adds frames while any thread samples.
///
/// Frames older than `history_s` behind the newest sampled time are dropped, and never more than
/// `max_frames` are held, so an endless stream holds bounded memory.
class FrameBuffer {
 public:
  explicit FrameBuffer(double history_s = 30.0, std::size_t max_frames = 30 * 3600);

  void add(Frame frame);
  /// Samples at `t`; returns false (and writes neutral) when there is no frame yet.
  bool sample(double t, const SampleOut& out, SampleInfo* info);
  /// Copy of frame `index` when still held.
  bool frame(uint64_t index, Frame* out) const;
  /// [first, first + count) held; false when empty.
  bool held(uint64_t* first, uint64_t* count) const;
  uint64_t received() const;
  double latest_time() const;

 private:
  void trim_locked();

  mutable std::mutex mutex_;
  std::deque<Frame> frames_;
  double history_s_;
  std::size_t max_frames_;
  double sampled_until_ = -1e300;
  uint64_t received_ = 0;
  double latest_time_ = -1;
};

}  // namespace ftalk
