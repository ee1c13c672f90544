#pragma once
/// Per-target figures of a run over several replicas (llmload extension, "not in vLLM"): each
/// target's requests, outcomes and latencies, by vLLM's definitions on its own requests.

#include "llmload/metrics/request_record.hpp"
#include "llmload/metrics/sample_stats.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace llmload::metrics {

/// The percentiles each target's latencies are given at.
inline constexpr double kPerTargetPercentiles[] = {50, 99};

/// One target's share of the run.
struct TargetFigures {
  std::string url;                 ///< scheme://host:port/prefix (never credentials or a query)
  std::int64_t requests = 0;       ///< sent to it (started)
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::vector<std::pair<std::string, std::int64_t>> failures;  ///< by outcome name, sorted by name
  std::int64_t output_tokens = 0;  ///< of its successful requests (usage, else token chunks)
  double output_throughput = 0;    ///< output_tokens / the run's duration (tok/s)
  /// vLLM's definitions on its successful requests, in ms, p50 and p99 (kPerTargetPercentiles).
  SampleStats ttft_ms, tpot_ms, itl_ms, e2el_ms;
};

/// The figures of each target in `urls` order from the run's records (RequestRecord::target
/// selects the target; a record outside `urls` is left out). `duration_s` is the run's (vLLM's
/// duration), so the targets' throughputs add up to the run's. Pure.
std::vector<TargetFigures> target_breakdown(std::span<const RequestRecord> records, std::span<const std::string> urls,
                                            double duration_s);

}  // namespace llmload::metrics
