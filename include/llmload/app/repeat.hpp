#pragma once
/// Repeated runs of one plan (bench --num-runs, a profile's or stage's `repeat:`): the
/// aggregate of their summaries — per metric the mean, sample std, coefficient of variation
/// and 95% confidence interval of the mean (Student t) — printed and saved as a JSON file
/// that `llmload compare` reads. Pure except for the file writing of the callers. (Not in vLLM.)

#include "llmload/metrics/repeat_stats.hpp"
#include "llmload/metrics/run_summary.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmload::app {

/// One metric over the runs, keyed as in the result files (vLLM's keys: mean_ttft_ms,
/// p99_ttft_ms, request_throughput, ...; error_rate is llmload's: failed / (completed + failed)).
struct AggregateMetric {
  std::string key;
  metrics::RepeatStat stat;
};

/// The aggregate of N runs of one plan.
struct Aggregate {
  std::int64_t runs = 0;
  std::vector<std::uint64_t> seeds;        ///< the workload seed of each run
  std::vector<std::string> results;        ///< each run's result file ("" when not saved)
  std::int64_t stopped_early = 0;          ///< runs an early-stop rule ended
  std::vector<AggregateMetric> metrics;    ///< in the result file's order

  /// The metric named `key`, or null.
  const AggregateMetric* find(const std::string& key) const;
};

/// The aggregate of `summaries` (one per run, at least one): every throughput and count, and
/// mean/median/std/percentiles of each latency metric that every run has.
Aggregate aggregate_runs(const std::vector<const metrics::RunSummary*>& summaries);

/// The aggregate as a JSON object: {"llmload_aggregate": {version, runs, seeds, results,
/// stopped_early}, "metrics": {KEY: {mean, std, cv, ci95_low, ci95_high, values}}}.
std::string aggregate_json(const Aggregate& aggregate);

/// The console table: one line per metric with mean, std, CV and the 95% interval.
std::string format_aggregate(const Aggregate& aggregate, const std::string& title);

/// `base` ("dir/name.json" or "dir/name") with "-SUFFIX.json" in place of its extension:
/// e.g. repeat_file_name("out/r.json", "run2") = "out/r-run2.json".
std::string repeat_file_name(const std::string& base, const std::string& suffix);

}  // namespace llmload::app
