#pragma once
/// Writes the report files (HTML, Markdown, CSV) for `llmload report`, `bench --report` and
/// `run`, atomically (core/atomic_file).

#include "llmload/core/error.hpp"
#include "llmload/report/markdown_report.hpp"
#include "llmload/report/result_reader.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace llmload::report {

/// Which files to write; an empty path writes nothing of that kind.
struct ReportOutputs {
  std::filesystem::path html, md;
  /// One row per request; the intervals go beside it as "<stem>.intervals.csv".
  std::filesystem::path csv;
  /// Write "<stem>.intervals.csv" with `csv`; off when `llmload run` already wrote that file
  /// live, interval by interval, from its HdrHistograms (see README, soak runs).
  bool intervals_csv = true;
  double interval_s = 1.0;  ///< over-time intervals (HTML charts and the interval CSV)
};

/// "<stem>.intervals.csv" next to `requests_csv` ("out.csv" → "out.intervals.csv").
std::filesystem::path intervals_csv_path(const std::filesystem::path& requests_csv);

/// The outputs for `formats` (html, md, csv) beside `result_file`: same folder and stem,
/// extensions .html, .md, .csv.
ReportOutputs outputs_beside(const std::filesystem::path& result_file, const std::vector<std::string>& formats,
                             double interval_s);

/// Writes every requested file; returns the paths written, in order. Errors name the path.
core::Result<std::vector<std::filesystem::path>> write_reports(const std::vector<ReportRun>& runs,
                                                               const ReportOutputs& outputs,
                                                               const ReportEnvironment& env);

}  // namespace llmload::report
