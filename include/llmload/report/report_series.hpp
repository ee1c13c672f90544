#pragma once
/// Figures derived from a result file's per-request rows for the reports: latency samples for
/// distributions and the per-interval series (requests/s, tokens/s, in flight, TTFT and ITL
/// percentiles). Pure functions of a ReportRun; no I/O.

#include "llmload/report/result_reader.hpp"

#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace llmload::report {

/// One interval [start_s, end_s) of a run read back from its result file, times from the
/// benchmark start (not report::IntervalRow of interval_report.hpp, the live recorder's row:
/// two types of one name broke the one-definition rule, which ASan caught at -O0).
struct SeriesRow {
  double start_s = 0, end_s = 0;
  std::int64_t completed = 0;      ///< successful requests whose last token arrived here
  std::int64_t failed = 0;         ///< failed requests whose failure was seen here
  double requests_per_s = 0;       ///< completed / interval length
  /// Output tokens arriving here per second: the run's own interval series when the file has
  /// one of this width ("arrivals": tokens counted as their chunks arrived); else each chunk
  /// carries output_tokens / chunks when chunk times are known ("chunk gaps", vLLM's itls),
  /// else a request's tokens after the first spread evenly between its first and last token
  /// ("estimate": any request without chunk times makes the row one).
  double output_tokens_per_s = 0;
  std::string_view output_tokens_from = "chunk gaps";
  double mean_in_flight = 0;       ///< time-averaged requests between start and end
  std::int64_t ttft_samples = 0;   ///< requests whose first token arrived here
  double ttft_p50_ms = NAN, ttft_p99_ms = NAN;  ///< NaN without samples
  std::int64_t itl_samples = 0;    ///< chunk gaps ending here (needs chunk times)
  double itl_p50_ms = NAN, itl_p99_ms = NAN;
};

/// The run cut into intervals of `interval_s` (> 0) from 0 to the last request end; at most
/// 100000 intervals (longer runs get wider ones). Empty without per-request rows. Output
/// tokens come from the run's interval series (ReportRun::per_interval) where its intervals
/// are the rows' own.
std::vector<SeriesRow> interval_rows(const ReportRun& run, double interval_s);

/// Samples of "ttft", "tpot", "e2el" (successful requests) or "itl" (every chunk gap), in ms,
/// ascending. Empty when the file lacks the data.
std::vector<double> latency_samples(const ReportRun& run, std::string_view metric);

/// The per-category table both reports show: header, and one row per category of `run`
/// (Category, Completed, Failed, Input/Output tokens, TTFT and E2EL p50/p99 in ms); `prefix`
/// goes before each category name. Plain text; the caller escapes it for its format.
std::vector<std::string> category_table_header();
std::vector<std::vector<std::string>> category_table_rows(const ReportRun& run, const std::string& prefix);

/// The per-target table (several --base-url; llmload extension): one row per target, its
/// first cell `prefix` + the target's URL; latencies "-" for a target that completed nothing.
std::vector<std::string> target_table_header();
std::vector<std::vector<std::string>> target_table_rows(const ReportRun& run, const std::string& prefix);

/// Queue time (start − dispatch), TTFT and E2EL of one request row in ms; NaN when unknown.
double queue_ms(const metrics::RequestTimeline& t);
double ttft_ms(const metrics::RequestTimeline& t);
double e2el_ms(const metrics::RequestTimeline& t);

}  // namespace llmload::report
