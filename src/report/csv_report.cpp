#include "llmload/report/csv_report.hpp"

#include "llmload/report/report_series.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmload::report {
namespace {

std::string ms_cell(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : std::string(); }

/// The rows' extra columns of every run (the server-trace breakdown's parts), first seen first.
std::vector<std::string> extra_names(const std::vector<ReportRun>& runs) {
  std::vector<std::string> names;
  for (const auto& run : runs) {
    for (const auto& n : run.request_extra_fields) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  return names;
}

/// Per row ",mean1,mean2,...": each extra column's mean over the requests whose end fell in
/// the row (the last row takes any later), empty where none did.
std::vector<std::string> extra_means(const ReportRun& run, const std::vector<std::string>& names,
                                     const std::vector<SeriesRow>& rows) {
  std::vector<std::vector<double>> sums(rows.size(), std::vector<double>(names.size(), 0.0));
  std::vector<std::vector<std::int64_t>> counts(rows.size(), std::vector<std::int64_t>(names.size(), 0));
  std::vector<std::size_t> column;
  for (const auto& name : names) {
    const auto found = std::find(run.request_extra_fields.begin(), run.request_extra_fields.end(), name);
    column.push_back(static_cast<std::size_t>(found - run.request_extra_fields.begin()));
  }
  for (const auto& t : run.requests) {
    const double end_s = t.end_ms / 1000.0;
    if (t.extra.empty() || rows.empty() || !(end_s >= rows.front().start_s)) continue;
    const auto after = std::upper_bound(rows.begin(), rows.end(), end_s,
                                        [](double v, const SeriesRow& r) { return v < r.end_s; });
    const auto at = std::min(static_cast<std::size_t>(after - rows.begin()), rows.size() - 1);
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (column[k] >= t.extra.size() || std::isnan(t.extra[column[k]])) continue;
      sums[at][k] += t.extra[column[k]];
      ++counts[at][k];
    }
  }
  std::vector<std::string> out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t k = 0; k < names.size(); ++k) {
      out[i] += "," + (counts[i][k] > 0 ? fmt::format("{:.3f}", sums[i][k] / static_cast<double>(counts[i][k])) : std::string());
    }
  }
  return out;
}

}  // namespace

std::string csv_cell(std::string_view text) {
  // A cell a spreadsheet would read as a formula (= + - @, or a tab or CR before one) gets a
  // leading quote, as OWASP recommends against formula injection; it is quoted below.
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  if (!formula && text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = formula ? "\"'" : "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string requests_csv(const std::vector<ReportRun>& runs) {
  std::string out =
      "run,index,outcome,category,scheduled_ms,dispatch_ms,start_ms,sent_ms,first_token_ms,end_ms,"
      "queue_ms,ttft_ms,e2el_ms,tpot_ms,input_tokens,output_tokens,chunks\n";
  for (const auto& run : runs) {
    for (std::size_t i = 0; i < run.requests.size(); ++i) {
      const auto& t = run.requests[i];
      const double tpot = t.output_tokens > 1 ? (e2el_ms(t) - ttft_ms(t)) / static_cast<double>(t.output_tokens - 1) : NAN;
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_cell(run.name()), i,
                         csv_cell(t.outcome), csv_cell(t.category), ms_cell(t.scheduled_ms),
                         ms_cell(t.dispatch_ms), ms_cell(t.start_ms), ms_cell(t.sent_ms),
                         ms_cell(t.first_token_ms), ms_cell(t.end_ms), ms_cell(queue_ms(t)),
                         ms_cell(ttft_ms(t)), ms_cell(e2el_ms(t)), ms_cell(tpot), t.input_tokens,
                         t.output_tokens, t.chunks);
    }
  }
  return out;
}

std::string intervals_csv(const std::vector<ReportRun>& runs, double interval_s) {
  std::string out =
      "run,start_s,end_s,completed,failed,requests_per_s,output_tokens_per_s,mean_in_flight,"
      "ttft_samples,ttft_p50_ms,ttft_p99_ms,itl_samples,itl_p50_ms,itl_p99_ms,output_tokens_from";
  const auto names = extra_names(runs);
  for (const auto& n : names) out += ",mean_" + csv_cell(n);
  out += "\n";
  for (const auto& run : runs) {
    const auto rows = interval_rows(run, interval_s);
    const auto means = extra_means(run, names, rows);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      out += fmt::format("{},{:.3f},{:.3f},{},{},{:.3f},{:.3f},{:.3f},{},{},{},{},{},{},{}{}\n",
                         csv_cell(run.name()), r.start_s, r.end_s, r.completed, r.failed,
                         r.requests_per_s, r.output_tokens_per_s, r.mean_in_flight, r.ttft_samples,
                         ms_cell(r.ttft_p50_ms), ms_cell(r.ttft_p99_ms), r.itl_samples,
                         ms_cell(r.itl_p50_ms), ms_cell(r.itl_p99_ms), r.output_tokens_from,
                         means[i]);
    }
  }
  return out;
}

}  // namespace llmload::report
