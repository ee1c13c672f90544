#pragma once
/// The reports' view of a run measured in this process, built from the run's own values: no
/// result text is written and parsed back. It equals what read_report_run() gives for the
/// run's saved file (the same top-level keys, rows rounded as the file holds them), so
/// `llmload report` on that file draws the same pages.

#include "llmload/core/clock.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/report/result_reader.hpp"
#include "llmload/scrape/server_metrics.hpp"

#include <string>
#include <vector>

namespace llmload::report {

/// What one run gives the reports. References must outlive the call.
struct RunView {
  const metrics::RunSummary& summary;
  const RunInfo& info;
  std::vector<ServerSeries> server_metrics;  ///< server_series() of the scrape; empty when none
  /// The server-trace breakdown the result file carries (info.server_breakdown_json's source);
  /// null when none.
  const otlp::Breakdown* breakdown = nullptr;
  bool save_detailed = false;
  std::string path;  ///< the result file's path (names the run when it has no label)
};

ReportRun report_run_of(const RunView& view);

/// The scraped series as reports draw them: one per metric the server exposed, labelled,
/// times in seconds from `origin_ns`, absent values left out.
std::vector<ServerSeries> server_series(const scrape::ScrapeSeries& scraped, const scrape::ServerMetricsSummary& summary,
                                        core::Nanos origin_ns);

// Shared with the file reader.

/// The breakdown as reports read it (report::breakdown_json's figures).
BreakdownFigures breakdown_figures(const otlp::Breakdown& breakdown);

/// "breakdown_mean_server_queue_ms", ...: each part's mean, median and p99 with samples, as
/// numbers `compare` shows.
void add_breakdown_numbers(const BreakdownFigures& breakdown, ReportRun& run);

/// mean/median/std/pNN of ttft, tpot, itl and e2el from the run's top-level numbers.
void read_latency_figures(ReportRun& run);

/// Drops chunk gaps that do not match the rows and writes the notes on what is missing.
void finish_report_run(ReportRun& run);

}  // namespace llmload::report
