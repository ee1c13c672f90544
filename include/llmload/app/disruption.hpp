#pragma once
/// Disruption and recovery (a profile stage's `events:`): shell commands run at set times of
/// the measured run (e.g. a replica restart), each on its own thread with its exit status and
/// output recorded, and, around each, what it did to the load: requests failed or cut, the
/// TTFT/ITL spike (peak interval p99 against the pre-event baseline) and the time to recover.
/// The analysis is pure, on the stage's interval rows. (Not in vLLM.)

#include "llmload/config/profile.hpp"
#include "llmload/core/clock.hpp"
#include "llmload/report/interval_report.hpp"
#include "llmload/sim/sim_server.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace llmload::app {

/// An event's command, once run.
struct EventOutcome {
  double at_s = 0;         ///< when it started, from the run's origin
  std::string command;     ///< the shell command, or "sim: " and the simulated disruption
  /// A simulated disruption (then exit_status 0 when the simulator took it, output its
  /// description or why not).
  std::optional<sim::SimDisruption> sim;
  int exit_status = -1;    ///< the shell's exit status; -1 when killed or not run
  std::string output;      ///< stdout and stderr, the first kEventOutputBytes
  double seconds = 0;      ///< how long it ran
};

/// Output kept of an event's command.
inline constexpr std::size_t kEventOutputBytes = 4096;
/// An event's command still running this long after the run ended is killed.
inline constexpr auto kEventGrace = std::chrono::seconds(30);

/// Runs a stage's events at their times. tick() and finish() on the thread that supervises
/// the run; each command runs `/bin/sh -c COMMAND` on a thread of its own; a simulated
/// disruption is handed to `simulator` (the built-in one; null: none, and such an event is
/// recorded as not run).
class EventRunner final {
 public:
  explicit EventRunner(std::vector<config::ProfileEvent> events, sim::SimServer* simulator = nullptr);
  ~EventRunner();
  EventRunner(const EventRunner&) = delete;
  EventRunner& operator=(const EventRunner&) = delete;

  /// Starts every event due by `elapsed_ns` (from the run's origin) not started yet.
  void tick(core::Nanos elapsed_ns);
  /// Waits for the commands (killing those still running kEventGrace later); the outcomes of
  /// the events that started, in order.
  std::vector<EventOutcome> finish();

 private:
  struct Running;
  std::vector<config::ProfileEvent> events_;
  sim::SimServer* simulator_ = nullptr;
  std::vector<std::unique_ptr<Running>> running_;
};

/// What one event did to the load.
struct Disruption {
  double at_s = 0;
  std::int64_t failed = 0;  ///< failed or cut requests from the event until recovery (or the end)
  double baseline_ttft_p99_ms = 0, peak_ttft_p99_ms = 0;
  double baseline_itl_p99_ms = 0, peak_itl_p99_ms = 0;
  std::optional<double> recovery_s;  ///< unset: it did not recover before the run ended
};

/// Tolerance over the baseline and consecutive intervals that make a recovery.
inline constexpr double kRecoveryTolerance = 0.5;
inline constexpr int kRecoveryIntervals = 3;

/// The analysis of an event at `at_s`: baseline = the median over the intervals that ended by
/// `at_s` with completions of their TTFT (ITL) p99; peak = the highest p99 of the intervals
/// after it; recovery = from `at_s` to the start of the first kRecoveryIntervals consecutive
/// intervals (starting at or after `at_s`) that each have completions and TTFT and ITL p99
/// within kRecoveryTolerance of the baseline, or no higher than the highest p99 of an interval
/// before the event (short intervals have noisy p99s); failed = the failures of the intervals
/// from the event to that start (to the end without recovery).
Disruption analyse_disruption(std::span<const report::IntervalRow> intervals, double at_s);

/// llmload.disruptions: one object per event (command, exit status, output, and its figures).
std::string disruptions_json(const std::vector<EventOutcome>& events, const std::vector<Disruption>& found);

/// Console lines, one block per event.
std::string format_disruptions(const std::vector<EventOutcome>& events, const std::vector<Disruption>& found);

}  // namespace llmload::app
