#include "llmload/live/live_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::live {
namespace {

constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75,
                               1,     1.5,    2,     3,    5,     7.5,  10,    15,  20,   30,  60,  120, 300};

constexpr const char* kLatencyNames[] = {"ttft", "tpot", "itl", "e2el"};
constexpr const char* kLatencyHelp[] = {
    "Time to first token (first chunk with content - request start), vLLM's definition",
    "Time per output token after the first, (E2EL - TTFT) / (output tokens - 1)",
    "Gaps between consecutive token chunks",
    "End-to-end latency (last token chunk - request start)"};

/// A label value in the exposition format: backslash, double quote and line feed escaped.
std::string escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// Prometheus' float text: integers without a point, others with enough digits.
std::string number(double v) { return fmt::format("{}", v); }

}  // namespace

std::span<const double> latency_buckets() noexcept { return kBuckets; }

void LiveHistogram::add(const metrics::HdrHistogram& us) {
  if (buckets.empty()) buckets.assign(std::size(kBuckets), 0);
  us.for_each_bucket([this](const metrics::HdrBucket& slot) {
    const double lowest_s = static_cast<double>(slot.lowest_value) / 1e6;
    const auto it = std::lower_bound(std::begin(kBuckets), std::end(kBuckets), lowest_s);
    if (it != std::end(kBuckets)) buckets[static_cast<std::size_t>(it - std::begin(kBuckets))] += slot.count;
    count += slot.count;
    sum_s += static_cast<double>(slot.lowest_value + slot.highest_value) / 2e6 * static_cast<double>(slot.count);
  });
}

LiveMetrics::Series& LiveMetrics::current() {
  if (series_.empty()) series_.emplace_back();
  return series_[current_];
}

void LiveMetrics::begin_stage(const std::string& stage, const std::string& target) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < series_.size(); ++i) {
    auto& s = series_[i];
    if (s.stage != stage || s.target != target) continue;
    s.sent_base += s.sent;
    s.completed_base += s.completed;
    s.sent = s.completed = s.in_flight = 0;
    current_ = i;
    ++updates_;
    return;
  }
  Series s;
  s.stage = stage;
  s.target = target;
  series_.push_back(std::move(s));
  current_ = series_.size() - 1;
  ++updates_;
}

void LiveMetrics::progress(std::int64_t started, std::int64_t finished, std::int64_t failed) {
  std::lock_guard lock(mutex_);
  Series& s = current();
  s.sent = started;
  s.completed = finished - failed;
  s.in_flight = started - finished;
  ++updates_;
}

void LiveMetrics::interval(const metrics::IntervalRecorder& r) {
  std::lock_guard lock(mutex_);
  Series& s = current();
  s.output_tokens += r.output_tokens;
  for (std::size_t i = 0; i < metrics::kOutcomeCount; ++i) s.failed_by[i] += r.failed_by[i];
  s.latency[0].add(r.ttft_us);
  s.latency[1].add(r.tpot_us);
  s.latency[2].add(r.itl_us);
  s.latency[3].add(r.e2el_us);
  ++updates_;
}

std::uint64_t LiveMetrics::updates() const {
  std::lock_guard lock(mutex_);
  return updates_;
}

std::string LiveMetrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto labels = [](const Series& s) { return fmt::format("stage=\"{}\",target=\"{}\"", escape(s.stage), escape(s.target)); };
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& s : series_) out += fmt::format("{}{{{}}} {}\n", name, labels(s), value(s));
  };
  family("llmload_requests_sent_total", "counter", "Requests whose HTTP exchange began",
         [](const Series& s) { return s.sent_base + s.sent; });
  family("llmload_requests_completed_total", "counter", "Successful requests",
         [](const Series& s) { return s.completed_base + s.completed; });
  family("llmload_requests_in_flight", "gauge", "Requests started and not finished",
         [](const Series& s) { return s.in_flight; });
  family("llmload_output_tokens_total", "counter", "Output tokens of successful requests",
         [](const Series& s) { return s.output_tokens; });
  out += "# HELP llmload_requests_failed_total Failed requests by reason\n"
         "# TYPE llmload_requests_failed_total counter\n";
  for (const auto& s : series_) {
    for (std::size_t i = 0; i < metrics::kOutcomeCount; ++i) {
      if (s.failed_by[i] == 0) continue;
      out += fmt::format("llmload_requests_failed_total{{{},reason=\"{}\"}} {}\n", labels(s),
                         metrics::outcome_name(static_cast<metrics::Outcome>(i)), s.failed_by[i]);
    }
  }
  for (std::size_t m = 0; m < std::size(kLatencyNames); ++m) {
    const std::string name = fmt::format("llmload_{}_seconds", kLatencyNames[m]);
    out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, kLatencyHelp[m], name);
    for (const auto& s : series_) {
      const LiveHistogram& h = s.latency[m];
      std::int64_t cumulative = 0;
      for (std::size_t b = 0; b < std::size(kBuckets); ++b) {
        cumulative += h.buckets.empty() ? 0 : h.buckets[b];
        out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels(s), number(kBuckets[b]), cumulative);
      }
      out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels(s), h.count);
      out += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels(s), number(h.sum_s), name, labels(s),
                         h.count);
    }
  }
  return out;
}

}  // namespace llmload::live
