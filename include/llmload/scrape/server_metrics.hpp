#pragma once
/// The server's own figures during a run, from its Prometheus /metrics (and optional device
/// exporters): requests running and waiting, KV-cache usage, prefix-cache hits, preemptions,
/// token counters, device memory and utilisation. Pure: the scraper loop (scraper.hpp) feeds
/// parsed expositions in; this turns them into a time series, a summary, text and JSON.

#include "llmload/core/clock.hpp"
#include "llmload/scrape/prometheus.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::scrape {

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

/// One scrape: when it was taken and the value of every watched metric (NaN: absent).
struct ScrapePoint {
  core::Nanos t_ns = 0;
  std::vector<double> values;
  /// Watched samples ignored as implausible (not finite, or beyond +-kMaxMetricValue): a
  /// server's answer is untrusted, and one absurd value would swamp every sum.
  std::size_t out_of_range = 0;
};

inline constexpr double kMaxMetricValue = 1e15;

/// Reads every watched metric from the union of the sources' expositions (a metric whose
/// total is not finite or beyond +-kMaxMetricValue is left out and counted in out_of_range).
ScrapePoint extract_point(core::Nanos t_ns, std::span<const Exposition> expositions);

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

struct ServerMetricsSummary {
  std::size_t scrapes = 0;
  double interval_s = 0;
  std::vector<MetricSummary> metrics;  ///< only those the server exposed
  /// Prefix-cache hit rate over the run in percent (Δhits ÷ Δqueries); < 0 when unknown.
  double prefix_cache_hit_rate_pct = -1;
  std::vector<std::string> notes;
};

ServerMetricsSummary summarize(const ScrapeSeries& series);

/// The console block, after llmload's extensions, in the table's column style; "" when no
/// scrape succeeded and there is nothing to say.
std::string format_server_metrics(const ServerMetricsSummary& summary);

/// The "server_metrics" JSON object of the result file: sources, interval, summary, notes and
/// the series (times in seconds since `origin_ns`, absent values as null).
std::string server_metrics_json(const ScrapeSeries& series, const ServerMetricsSummary& summary,
                                core::Nanos origin_ns);

}  // namespace llmload::scrape
