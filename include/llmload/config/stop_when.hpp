#pragma once
/// Early-stop rules of one run (bench --stop-on-errors, --stop-on-error-rate/--over,
/// --stop-on-saturation; a profile stage's `stop_when:`). Plain value, validated by whoever
/// builds it; runtime::EarlyStopJudge applies it.

#include <chrono>
#include <cstdint>
#include <optional>

namespace llmload::config {

struct StopWhen {
  /// Stop once this many requests have failed (>= 1).
  std::optional<std::int64_t> errors;
  /// Stop when the failed share of the requests that finished within the last `over` exceeds
  /// this fraction (0 < rate < 1), once a whole window has passed and at least
  /// kMinWindowRequests finished in it.
  std::optional<double> error_rate;
  std::chrono::nanoseconds over{};
  /// > 0: stop when the run is over-saturated over a window of this length (see
  /// runtime/early_stop.hpp for the exact rule).
  std::chrono::nanoseconds saturation{};

  bool any() const noexcept { return errors || error_rate || saturation.count() > 0; }
};

/// Requests that must finish within the error-rate window before its rate is judged.
inline constexpr std::int64_t kMinWindowRequests = 5;

}  // namespace llmload::config
