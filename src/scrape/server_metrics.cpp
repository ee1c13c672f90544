#include "llmload/scrape/server_metrics.hpp"

#include "llmload/core/json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmload::scrape {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<WatchedMetric>& catalog() {
  // vLLM v1 names first, then older vLLM (gpu_*), SGLang, the DCGM exporter (NVIDIA) and
  // Ascend's npu-exporter. Counters are exposed with the `_total` suffix.
  static const std::vector<WatchedMetric> metrics = {
      {"running", "running requests", {"vllm:num_requests_running", "sglang:num_running_reqs"}},
      {"waiting", "waiting requests", {"vllm:num_requests_waiting", "sglang:num_queue_reqs"}},
      {"kv_cache_usage", "KV-cache usage (%)",
       {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage"},
       false, true, 100.0},
      {"prefix_cache_queries", "prefix-cache queries (tokens)",
       {"vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"}, true},
      {"prefix_cache_hits", "prefix-cache hits (tokens)",
       {"vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"}, true},
      {"preemptions", "preemptions", {"vllm:num_preemptions_total"}, true},
      {"prompt_tokens", "prompt tokens (server)",
       {"vllm:prompt_tokens_total", "sglang:prompt_tokens_total"}, true},
      {"generation_tokens", "generation tokens (server)",
       {"vllm:generation_tokens_total", "sglang:generation_tokens_total"}, true},
      {"device_memory_used_mib", "device memory used (MiB)",
       {"DCGM_FI_DEV_FB_USED", "npu_chip_info_hbm_used_memory"}},
      {"device_utilization", "device utilisation (%)",
       {"DCGM_FI_DEV_GPU_UTIL", "npu_chip_info_utilization"}, false, true},
  };
  return metrics;
}

const std::vector<WatchedLatency>& latency_catalog() {
  static const std::vector<WatchedLatency> histograms = {
      {"ttft", "TTFT", {"vllm:time_to_first_token_seconds", "sglang:time_to_first_token_seconds"}},
      {"itl", "inter-token latency",
       {"vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds",
        "sglang:inter_token_latency_seconds"}},
      {"e2e", "E2E latency", {"vllm:e2e_request_latency_seconds", "sglang:e2e_request_latency_seconds"}},
      {"queue", "queue time", {"vllm:request_queue_time_seconds", "sglang:queue_time_seconds"}},
      {"prefill", "prefill time", {"vllm:request_prefill_time_seconds"}},
      {"decode", "decode time", {"vllm:request_decode_time_seconds"}},
  };
  return histograms;
}

// Sum of one series over every source; NaN when no source has it or it is out of range.
double total_of(std::string_view name, std::span<const Exposition> expositions, std::size_t& out_of_range) {
  double v = 0;
  bool found = false;
  for (const auto& e : expositions) {
    const auto t = e.total(name);
    if (!t.found) continue;
    v += t.value;
    found = true;
  }
  if (!found) return kNaN;
  if (!(std::abs(v) <= kMaxMetricValue)) {
    ++out_of_range;
    return kNaN;
  }
  return v;
}

// The histogram's sum and count, from the first name whose count any source exposes.
void extract_latencies(std::span<const Exposition> expositions, ScrapePoint& point) {
  for (const auto& h : latency_catalog()) {
    double sum = kNaN, count = kNaN;
    for (const auto name : h.names) {
      count = total_of(fmt::format("{}_count", name), expositions, point.out_of_range);
      if (std::isnan(count)) continue;
      sum = total_of(fmt::format("{}_sum", name), expositions, point.out_of_range);
      break;
    }
    point.values.push_back(sum);
    point.values.push_back(count);
  }
}

// A counter's increase from its first to its last present value (from the reset on when it
// went down); NaN when it was never present.
double increase_of(const ScrapeSeries& series, std::size_t index) {
  double first = kNaN, last = kNaN;
  for (const auto& p : series.points) {
    const double v = index < p.values.size() ? p.values[index] : kNaN;
    if (std::isnan(v)) continue;
    if (std::isnan(first)) first = v;
    last = v;
  }
  return last >= first ? last - first : last;
}

void summarize_latencies(const ScrapeSeries& series, ServerMetricsSummary& out) {
  const auto& hs = latency_catalog();
  const std::size_t base = catalog().size();
  for (std::size_t i = 0; i < hs.size(); ++i) {
    const double sum = increase_of(series, base + 2 * i), count = increase_of(series, base + 2 * i + 1);
    if (!(count > 0) || std::isnan(sum)) continue;
    out.latencies.push_back({std::string(hs[i].key), std::string(hs[i].label), 1000.0 * sum / count, count});
  }
}

std::size_t index_of(std::string_view key) {
  const auto& c = catalog();
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c[i].key == key) return i;
  }
  return c.size();
}

}  // namespace

std::span<const WatchedMetric> watched_metrics() { return catalog(); }

std::span<const WatchedLatency> watched_latencies() { return latency_catalog(); }

ScrapePoint extract_point(core::Nanos t_ns, std::span<const Exposition> expositions) {
  ScrapePoint point;
  point.t_ns = t_ns;
  for (const auto& m : catalog()) {
    double value = kNaN;
    for (const auto name : m.names) {
      bool found = false;
      double v = 0;
      for (const auto& e : expositions) {
        const auto t = m.use_max ? e.max(name) : e.total(name);
        if (!t.found) continue;
        v = !found ? t.value : (m.use_max ? std::max(v, t.value) : v + t.value);
        found = true;
      }
      if (found && !(std::abs(v) <= kMaxMetricValue)) {  // NaN and infinities fail this too
        ++point.out_of_range;
        found = false;
      }
      if (found) {
        value = v * m.scale;
        break;
      }
    }
    point.values.push_back(value);
  }
  extract_latencies(expositions, point);
  return point;
}

namespace {

/// The summary of one series (the whole run's, or one target's).
ServerMetricsSummary summarize_one(const ScrapeSeries& series) {
  ServerMetricsSummary out;
  out.scrapes = series.points.size();
  out.interval_s = series.interval_s;
  out.notes = series.notes;
  const auto& c = catalog();
  for (std::size_t i = 0; i < c.size(); ++i) {
    MetricSummary m;
    m.key = std::string(c[i].key);
    m.label = std::string(c[i].label);
    m.counter = c[i].counter;
    double sum = 0, first = kNaN, last = kNaN;
    std::size_t n = 0;
    for (const auto& p : series.points) {
      const double v = i < p.values.size() ? p.values[i] : kNaN;
      if (std::isnan(v)) continue;
      m.max = n == 0 ? v : std::max(m.max, v);
      sum += v;
      if (n == 0) first = v;
      last = v;
      ++n;
    }
    if (n == 0) continue;
    m.mean = sum / static_cast<double>(n);
    // A counter that went down was reset (server restart): count from the reset on.
    m.increase = last >= first ? last - first : last;
    out.metrics.push_back(std::move(m));
  }
  const auto find = [&](std::string_view key) -> const MetricSummary* {
    for (const auto& m : out.metrics) {
      if (m.key == key) return &m;
    }
    return nullptr;
  };
  const auto* queries = find("prefix_cache_queries");
  const auto* hits = find("prefix_cache_hits");
  if (queries != nullptr && hits != nullptr && queries->increase > 0) {
    out.prefix_cache_hit_rate_pct = 100.0 * hits->increase / queries->increase;
  }
  summarize_latencies(series, out);
  return out;
}

void write_summary(core::JsonWriter& w, const ServerMetricsSummary& summary) {
  w.key("summary").begin_object();
  for (const auto& m : summary.metrics) {
    w.key(m.key).begin_object();
    if (m.counter) {
      w.field("increase", m.increase);
    } else {
      w.field("mean", m.mean);
      w.field("max", m.max);
    }
    w.end_object();
  }
  w.key("prefix_cache_hit_rate_pct");
  if (summary.prefix_cache_hit_rate_pct >= 0) w.value(summary.prefix_cache_hit_rate_pct);
  else w.null();
  // Only what the server's histograms held during the run (absent before this key existed).
  if (!summary.latencies.empty()) {
    w.key("latency_ms").begin_object();
    for (const auto& l : summary.latencies) {
      w.key(l.key).begin_object();
      w.field("mean", l.mean_ms);
      w.field("count", l.count);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
}

/// "series": "t_s" and one array per metric the summary has (absent values as null).
void write_series(core::JsonWriter& w, const ScrapeSeries& series, const ServerMetricsSummary& summary,
                  core::Nanos origin_ns) {
  w.key("series").begin_object();
  w.key("t_s").begin_array();
  for (const auto& p : series.points) w.value(core::ns_to_s(p.t_ns - origin_ns));
  w.end_array();
  const auto& c = catalog();
  for (const auto& m : summary.metrics) {
    const std::size_t i = index_of(m.key);
    w.key(c[i].key).begin_array();
    for (const auto& p : series.points) {
      const double v = i < p.values.size() ? p.values[i] : kNaN;
      if (std::isnan(v) || std::isinf(v)) w.null();
      else w.value(v);
    }
    w.end_array();
  }
  w.end_object();
}

}  // namespace

ScrapeSeries target_series(const ScrapeSeries& series, std::size_t t) {
  ScrapeSeries one;
  one.interval_s = series.interval_s;
  if (t < series.targets.size()) one.sources = {series.targets[t]};
  for (const auto& p : series.points) {
    if (t >= p.per_target.size() || p.per_target[t].empty()) continue;
    one.points.push_back(ScrapePoint{p.t_ns, p.per_target[t], 0, {}});
  }
  return one;
}

ServerMetricsSummary summarize(const ScrapeSeries& series) {
  ServerMetricsSummary out = summarize_one(series);
  if (series.targets.size() < 2) return out;
  for (std::size_t t = 0; t < series.targets.size(); ++t) {
    out.per_target.push_back(summarize_one(target_series(series, t)));
    out.per_target.back().source = series.targets[t];
  }
  return out;
}

std::string server_metrics_json(const ScrapeSeries& series, const ServerMetricsSummary& summary,
                                core::Nanos origin_ns) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("sources").begin_array();
  for (const auto& s : series.sources) w.value(s);
  w.end_array();
  w.field("interval_s", series.interval_s);
  w.field("scrapes", series.points.size());
  w.field("failed_scrapes", series.failed_scrapes);
  w.key("notes").begin_array();
  for (const auto& n : series.notes) w.value(n);
  w.end_array();
  write_summary(w, summary);
  write_series(w, series, summary, origin_ns);
  if (!summary.per_target.empty()) {
    w.key("per_target").begin_array();
    for (std::size_t t = 0; t < summary.per_target.size(); ++t) {
      const auto& one = summary.per_target[t];
      w.begin_object();
      w.field("source", one.source);
      w.field("scrapes", one.scrapes);
      write_summary(w, one);
      write_series(w, target_series(series, t), one, origin_ns);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  return out;
}

}  // namespace llmload::scrape
