#pragma once
/// The HTML report: one self-contained file (inline CSS and SVG, no external resource, a
/// Content-Security-Policy that forbids loading any) with the summary table, latency
/// distributions, over-time series, the request timeline, per-category bars, sweep curves and
/// server metrics. A tiny inline script only records whether every chart drew (for tests).

#include "llmload/report/compare.hpp"
#include "llmload/report/markdown_report.hpp"
#include "llmload/report/result_reader.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace llmload::report {

/// How the HTML report is drawn.
struct HtmlReportOptions {
  double interval_s = 1.0;            ///< width of the over-time intervals
  std::size_t max_timeline_bars = 1000;  ///< larger runs show every k-th request
};

/// The report of `runs` (several: also sweep curves and the comparison against the first).
/// Every text from the files is HTML-escaped. Pure.
std::string html_report(const std::vector<ReportRun>& runs, const ReportEnvironment& env,
                        const HtmlReportOptions& options);

/// `llmload compare --html`: the comparison table as a page, cells coloured better / worse /
/// noise. Pure.
std::string comparison_html(const std::vector<ComparedRun>& runs, const CompareOptions& options);

}  // namespace llmload::report
