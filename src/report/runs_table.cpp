#include "llmload/report/runs_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmload::report {
namespace {

std::string figure(const ReportRun& r, const char* key, const char* spec) {
  const auto v = r.numbers.value(key);
  return v && std::isfinite(*v) ? fmt::format(fmt::runtime(spec), *v) : std::string("-");
}

std::string offered(const ReportRun& r) {
  if (r.numbers.value("ramp_up_start_rps")) {
    return fmt::format("ramp {:g}-{:g}", *r.numbers.value("ramp_up_start_rps"), r.numbers.value("ramp_up_end_rps").value_or(0));
  }
  if (r.request_rate && std::isfinite(*r.request_rate)) return fmt::format("{:g}", *r.request_rate);
  if (const auto c = r.numbers.value("max_concurrency")) return fmt::format("inf (concurrency {:g})", *c);
  return "inf";
}

}  // namespace

RunsTable runs_table(const std::vector<ReportRun>& runs) {
  RunsTable t;
  t.header = {"Run", "Offered rate (req/s)", "Requests ok", "Failed", "Request throughput (req/s)",
              "Output throughput (tok/s)", "TTFT p50 (ms)", "TTFT p99 (ms)", "TPOT p50 (ms)", "TPOT p99 (ms)",
              "ITL p50 (ms)", "ITL p99 (ms)"};
  const bool slo = std::any_of(runs.begin(), runs.end(), [](const ReportRun& r) { return !r.slo_summary.empty(); });
  if (slo) t.header.push_back("SLOs");
  for (const auto& r : runs) {
    auto& row = t.rows.emplace_back();
    row = {r.name(), offered(r), figure(r, "completed", "{:.0f}"), figure(r, "failed", "{:.0f}"),
           figure(r, "request_throughput", "{:.2f}"), figure(r, "output_throughput", "{:.1f}"),
           figure(r, "median_ttft_ms", "{:.1f}"), figure(r, "p99_ttft_ms", "{:.1f}"),
           figure(r, "median_tpot_ms", "{:.2f}"), figure(r, "p99_tpot_ms", "{:.2f}"),
           figure(r, "median_itl_ms", "{:.2f}"), figure(r, "p99_itl_ms", "{:.2f}")};
    if (slo) row.push_back(r.slo_summary.empty() ? "-" : r.slo_summary);
  }
  return t;
}

std::string format_runs_table(const RunsTable& table) {
  // Widths in code points, so "≤" and names in other scripts line up.
  const auto width_of = [](const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  };
  std::vector<std::size_t> width(table.header.size(), 0);
  const auto measure = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size() && c < width.size(); ++c) width[c] = std::max(width[c], width_of(cells[c]));
  };
  measure(table.header);
  for (const auto& r : table.rows) measure(r);
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size() && c < width.size(); ++c) {
      const std::string pad(width[c] - width_of(cells[c]), ' ');
      const bool left = c == 0 || (c + 1 == width.size() && table.header.back() == "SLOs");
      text += (c == 0 ? "" : "  ") + (left ? cells[c] + pad : pad + cells[c]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(table.header);
  for (const auto& r : table.rows) line(r);
  return out;
}

}  // namespace llmload::report
