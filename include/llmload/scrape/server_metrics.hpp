#pragma once
/// The server's own figures during a run, from its Prometheus /metrics (and optional device
/// exporters): requests running and waiting, KV-cache usage, prefix-cache hits, preemptions,
/// token counters, device memory and utilisation. Pure: the scraper loop (scraper.hpp) feeds
/// parsed expositions in; this turns them into a time series, a summary, text and JSON.

#include "llmload/core/clock.hpp"
#include "llmload/metrics/server_series.hpp"
#include "llmload/scrape/prometheus.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::scrape {

// The plain values of a scraped run live in metrics/ so that a run's result can hold them.
using metrics::MetricSummary;
using metrics::ScrapePoint;
using metrics::ScrapeSeries;
using metrics::ServerLatencyMean;
using metrics::ServerMetricsSummary;

/// How a watched figure is read from an exposition and summarised.
struct WatchedMetric {
  std::string_view key;    ///< name in results ("running", "kv_cache_usage", ...)
  std::string_view label;  ///< console label stem ("running requests")
  /// Metric names that carry it, in order of preference (vLLM v1, older vLLM, SGLang,
  /// DCGM exporter, Ascend npu-exporter); the first one present is used.
  std::vector<std::string_view> names;
  bool counter = false;    ///< a monotonic counter (summarised as its increase) vs a gauge
  bool use_max = false;    ///< several label sets: take the largest (else their sum)
  double scale = 1.0;      ///< multiply the raw value (fractions → percent)
};

/// The watched figures, in a fixed order (index = position in ScrapePoint::values).
std::span<const WatchedMetric> watched_metrics();

/// A server latency histogram read as its `_sum` and `_count` series (seconds).
struct WatchedLatency {
  std::string_view key;    ///< "ttft", "itl", "e2e", "queue", "prefill", "decode"
  std::string_view label;  ///< console label stem ("TTFT")
  std::vector<std::string_view> names;  ///< histogram base names, in order of preference
};

/// The watched latency histograms. ScrapePoint::values holds, after the watched figures, two
/// values per histogram: its sum, then its count (index watched_metrics().size() + 2 i).
std::span<const WatchedLatency> watched_latencies();

inline constexpr double kMaxMetricValue = 1e15;

/// Reads every watched metric from the union of the sources' expositions (a metric whose
/// total is not finite or beyond +-kMaxMetricValue is left out and counted in out_of_range).
ScrapePoint extract_point(core::Nanos t_ns, std::span<const Exposition> expositions);

/// The summary of the run (the sum over every source), with each target's own summary in
/// `per_target` when the series has several targets.
ServerMetricsSummary summarize(const ScrapeSeries& series);

/// Target `t`'s own series (ScrapeSeries::targets[t]): the points where it answered, with its
/// values only.
ScrapeSeries target_series(const ScrapeSeries& series, std::size_t t);

/// The console block, after llmload's extensions, in the table's column style; "" when no
/// scrape succeeded and there is nothing to say.
std::string format_server_metrics(const ServerMetricsSummary& summary);

/// The "server_metrics" JSON object of the result file: sources, interval, summary, notes and
/// the series (times in seconds since `origin_ns`, absent values as null); with several
/// targets, "per_target": [{source, scrapes, summary, series}] in the targets' order.
std::string server_metrics_json(const ScrapeSeries& series, const ServerMetricsSummary& summary,
                                core::Nanos origin_ns);

}  // namespace llmload::scrape
