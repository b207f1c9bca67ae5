// The frame buffer on its own: slerp, exact frames, interpolation, history, and an hour of
// stream time sampled by a simulated audio clock while another thread adds frames.
#include <atomic>
#include <cmath>
#include <thread>

#include "frame_buffer.h"
#include "harness.h"

using namespace harness;
using ftalk::Frame;
using ftalk::FrameBuffer;
using ftalk::Quat;
using ftalk::SampleInfo;
using ftalk::SampleKind;
using ftalk::SampleOut;

namespace {

constexpr int kCurves = 52;
constexpr int kJoints = 5;

Quat about_y(double radians) { return {0, float(std::sin(radians / 2)), 0, float(std::cos(radians / 2))}; }

double angle_y(const Quat& q) { return 2 * std::atan2(double(q.y), double(q.w)); }

/// Frame i as a server would make it at `fps`: time index / fps, curves and joints that vary.
Frame make_frame(uint64_t i, double fps) {
  Frame f;
  f.index = i;
  f.time_s = double(i) / fps;
  f.weights.resize(kCurves);
  for (int k = 0; k < kCurves; ++k) f.weights[std::size_t(k)] = float((i * 7 + uint64_t(k) * 13) % 101) / 100.0f;
  for (int j = 0; j < kJoints; ++j) f.joints.push_back(about_y(0.01 * double((i * 3 + uint64_t(j)) % 50)));
  f.angles.assign(9, float(i % 10) / 10.0f);
  return f;
}

}  // namespace

TEST_CASE(slerp_takes_the_short_arc_at_constant_speed) {
  const Quat a = about_y(0), b = about_y(M_PI / 2);
  CHECK(std::fabs(angle_y(ftalk::slerp(a, b, 0.5f)) - M_PI / 4) < 1e-6);
  CHECK(std::fabs(angle_y(ftalk::slerp(a, b, 0.25f)) - M_PI / 8) < 1e-6);
  const Quat e0 = ftalk::slerp(a, b, 0.0f), e1 = ftalk::slerp(a, b, 1.0f);
  CHECK(std::fabs(e0.w - 1) < 1e-7 && std::fabs(e1.y - b.y) < 1e-7);
  // -b is the same rotation as b: the blend must not swing the long way round.
  const Quat nb{-b.x, -b.y, -b.z, -b.w};
  const Quat m = ftalk::slerp(a, nb, 0.5f);
  CHECK(std::fabs(std::fabs(angle_y(m)) - M_PI / 4) < 1e-6 || std::fabs(std::fabs(angle_y(m)) - (2 * M_PI - M_PI / 4)) < 1e-6);
  // Nearly equal rotations stay unit length.
  const Quat c = ftalk::slerp(a, about_y(1e-6), 0.5f);
  CHECK(std::fabs(c.x * c.x + c.y * c.y + c.z * c.z + c.w * c.w - 1) < 1e-6);
}

TEST_CASE(exact_interpolated_held_and_neutral) {
  FrameBuffer buffer;
  std::vector<float> w(kCurves, 9.0f), a(9, 9.0f);
  std::vector<Quat> j(kJoints);
  SampleOut out{w.data(), w.size(), j.data(), j.size(), a.data(), a.size()};
  SampleInfo info;
  CHECK(!buffer.sample(0.0, out, &info));
  CHECK(info.kind == SampleKind::Neutral && w[0] == 0.0f && j[0].w == 1.0f && a[0] == 0.0f);
  for (uint64_t i = 0; i < 10; ++i) buffer.add(make_frame(i, 30));
  const Frame f3 = make_frame(3, 30), f4 = make_frame(4, 30);
  CHECK(buffer.sample(3.0 / 30.0, out, &info));
  CHECK(info.kind == SampleKind::Exact && info.frame_index == 3 && w == f3.weights);
  buffer.sample(3.25 / 30.0, out, &info);
  CHECK(info.kind == SampleKind::Interpolated && info.frame_index == 3 && std::fabs(info.alpha - 0.25f) < 1e-6);
  for (int k = 0; k < kCurves; ++k) CHECK(std::fabs(w[k] - (f3.weights[k] + 0.25f * (f4.weights[k] - f3.weights[k]))) < 1e-6);
  CHECK(std::fabs(angle_y(j[0]) - (angle_y(f3.joints[0]) + 0.25 * (angle_y(f4.joints[0]) - angle_y(f3.joints[0])))) < 1e-5);
  buffer.sample(-1.0, out, &info);
  CHECK(info.kind == SampleKind::HeldFirst && info.frame_index == 0);
  Frame copy;
  CHECK(buffer.frame(5, &copy) && copy.weights == make_frame(5, 30).weights);
  CHECK(!buffer.frame(10, &copy));
  // A frame that arrives out of order replaces the tail it contradicts.
  buffer.add(make_frame(8, 30));
  uint64_t first = 0, count = 0;
  CHECK(buffer.held(&first, &count) && first == 0 && count == 9);
  buffer.sample(100.0, out, &info);
  CHECK(info.kind == SampleKind::HeldLast && info.frame_index == 8 && w == make_frame(8, 30).weights);
}

TEST_CASE(history_is_trimmed_behind_the_sampled_time) {
  FrameBuffer buffer(2.0);  // keep two seconds behind the playback clock
  for (uint64_t i = 0; i < 300; ++i) buffer.add(make_frame(i, 30));  // 10 s, arrived ahead (as Speak does)
  uint64_t first = 0, count = 0;
  CHECK(buffer.held(&first, &count) && first == 0 && count == 300);  // nothing sampled yet: nothing dropped
  std::vector<float> w(kCurves);
  SampleOut out{w.data(), w.size(), nullptr, 0, nullptr, 0};
  SampleInfo info;
  buffer.sample(5.0, out, &info);
  CHECK(buffer.held(&first, &count) && first >= 89 && first <= 90 && first + count == 300);
  buffer.sample(4.0, out, &info);  // a step back within the history still works
  CHECK(info.kind == SampleKind::Exact && info.frame_index == 120);
}

TEST_CASE(an_hour_of_audio_clock_has_zero_drift) {
  // A 48 kHz audio device asks for 1024 samples at a time; the game samples the buffer at the
  // playback position (samples played / rate). Another thread plays the server, adding 30 fps
  // frames a little ahead. After one hour the frame sampled is exactly frame 108000, and every
  // sample on the way is the analytic blend of its two frames.
  constexpr double kFps = 30;
  constexpr uint64_t kRate = 48000, kBlock = 1024, kHourSamples = 3600 * kRate;
  FrameBuffer buffer(5.0);
  std::atomic<double> clock{0};
  std::atomic<bool> stop{false};
  std::thread server([&] {
    uint64_t i = 0;
    while (!stop) {
      while (double(i) / kFps <= clock.load() + 1.0 && double(i) / kFps <= 3600.0 + 1.0) buffer.add(make_frame(i++, kFps));
      std::this_thread::yield();
    }
  });
  std::vector<float> w(kCurves);
  std::vector<Quat> j(kJoints);
  SampleOut out{w.data(), w.size(), j.data(), j.size(), nullptr, 0};
  SampleInfo info;
  uint64_t bad = 0, exact = 0, late = 0;
  float naive = 0;  // the same clock summed as float seconds per block, as a careless game might
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t played = 0; played <= kHourSamples; played += kBlock) {
    const double t = double(played) / double(kRate);
    clock = t;
    // Wait for the "server" if it fell behind (it must stay ahead, as the look-ahead makes it).
    while (buffer.latest_time() < t) std::this_thread::yield();
    buffer.sample(t, out, &info);
    const double position = t * kFps;
    if (info.kind == SampleKind::Exact) ++exact;
    if (info.kind == SampleKind::HeldLast) ++late;
    const double nearest = std::round(position);
    if (std::fabs(position - nearest) <= ftalk::kSnap) {
      bad += info.kind != SampleKind::Exact || info.frame_index != uint64_t(nearest) ||
             w != make_frame(uint64_t(nearest), kFps).weights;
    } else {
      const uint64_t i = uint64_t(std::floor(position));
      const double alpha = position - double(i);
      const Frame a = make_frame(i, kFps), b = make_frame(i + 1, kFps);
      bad += info.kind != SampleKind::Interpolated || info.frame_index != i;
      for (int k = 0; k < kCurves; k += 5)
        bad += std::fabs(w[k] - (a.weights[k] + float(alpha) * (b.weights[k] - a.weights[k]))) > 1e-4;
    }
    naive += float(kBlock) / float(kRate);
  }
  stop = true;
  server.join();
  const double final_t = double(kHourSamples) / double(kRate);
  buffer.sample(final_t, out, &info);
  std::fprintf(stderr, "  one hour (%.0f s of stream time) in %.1f s: %llu exact-frame samples, drift %.9f s at the end "
               "(a float sum of block durations is off by %.3f s)\n",
               final_t, seconds_since(start), (unsigned long long)exact, info.frame_time_s - final_t,
               double(naive) - final_t);
  CHECK(bad == 0);
  CHECK(late == 0);
  CHECK(info.kind == SampleKind::Exact && info.frame_index == 108000 && info.frame_time_s == 3600.0);
  CHECK(exact > 0);
  // The buffer held a bounded window, not the hour.
  uint64_t first = 0, count = 0;
  CHECK(buffer.held(&first, &count) && count < 30 * 10);
}

int main(int argc, char** argv) { return harness::run(argc, argv); }
