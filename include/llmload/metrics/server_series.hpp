#pragma once
/// The server's own figures over a run, as plain values: what the scraper (scrape/) collects
/// from /metrics and summarises, kept in a run's result (runtime::RunResult) beside the
/// client's figures.

#include "llmload/core/clock.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace llmload::metrics {

/// One scrape: when it was taken and the value of every watched metric (NaN: absent).
struct ScrapePoint {
  core::Nanos t_ns = 0;
  std::vector<double> values;
  /// Watched samples ignored as implausible (not finite, or beyond +-kMaxMetricValue): a
  /// server's answer is untrusted, and one absurd value would swamp every sum.
  std::size_t out_of_range = 0;
  /// With several targets (ScrapeSeries::targets): each target's own values, in the targets'
  /// order; an empty entry where that target did not answer this scrape.
  std::vector<std::vector<double>> per_target;
};

/// What one scraped run gave. Plain value.
struct ScrapeSeries {
  std::vector<std::string> sources;  ///< URLs scraped (no credentials)
  /// Several targets (repeated --base-url): each target's /metrics URL, in the plan's order;
  /// their series are kept apart in ScrapePoint::per_target besides the sum. Empty with one.
  std::vector<std::string> targets;
  double interval_s = 0;
  std::vector<ScrapePoint> points;   ///< in time order; the first is taken before the load
  std::size_t failed_scrapes = 0;
  std::vector<std::string> notes;    ///< sources dropped and why, parse problems (capped)
};

/// One watched metric over the run. Gauges: mean and max over the scrapes; counters: the
/// increase from the first to the last scrape.
struct MetricSummary {
  std::string key, label;
  bool counter = false;
  double mean = 0, max = 0, increase = 0;
};

/// A server latency histogram over the run: its mean from the increase of `_sum` over the
/// increase of `_count` (vLLM's `vllm:time_to_first_token_seconds`, queue, prefill, ...): the
/// server's own account of what it did, beside the client's figures.
struct ServerLatencyMean {
  std::string key, label;
  double mean_ms = 0;
  double count = 0;  ///< observations during the run
};

struct ServerMetricsSummary {
  std::string source;  ///< in `per_target`: the target's /metrics URL; "" for the whole run
  std::size_t scrapes = 0;
  double interval_s = 0;
  std::vector<MetricSummary> metrics;  ///< only those the server exposed
  /// Prefix-cache hit rate over the run in percent (Δhits ÷ Δqueries); < 0 when unknown.
  double prefix_cache_hit_rate_pct = -1;
  std::vector<ServerLatencyMean> latencies;  ///< histograms the server exposed with observations
  std::vector<std::string> notes;
  /// Several targets: each one's own summary (source set), in the targets' order; the fields
  /// above stay the sum over every target. Empty with one target.
  std::vector<ServerMetricsSummary> per_target;
};

}  // namespace llmload::metrics
