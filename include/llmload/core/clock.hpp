#pragma once
/// Time types. All measurement uses the monotonic steady clock (CLOCK_MONOTONIC) as integer
/// nanoseconds; wall-clock time appears only in file names, log headers and `date` fields.

#include <chrono>
#include <cstdint>

namespace llmload::core {

/// The measurement clock.
using Clock = std::chrono::steady_clock;

/// A point on the steady clock, in nanoseconds since the clock's epoch (boot on Linux).
/// The same value is readable by every process on the machine, which is how the simulator's
/// send stamps and the client's arrival stamps are compared.
using Nanos = std::int64_t;

/// Current steady-clock time in nanoseconds. Thread-safe, no allocation (vDSO call).
inline Nanos now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

/// Converts a steady-clock nanosecond stamp back to a time_point (for timers).
inline Clock::time_point to_time_point(Nanos ns) noexcept {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

/// A time_point as a steady-clock nanosecond stamp (the inverse of to_time_point).
inline Nanos to_ns(Clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// Nanoseconds to seconds / milliseconds as double (for reporting only).
constexpr double ns_to_s(Nanos ns) noexcept { return static_cast<double>(ns) * 1e-9; }
constexpr double ns_to_ms(Nanos ns) noexcept { return static_cast<double>(ns) * 1e-6; }
/// Milliseconds by division rather than multiplication by 1e-6: whole milliseconds stay exact,
/// so an SLO of 100 ms and a latency of exactly 100 ms compare equal (the run's summaries).
constexpr double ns_to_ms_exact(Nanos ns) noexcept { return static_cast<double>(ns) / 1e6; }

}  // namespace llmload::core
