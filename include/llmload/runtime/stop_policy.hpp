#pragma once
/// When a run stops sending and when it cancels what is still in flight: the duration limit,
/// the first stop request (Ctrl-C), its grace period and the second stop request. Pure: the
/// caller passes the time and the number of stop requests seen so far (the clock is injected),
/// so every rule is testable without sleeping.

#include "llmload/core/clock.hpp"

#include <chrono>
#include <cstdint>

namespace llmload::runtime {

/// How far a run is from its end. The levels only ever go up.
enum class StopLevel : std::uint8_t {
  kRunning = 0,     ///< requests are sent at their scheduled times
  kStopping = 1,    ///< nothing more is sent; requests in flight may finish
  kCancelling = 2,  ///< the requests still in flight are cancelled
};

/// ProgressSnapshot::stopping's number for a level (0, 1, 2).
constexpr int stop_level_number(StopLevel level) noexcept { return static_cast<int>(level); }

/// The stop rules of one run. Not thread-safe: one owner (the thread that supervises the run)
/// calls update(); the levels it returns are what the workers are told.
///
/// Rules, applied in this order at each update(now, signals):
/// 1. Running, with a duration limit, at or after origin + duration: stopping, and the stop is
///    the duration's (duration_reached()); no grace period runs: requests in flight finish.
/// 2. Running and at least one stop request: stopping; the grace period starts now.
/// 3. Stopped by the duration and a stop request arrives: the grace period starts now.
/// 4. Stopping and a second stop request, or the grace period is over: cancelling.
/// Several rules may apply in one update (two stop requests at once: running → cancelling).
class StopPolicy final {
 public:
  /// "No such instant": a deadline that never comes.
  static constexpr core::Nanos kNever = INT64_MAX;

  /// `origin_ns`: the run's time origin (steady-clock ns); `duration`: stop sending this long
  /// after it (zero or negative: no limit); `grace_period`: how long requests in flight may
  /// still finish after the first stop request (zero: cancel at once).
  StopPolicy(core::Nanos origin_ns, std::chrono::nanoseconds duration,
             std::chrono::nanoseconds grace_period) noexcept;

  /// Applies the rules at `now_ns` with `signals` stop requests seen so far (a counter that
  /// only grows); returns the level after them.
  StopLevel update(core::Nanos now_ns, int signals) noexcept;

  /// The current level.
  StopLevel level() const noexcept { return level_; }
  /// True once nothing more may be sent (stopping or cancelling).
  bool stop_sending() const noexcept { return level_ != StopLevel::kRunning; }
  /// True when the duration limit, not a stop request, stopped the sending.
  bool duration_reached() const noexcept { return duration_reached_; }
  /// The next instant at which update() changes the level without a new stop request: the
  /// end of the duration while running, the end of the grace period while stopping; kNever
  /// when there is none.
  core::Nanos next_deadline_ns() const noexcept;

 private:
  void start_grace(core::Nanos now_ns) noexcept;

  core::Nanos send_deadline_ns_;    // origin + duration, or kNever
  std::chrono::nanoseconds grace_period_;
  core::Nanos grace_end_ns_ = kNever;
  StopLevel level_ = StopLevel::kRunning;
  bool duration_reached_ = false;
  bool grace_started_ = false;
};

}  // namespace llmload::runtime
