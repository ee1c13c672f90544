#pragma once
/// CSV reports: one row per request and one row per interval, for spreadsheets and pandas.
/// Several runs go in one file, told apart by the first column ("run").

#include "llmload/report/result_reader.hpp"

#include <string>
#include <vector>

namespace llmload::report {

/// One row per request: run, index, outcome, category, the timeline offsets (ms from the
/// benchmark start), queue/TTFT/E2EL/TPOT (ms) and token counts. Unknown values are empty
/// cells. Pure.
std::string requests_csv(const std::vector<ReportRun>& runs);

/// One row per interval of `interval_s` seconds (see interval_rows()). Pure.
std::string intervals_csv(const std::vector<ReportRun>& runs, double interval_s);

/// A CSV cell: quoted (with doubled quotes) when it holds a comma, quote or line break.
std::string csv_cell(std::string_view text);

}  // namespace llmload::report
