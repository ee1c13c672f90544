#include "llmload/report/report_series.hpp"

#include "llmload/metrics/sample_stats.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::report {
namespace {

constexpr std::size_t kMaxIntervals = 100000;

bool ok(const metrics::RequestTimeline& t) { return t.outcome == "ok"; }

// Adds `amount` spread evenly over [a, b) (ms) to the bins of width `w` (ms).
void spread(std::vector<double>& bins, double a, double b, double w, double amount) {
  if (!(b > a)) {
    const auto i = static_cast<std::size_t>(std::max(0.0, a) / w);
    if (i < bins.size()) bins[i] += amount;
    return;
  }
  const double per_ms = amount / (b - a);
  for (auto i = static_cast<std::size_t>(std::max(0.0, a) / w); i < bins.size(); ++i) {
    const double lo = std::max(a, static_cast<double>(i) * w);
    const double hi = std::min(b, static_cast<double>(i + 1) * w);
    if (hi <= lo) break;
    bins[i] += per_ms * (hi - lo);
  }
}

void fill_percentiles(std::vector<double>& samples, std::int64_t& count, double& p50, double& p99) {
  count = static_cast<std::int64_t>(samples.size());
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end());
  p50 = metrics::percentile_sorted(samples, 50);
  p99 = metrics::percentile_sorted(samples, 99);
}

// The run's own interval series, where its intervals are the rows' (same width, from 0):
// output tokens counted as their chunks arrived replace the ones derived from the rows.
void use_arrivals(const ReportRun& run, double w_s, std::vector<SeriesRow>& rows) {
  if (run.per_interval.empty()) return;
  const auto& first = run.per_interval.front();
  if (std::abs(first.start_s) > 1e-9 || std::abs((first.end_s - first.start_s) - w_s) > 1e-6 * w_s) return;
  for (const auto& live : run.per_interval) {
    const double index = live.start_s / w_s;
    const auto i = static_cast<std::size_t>(std::llround(index));
    if (std::abs(index - static_cast<double>(i)) > 1e-6 || i >= rows.size()) continue;
    rows[i].output_tokens_per_s = static_cast<double>(live.output_tokens) / w_s;
    rows[i].output_tokens_from = "arrivals";
  }
}

}  // namespace

double queue_ms(const metrics::RequestTimeline& t) { return t.start_ms - t.dispatch_ms; }
double ttft_ms(const metrics::RequestTimeline& t) { return t.first_token_ms - t.start_ms; }
double e2el_ms(const metrics::RequestTimeline& t) { return t.end_ms - t.start_ms; }

std::vector<std::string> category_table_header() {
  return {"Category", "Completed", "Failed", "Input tokens", "Output tokens", "TTFT p50 (ms)",
          "TTFT p99 (ms)", "E2EL p50 (ms)", "E2EL p99 (ms)"};
}

std::vector<std::vector<std::string>> category_table_rows(const ReportRun& run, const std::string& prefix) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : run.categories) {
    rows.push_back({prefix + c.category, std::to_string(c.completed), std::to_string(c.failed),
                    std::to_string(c.input_tokens), std::to_string(c.output_tokens), fmt::format("{:.2f}", c.ttft_p50),
                    fmt::format("{:.2f}", c.ttft_p99), fmt::format("{:.2f}", c.e2el_p50), fmt::format("{:.2f}", c.e2el_p99)});
  }
  return rows;
}

std::vector<std::string> target_table_header() {
  return {"Target", "Requests", "Completed", "Failed", "Failures", "Output (tok/s)", "TTFT p50 (ms)",
          "TTFT p99 (ms)", "ITL p50 (ms)", "ITL p99 (ms)", "E2EL p50 (ms)", "E2EL p99 (ms)"};
}

std::vector<std::vector<std::string>> target_table_rows(const ReportRun& run, const std::string& prefix) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : run.targets) {
    std::string failures;
    for (const auto& [kind, count] : t.failures) failures += fmt::format("{}{} {}", failures.empty() ? "" : ", ", kind, count);
    const auto ms = [&](double v) { return t.completed > 0 ? fmt::format("{:.2f}", v) : std::string("-"); };
    rows.push_back({prefix + t.url, std::to_string(t.requests), std::to_string(t.completed), std::to_string(t.failed),
                    failures.empty() ? "-" : failures, fmt::format("{:.2f}", t.output_throughput), ms(t.ttft_p50),
                    ms(t.ttft_p99), ms(t.itl_p50), ms(t.itl_p99), ms(t.e2el_p50), ms(t.e2el_p99)});
  }
  return rows;
}

std::vector<SeriesRow> interval_rows(const ReportRun& run, double interval_s) {
  std::vector<SeriesRow> rows;
  if (run.requests.empty() || !(interval_s > 0)) return rows;
  double last_ms = 0;
  for (const auto& t : run.requests) {
    if (std::isfinite(t.end_ms)) last_ms = std::max(last_ms, t.end_ms);
  }
  double w = interval_s * 1000.0;
  if (last_ms / w > static_cast<double>(kMaxIntervals)) w = last_ms / static_cast<double>(kMaxIntervals);
  const auto n = static_cast<std::size_t>(last_ms / w) + 1;
  rows.resize(n);
  std::vector<double> tokens(n, 0), busy(n, 0);
  std::vector<std::vector<double>> ttfts(n), itls(n);
  const auto bin = [&](double ms) -> std::size_t {
    if (!std::isfinite(ms)) return n;
    return std::min(n - 1, static_cast<std::size_t>(std::max(0.0, ms) / w));
  };
  for (std::size_t r = 0; r < run.requests.size(); ++r) {
    const auto& t = run.requests[r];
    if (std::isfinite(t.start_ms) && std::isfinite(t.end_ms)) spread(busy, t.start_ms, t.end_ms, w, t.end_ms - t.start_ms);
    const std::size_t end_bin = bin(t.end_ms);
    if (!ok(t)) {
      if (end_bin < n) ++rows[end_bin].failed;
      continue;
    }
    if (end_bin < n) ++rows[end_bin].completed;
    if (const auto b = bin(t.first_token_ms); b < n) ttfts[b].push_back(ttft_ms(t));
    const bool have_gaps = r < run.itls_ms.size() && !run.itls_ms[r].empty();
    if (have_gaps) {
      const auto& gaps = run.itls_ms[r];
      const double per_chunk = static_cast<double>(t.output_tokens) / static_cast<double>(gaps.size() + 1);
      double at = t.first_token_ms;
      if (const auto b = bin(at); b < n) tokens[b] += per_chunk;
      for (const double gap : gaps) {
        at += gap;
        if (const auto b = bin(at); b < n) {
          tokens[b] += per_chunk;
          itls[b].push_back(gap);
        }
      }
    } else if (std::isfinite(t.first_token_ms) && t.output_tokens > 0) {
      for (auto b = bin(t.first_token_ms); b < n && b <= bin(t.end_ms); ++b) rows[b].output_tokens_from = "estimate";
      if (const auto b = bin(t.first_token_ms); b < n) tokens[b] += 1;
      if (t.output_tokens > 1 && std::isfinite(t.end_ms)) {
        spread(tokens, t.first_token_ms, t.end_ms, w, static_cast<double>(t.output_tokens - 1));
      }
    }
  }
  const double w_s = w / 1000.0;
  for (std::size_t i = 0; i < n; ++i) {
    auto& row = rows[i];
    row.start_s = static_cast<double>(i) * w_s;
    row.end_s = static_cast<double>(i + 1) * w_s;
    row.requests_per_s = static_cast<double>(row.completed) / w_s;
    row.output_tokens_per_s = tokens[i] / w_s;
    row.mean_in_flight = busy[i] / w;
    fill_percentiles(ttfts[i], row.ttft_samples, row.ttft_p50_ms, row.ttft_p99_ms);
    fill_percentiles(itls[i], row.itl_samples, row.itl_p50_ms, row.itl_p99_ms);
  }
  use_arrivals(run, w_s, rows);
  return rows;
}

std::vector<double> latency_samples(const ReportRun& run, std::string_view metric) {
  std::vector<double> out;
  if (metric == "itl") {
    for (const auto& gaps : run.itls_ms) out.insert(out.end(), gaps.begin(), gaps.end());
  } else {
    for (const auto& t : run.requests) {
      if (!ok(t)) continue;
      double v = NAN;
      if (metric == "ttft") v = ttft_ms(t);
      if (metric == "e2el") v = e2el_ms(t);
      if (metric == "tpot" && t.output_tokens > 1) {
        v = (e2el_ms(t) - ttft_ms(t)) / static_cast<double>(t.output_tokens - 1);
      }
      if (std::isfinite(v)) out.push_back(v);
    }
  }
  std::erase_if(out, [](double v) { return !std::isfinite(v); });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace llmload::report
