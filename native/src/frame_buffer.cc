#include "frame_buffer.h"

#include <algorithm>
#include <cmath>

namespace ftalk {

Quat slerp(const Quat& a, const Quat& b0, float t) {
  Quat b = b0;
  double dot = double(a.x) * b.x + double(a.y) * b.y + double(a.z) * b.z + double(a.w) * b.w;
  if (dot < 0) {  // q and -q are the same rotation: take the shorter arc
    b = {-b.x, -b.y, -b.z, -b.w};
    dot = -dot;
  }
  double wa, wb;
  if (dot > 0.9995) {  // nearly parallel: lerp is exact to float precision and avoids 0/0
    wa = 1.0 - t;
    wb = t;
  } else {
    const double theta = std::acos(std::min(dot, 1.0));
    const double s = std::sin(theta);
    wa = std::sin((1.0 - t) * theta) / s;
    wb = std::sin(t * theta) / s;
  }
  double x = wa * a.x + wb * b.x, y = wa * a.y + wb * b.y, z = wa * a.z + wb * b.z, w = wa * a.w + wb * b.w;
  const double n = std::sqrt(x * x + y * y + z * z + w * w);
  if (n > 0) {
    x /= n; y /= n; z /= n; w /= n;
  }
  return {float(x), float(y), float(z), float(w)};
}

namespace {

void write_frame(const Frame& f, const SampleOut& out) {
  if (out.weights) {
    const std::size_t n = std::min(out.weight_count, f.weights.size());
    std::copy_n(f.weights.data(), n, out.weights);
    std::fill(out.weights + n, out.weights + out.weight_count, 0.0f);
  }
  if (out.joints) {
    const std::size_t n = std::min(out.joint_count, f.joints.size());
    std::copy_n(f.joints.data(), n, out.joints);
    std::fill(out.joints + n, out.joints + out.joint_count, Quat{});
  }
  if (out.angles) {
    const std::size_t n = std::min(out.angle_count, f.angles.size());
    std::copy_n(f.angles.data(), n, out.angles);
    std::fill(out.angles + n, out.angles + out.angle_count, 0.0f);
  }
}

void write_neutral(const SampleOut& out) {
  if (out.weights) std::fill(out.weights, out.weights + out.weight_count, 0.0f);
  if (out.joints) std::fill(out.joints, out.joints + out.joint_count, Quat{});
  if (out.angles) std::fill(out.angles, out.angles + out.angle_count, 0.0f);
}

void blend(const Frame& a, const Frame& b, float alpha, const SampleOut& out) {
  if (out.weights) {
    const std::size_t n = std::min({out.weight_count, a.weights.size(), b.weights.size()});
    for (std::size_t i = 0; i < n; ++i) out.weights[i] = a.weights[i] + alpha * (b.weights[i] - a.weights[i]);
    std::fill(out.weights + n, out.weights + out.weight_count, 0.0f);
  }
  if (out.joints) {
    const std::size_t n = std::min({out.joint_count, a.joints.size(), b.joints.size()});
    for (std::size_t i = 0; i < n; ++i) out.joints[i] = slerp(a.joints[i], b.joints[i], alpha);
    std::fill(out.joints + n, out.joints + out.joint_count, Quat{});
  }
  if (out.angles) {
    const std::size_t n = std::min({out.angle_count, a.angles.size(), b.angles.size()});
    for (std::size_t i = 0; i < n; ++i) out.angles[i] = a.angles[i] + alpha * (b.angles[i] - a.angles[i]);
    std::fill(out.angles + n, out.angles + out.angle_count, 0.0f);
  }
}

template <class Frames>
SampleInfo sample_impl(const Frames& frames, double t, const SampleOut& out) {
  SampleInfo info;
  if (frames.empty()) {
    write_neutral(out);
    return info;
  }
  info.latest_frame_time_s = frames.back().time_s;
  // First frame later than t; the one before it is at or before t.
  auto later = std::upper_bound(frames.begin(), frames.end(), t,
                                [](double value, const Frame& f) { return value < f.time_s; });
  const Frame* chosen;
  if (later == frames.begin()) {
    chosen = &frames.front();
    info.kind = SampleKind::HeldFirst;
  } else if (later == frames.end()) {
    chosen = &frames.back();
    info.kind = chosen->time_s == t ? SampleKind::Exact : SampleKind::HeldLast;
  } else {
    const Frame& a = *(later - 1);
    const Frame& b = *later;
    const double span = b.time_s - a.time_s;
    const double alpha = span > 0 ? (t - a.time_s) / span : 0.0;
    if (alpha <= kSnap) {
      chosen = &a;
      info.kind = SampleKind::Exact;
    } else if (alpha >= 1.0 - kSnap) {
      chosen = &b;
      info.kind = SampleKind::Exact;
    } else {
      blend(a, b, float(alpha), out);
      info.kind = SampleKind::Interpolated;
      info.frame_index = a.index;
      info.frame_time_s = a.time_s;
      info.alpha = float(alpha);
      info.idle = alpha < 0.5 ? a.idle : b.idle;
      return info;
    }
  }
  write_frame(*chosen, out);
  info.frame_index = chosen->index;
  info.frame_time_s = chosen->time_s;
  info.idle = chosen->idle;
  return info;
}

}  // namespace

SampleInfo sample_frames(const std::deque<Frame>& frames, double t, const SampleOut& out) {
  return sample_impl(frames, t, out);
}

SampleInfo sample_frames(const std::vector<Frame>& frames, double t, const SampleOut& out) {
  return sample_impl(frames, t, out);
}

FrameBuffer::FrameBuffer(double history_s, std::size_t max_frames)
    : history_s_(history_s), max_frames_(std::max<std::size_t>(max_frames, 2)) {}

void FrameBuffer::add(Frame frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  latest_time_ = frame.time_s;
  ++received_;
  // The server's frames are in time order; a frame out of order would break the binary search,
  // so it replaces the tail it contradicts rather than being inserted in the middle.
  while (!frames_.empty() && frames_.back().time_s >= frame.time_s) frames_.pop_back();
  frames_.push_back(std::move(frame));
  trim_locked();
}

void FrameBuffer::trim_locked() {
  // Keep one frame at or before the cut so that sampling exactly there still interpolates.
  const double cut = sampled_until_ - history_s_;
  while (frames_.size() > 2 && frames_[1].time_s <= cut) frames_.pop_front();
  while (frames_.size() > max_frames_) frames_.pop_front();
}

bool FrameBuffer::sample(double t, const SampleOut& out, SampleInfo* info) {
  std::lock_guard<std::mutex> lock(mutex_);
  SampleInfo result = sample_frames(frames_, t, out);
  // Trim relative to the playback clock, but never past the newest frame: a clock that runs
  // ahead of the data (a stall, a stray time) must not throw away what is yet to be played.
  const double reference = std::min(t, latest_time_);
  if (reference > sampled_until_) {
    sampled_until_ = reference;
    trim_locked();
  }
  if (info) *info = result;
  return !frames_.empty();
}

bool FrameBuffer::frame(uint64_t index, Frame* out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frames_.empty() || index < frames_.front().index || index > frames_.back().index) return false;
  // Indexes are consecutive except after a replaced tail; look where it should be, then search.
  std::size_t guess = std::size_t(index - frames_.front().index);
  if (guess < frames_.size() && frames_[guess].index == index) {
    *out = frames_[guess];
    return true;
  }
  auto it = std::lower_bound(frames_.begin(), frames_.end(), index,
                             [](const Frame& f, uint64_t i) { return f.index < i; });
  if (it == frames_.end() || it->index != index) return false;
  *out = *it;
  return true;
}

bool FrameBuffer::held(uint64_t* first, uint64_t* count) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frames_.empty()) return false;
  *first = frames_.front().index;
  *count = frames_.back().index - frames_.front().index + 1;
  return true;
}

uint64_t FrameBuffer::received() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

double FrameBuffer::latest_time() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_time_;
}

}  // namespace ftalk
