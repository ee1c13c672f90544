#pragma once
/// Early stop: the decision to end a run before its planned end because the target is broken
/// or over-saturated, as a pure function of the run's progress counters (no clock, no
/// threads: the supervisor feeds it a sample every progress interval; tests feed synthetic
/// series).
///
/// Rules (config::StopWhen), checked at each sample in this order; the first that holds stops:
/// - errors N: at least N requests have failed.
/// - error_rate R over S: once the run is S old, of the requests that finished within the last
///   S (from the latest sample at or before now − S to now) at least config::kMinWindowRequests
///   finished and more than R of them failed.
/// - saturation W (over-saturation, not in vLLM): with a = the latest sample at or before
///   now − W, m = the latest at or before now − W/2, n = now, and in-flight = started −
///   finished, all of
///     1. a.finished > 0: the target had answered before the window (the start of a run,
///        when in-flight fills up before the first answers, never counts);
///     2. in-flight(a) < in-flight(m) < in-flight(n): in-flight grew in both halves;
///     3. in-flight(n) − in-flight(a) >= max(kSaturationMinGrowth, in-flight(a)): it at least
///        doubled, by at least kSaturationMinGrowth requests;
///     4. finished(n) − finished(m) <= 1.1 × (finished(m) − finished(a)): the completion rate
///        of the second half is no more than 10% above the first's (flat or falling).
///   A closed loop (max concurrency) bounds in-flight, so this rule only fires on open loops
///   whose arrivals outrun the target: the requests queue (in the server's waiting queue or
///   its listen backlog) while throughput stays where it was.

#include "llmload/config/stop_when.hpp"
#include "llmload/core/clock.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmload::runtime {

/// Growth of in-flight requests below which a window is never over-saturated.
inline constexpr std::int64_t kSaturationMinGrowth = 8;

/// The run's counters at one moment (cumulative since the start).
struct StopSample {
  core::Nanos elapsed_ns = 0;  ///< since the run's origin
  std::int64_t started = 0, finished = 0, failed = 0;
};

/// Why a run stopped early: saved as llmload.stopped_early.
struct StoppedEarly {
  std::string reason;   ///< "errors", "error_rate" or "saturation"
  std::string message;  ///< one sentence with the figures, for the console
  core::Nanos at_ns = 0;  ///< when it was decided, from the run's origin
  /// The figures the rule compared (name, value), in the order written.
  std::vector<std::pair<std::string, double>> figures;
};

/// Applies a StopWhen to a series of samples. Not thread-safe (one owner).
class EarlyStopJudge final {
 public:
  explicit EarlyStopJudge(config::StopWhen rules);

  /// Adds the sample (elapsed times must not decrease); returns the decision once a rule
  /// holds (and keeps returning it afterwards).
  std::optional<StoppedEarly> add(const StopSample& sample);

 private:
  const StopSample* at_or_before(core::Nanos t) const;
  std::optional<StoppedEarly> check_errors(const StopSample& now) const;
  std::optional<StoppedEarly> check_error_rate(const StopSample& now) const;
  std::optional<StoppedEarly> check_saturation(const StopSample& now) const;

  config::StopWhen rules_;
  core::Nanos longest_window_ = 0;
  std::deque<StopSample> samples_;  // the last one at or before now − longest window, and after
  std::optional<StoppedEarly> decided_;
};

}  // namespace llmload::runtime
