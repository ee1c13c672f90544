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
};

/// What one scraped run gave. Plain value.
struct ScrapeSeries {
  std::vector<std::string> sources;  ///< URLs scraped (no credentials)
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
  std::size_t scrapes = 0;
  double interval_s = 0;
  std::vector<MetricSummary> metrics;  ///< only those the server exposed
  /// Prefix-cache hit rate over the run in percent (Δhits ÷ Δqueries); < 0 when unknown.
  double prefix_cache_hit_rate_pct = -1;
  std::vector<ServerLatencyMean> latencies;  ///< histograms the server exposed with observations
  std::vector<std::string> notes;
};

}  // namespace llmload::metrics
