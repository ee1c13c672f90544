#pragma once
/// What several runs in one report are to each other, so that a report only draws the
/// conclusions that mean something: "better/worse" only between runs that differ in one swept
/// value (points of one sweep, repeats, before/after of the same workload), a latency against
/// throughput curve only across the points of one sweep, and a capacity knee only where a rate
/// sweep offered at least three rates and each point measured enough to tell. Pure.

#include "llmload/report/result_reader.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace llmload::report {

/// How the runs of a report relate.
enum class RunSetKind {
  kSingle,      ///< one run
  kSame,        ///< the same settings: repeats, or before/after of the same workload and load
  kSweep,       ///< one value differs between the runs, and it is a single value (a sweep axis)
  kSideBySide,  ///< different scenarios or several swept values: shown side by side, not judged
};

/// The relation, and for a sweep its axis.
struct RunSet {
  RunSetKind kind = RunSetKind::kSingle;
  std::string axis;       ///< the value that differs ("load.stages.0.rate", "request rate", ...)
  bool rate_axis = false;  ///< the axis is the offered request rate
  std::string why;        ///< for kSideBySide: what differs, one sentence

  /// Changes may be marked better or worse (kSame and kSweep).
  bool comparable() const noexcept { return kind == RunSetKind::kSame || kind == RunSetKind::kSweep; }
};

/// Each run's settings: for a profile's run its series (profile and stage) and swept values;
/// for another (bench, vLLM) its workload (from its plan), offered rate and concurrency cap.
/// The runs are a sweep when exactly one setting differs and its values are single values
/// (not whole sections, i.e. not scenarios).
RunSet classify_runs(const std::vector<ReportRun>& runs);

/// Enough measured at each point to call a knee: completions and measured seconds.
inline constexpr double kKneeMinCompleted = 50;
inline constexpr double kKneeMinSeconds = 10;
/// Distinct offered rates a sweep needs before a knee is named.
inline constexpr std::size_t kKneeMinRates = 3;
/// A point has saturated when it completed less than this share of the offered rate.
inline constexpr double kKneeAchievedShare = 0.9;

/// The capacity knee of a rate sweep: the first offered rate (ascending) whose achieved
/// throughput fell under 90% of it, with the point before it as evidence. Unset unless `set`
/// is a rate sweep over at least kKneeMinRates distinct finite rates, every point completed
/// kKneeMinCompleted requests over kKneeMinSeconds, and a point fell short.
struct CapacityKnee {
  std::string name, before_name;         ///< the runs at the knee and before it
  double offered = 0, achieved = 0;      ///< req/s at the knee
  double before_offered = 0, before_achieved = 0;
  std::optional<double> ttft_p99_ms, before_ttft_p99_ms;  ///< the latency change
  std::optional<double> e2el_median_ms, before_e2el_median_ms;
  /// The evidence as one sentence (for every report format).
  std::string sentence() const;
};
std::optional<CapacityKnee> capacity_knee(const std::vector<ReportRun>& runs, const RunSet& set);

/// Why no knee is named for a rate sweep (one sentence), or "" when one is or when `set` is no
/// rate sweep.
std::string no_knee_reason(const std::vector<ReportRun>& runs, const RunSet& set);

}  // namespace llmload::report
