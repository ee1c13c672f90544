#include "llmload/report/breakdown_report.hpp"

#include "llmload/core/json_writer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace llmload::report {
namespace {

constexpr std::size_t kWidth = 50;  // vLLM's table width

void banner(std::string& out, std::string_view title, char fill) {
  const std::size_t pad = title.size() < kWidth ? kWidth - title.size() : 0;
  out.append(pad / 2, fill).append(title).append(pad - pad / 2, fill).append("\n");
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
  fmt::format_to(std::back_inserter(out), "{:<26}{:>8}{:>8}{:>8}\n", "Part (ms)", "Mean", "Median", "P99");
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    const auto& s = b.stats[k];
    if (s.count == 0) continue;
    fmt::format_to(std::back_inserter(out), "{:<26}{:>8.2f}{:>8.2f}{:>8.2f}\n", otlp::part_label(static_cast<otlp::Part>(k)),
                   s.mean, s.median, s.percentile_or(99, 0.0));
  }
  out += "Outside the engine = client TTFT - server TTFT\n";
  out += std::string(kWidth, '=') + "\n";
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
  w.key("parts").begin_object();
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    const auto& s = b.stats[k];
    w.key(otlp::part_name(static_cast<otlp::Part>(k))).begin_object();
    w.field("count", static_cast<std::int64_t>(s.count));
    w.field("mean", s.mean);
    w.field("median", s.median);
    w.field("p99", s.percentile_or(99, 0.0));
    w.end_object();
  }
  w.end_object();
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
}

}  // namespace llmload::report
