#include "llmload/report/breakdown_report.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/report/console_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

namespace llmload::report {
namespace {

void part_stats_json(core::JsonWriter& w, const std::array<metrics::SampleStats, otlp::kPartCount>& stats) {
  w.key("parts").begin_object();
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    const auto& s = stats[k];
    w.key(otlp::part_name(static_cast<otlp::Part>(k))).begin_object();
    w.field("count", static_cast<std::int64_t>(s.count));
    w.field("mean", s.mean);
    w.field("median", s.median);
    w.field("p99", s.percentile_or(99, 0.0));
    w.end_object();
  }
  w.end_object();
}

/// The categories' rows: each one's joined requests and the means of the engine's parts.
void category_rows(std::string& out, const otlp::Breakdown& b) {
  if (b.per_category.empty()) return;
  out += "Per category, mean (ms):\n";
  fmt::format_to(std::back_inserter(out), "{:<12}{:>6} {:>7} {:>7} {:>7} {:>7}\n", "Category", "Joined", "Queue",
                 "Prefill", "Decode", "Outside");
  for (const auto& c : b.per_category) {
    fmt::format_to(std::back_inserter(out), "{:<12}{:>6}", c.category, c.requests_joined);
    for (const otlp::Part p : kCategoryParts) {
      const auto& s = c.stats[static_cast<std::size_t>(p)];
      out += s.count > 0 ? fmt::format(" {:>7.1f}", s.mean) : fmt::format(" {:>7}", "-");
    }
    out += "\n";
  }
}

/// Each interval's mean of each part over the joined requests whose last chunk (else end)
/// fell in it (the last interval takes any later); NaN where none did.
void fill_intervals(const otlp::Breakdown& b, metrics::RunSummary& summary) {
  if (summary.per_interval.empty()) return;
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    summary.interval_extra_fields.push_back(fmt::format("mean_{}", otlp::part_name(static_cast<otlp::Part>(k))));
  }
  const std::size_t intervals = summary.per_interval.size();
  std::vector<std::array<double, otlp::kPartCount>> sums(intervals), counts(intervals);
  const std::size_t n = std::min(summary.timelines.size(), b.per_request.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double end_s = summary.timelines[i].end_ms / 1000.0;
    if (!b.per_request[i] || !std::isfinite(end_s)) continue;
    std::size_t at = 0;
    while (at + 1 < intervals && end_s >= summary.per_interval[at].end_s) ++at;
    for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
      const double v = (*b.per_request[i])[k];
      if (std::isnan(v)) continue;
      sums[at][k] += v;
      counts[at][k] += 1;
    }
  }
  for (std::size_t t = 0; t < intervals; ++t) {
    auto& extra = summary.per_interval[t].extra;
    for (std::size_t k = 0; k < otlp::kPartCount; ++k) extra.push_back(counts[t][k] > 0 ? sums[t][k] / counts[t][k] : NAN);
  }
}

}  // namespace

std::string format_breakdown(const otlp::Breakdown& b) {
  if (b.requests_joined == 0) return otlp::no_spans_line(b) + "\n";
  std::string out;
  auto row = [&out](std::string_view label, const auto& value) {
    fmt::format_to(std::back_inserter(out), "{:<40} {:<10}\n", label, value);
  };
  banner(out, " Latency breakdown (server traces, not in vLLM) ", '=');
  row("Requests joined / sent:", fmt::format("{} / {}", b.requests_joined, b.requests_sent));
  if (b.joined_by_request_id > 0) row("Joined by request id (not trace id):", b.joined_by_request_id);
  row("Spans that matched no request:", b.spans_unmatched);
  if (b.exports_malformed > 0) row("Malformed exports refused:", b.exports_malformed);
  // Values up to 99999.99 ms keep a space between them (vLLM's 50 columns).
  fmt::format_to(std::back_inserter(out), "{:<24}{:>8} {:>8} {:>8}\n", "Part (ms)", "Mean", "Median", "P99");
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    const auto& s = b.stats[k];
    if (s.count == 0) continue;
    fmt::format_to(std::back_inserter(out), "{:<24}{:>8.2f} {:>8.2f} {:>8.2f}\n", otlp::part_label(static_cast<otlp::Part>(k)),
                   s.mean, s.median, s.percentile_or(99, 0.0));
  }
  category_rows(out, b);
  out += "Outside the engine = client TTFT - server TTFT\n";
  out += std::string(kTableWidth, '=') + "\n";
  return out;
}

std::string breakdown_json(const otlp::Breakdown& b) {
  std::string text;
  core::JsonWriter w(text);
  w.begin_object();
  w.field("requests_sent", b.requests_sent);
  w.field("requests_joined", b.requests_joined);
  w.field("joined_by_trace_id", b.joined_by_trace_id);
  w.field("joined_by_request_id", b.joined_by_request_id);
  w.field("spans_received", b.spans_received);
  w.field("spans_unmatched", b.spans_unmatched);
  w.field("spans_warmup", b.spans_warmup);
  w.field("spans_without_timing", b.spans_without_timing);
  w.field("spans_duplicate", b.spans_duplicate);
  w.field("exports_malformed", b.exports_malformed);
  w.field("receiver_endpoint", b.receiver_endpoint);
  part_stats_json(w, b.stats);
  if (!b.per_category.empty()) {
    w.key("per_category").begin_object();
    for (const auto& c : b.per_category) {
      w.key(c.category).begin_object();
      w.field("requests_joined", c.requests_joined);
      part_stats_json(w, c.stats);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  return text;
}

void add_breakdown_columns(const otlp::Breakdown& b, metrics::RunSummary& summary) {
  if (b.requests_joined == 0) return;
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    summary.request_extra_fields.emplace_back(otlp::part_name(static_cast<otlp::Part>(k)));
    summary.extra_latency_ms.emplace_back(otlp::slo_metric_of(static_cast<otlp::Part>(k)), b.stats[k]);
  }
  const std::size_t n = std::min(summary.timelines.size(), b.per_request.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto& extra = summary.timelines[i].extra;  // after any columns already there (e.g. target)
    const auto at = static_cast<std::ptrdiff_t>(extra.size());
    extra.resize(extra.size() + otlp::kPartCount, NAN);
    if (b.per_request[i]) std::copy(b.per_request[i]->begin(), b.per_request[i]->end(), extra.begin() + at);
  }
  fill_intervals(b, summary);
}

std::string part_label_of(std::string_view name) {
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    if (otlp::part_name(static_cast<otlp::Part>(k)) == name) return std::string(otlp::part_label(static_cast<otlp::Part>(k)));
  }
  return std::string(name);
}

const BreakdownPart* find_part(const std::vector<BreakdownPart>& parts, std::string_view name) {
  const auto found = std::find_if(parts.begin(), parts.end(), [&](const BreakdownPart& p) { return p.name == name; });
  return found == parts.end() ? nullptr : &*found;
}

std::vector<std::string> breakdown_table_header() { return {"Part (ms)", "Mean", "Median", "P99", "Requests"}; }

std::vector<std::vector<std::string>> breakdown_table_rows(const BreakdownFigures& b) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : b.parts) {
    if (p.count <= 0) continue;
    rows.push_back({part_label_of(p.name), fmt::format("{:.2f}", p.mean), fmt::format("{:.2f}", p.median),
                    fmt::format("{:.2f}", p.p99), fmt::format("{}", p.count)});
  }
  return rows;
}

std::vector<std::string> breakdown_category_header() {
  std::vector<std::string> header = {"Category", "Joined"};
  for (const otlp::Part p : kCategoryParts) header.push_back(std::string(otlp::part_label(p)) + " mean (ms)");
  return header;
}

std::vector<std::vector<std::string>> breakdown_category_rows(const BreakdownFigures& b, const std::string& prefix) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : b.per_category) {
    auto& row = rows.emplace_back();
    row.push_back(prefix + c.category);
    row.push_back(fmt::format("{}", c.requests_joined));
    for (const otlp::Part p : kCategoryParts) {
      const BreakdownPart* part = find_part(c.parts, otlp::part_name(p));
      row.push_back(part != nullptr && part->count > 0 ? fmt::format("{:.2f}", part->mean) : std::string("-"));
    }
  }
  return rows;
}

}  // namespace llmload::report
