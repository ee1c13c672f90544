#pragma once
/// The summary of several runs, one row each: name, offered rate, requests, failures, request
/// and output throughput, TTFT/TPOT/ITL p50 and p99, SLO verdicts. Printed at the end of a
/// multi-run `llmload run` and at the top of its Markdown and HTML reports. Pure.

#include "llmload/report/result_reader.hpp"

#include <string>
#include <vector>

namespace llmload::report {

struct RunsTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  ///< one per run, cells as printed ("-" when absent)
};

/// The table of `runs` in order; the SLO column only when some run has a slo_summary.
RunsTable runs_table(const std::vector<ReportRun>& runs);

/// The table as aligned text (numbers right-aligned), for the console.
std::string format_runs_table(const RunsTable& table);

}  // namespace llmload::report
