#pragma once
/// The latency breakdown from the server's traces (otlp/breakdown.hpp) on the console and in
/// the result file (not in vLLM).

#include "llmload/metrics/run_summary.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/report/result_reader.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace llmload::report {

/// The "Latency breakdown (server traces, not in vLLM)" block: requests joined / sent, spans
/// that matched nothing, then mean, median and P99 of each part, and with categories each
/// one's joined requests and mean server queue, prefill, decode and outside-the-engine time.
/// With no request joined, the one line of otlp::no_spans_line instead.
std::string format_breakdown(const otlp::Breakdown& breakdown);

/// The result file's "server_breakdown" object: the counts, each part's statistics ("parts":
/// count, mean, median, p99) and, with categories, "per_category": {category: {requests_joined,
/// parts}}.
std::string breakdown_json(const otlp::Breakdown& breakdown);

/// Adds each part as a column of the result's per-request rows (summary.request_extra_fields
/// and each timeline's `extra`, null where a request was not joined) and each part's statistics
/// to summary.extra_latency_ms for the SLOs, and with an interval series each interval's mean
/// of each part (summary.interval_extra_fields "mean_server_queue_ms", ...; IntervalTotals::
/// extra) over the joined requests whose last chunk fell in it. `breakdown.per_request`
/// follows the records summarize() read, as summary.timelines does.
void add_breakdown_columns(const otlp::Breakdown& breakdown, metrics::RunSummary& summary);

/// The parts that add up, in the order they happen: dispatch to the last chunk (the stacked
/// charts' segments).
inline constexpr otlp::Part kSequenceParts[] = {otlp::Part::kClientQueue,    otlp::Part::kConnect,
                                                otlp::Part::kRequestWrite,   otlp::Part::kServerQueue,
                                                otlp::Part::kPrefill,        otlp::Part::kFirstTokenWire,
                                                otlp::Part::kDecode,         otlp::Part::kLastChunk};
/// The parts the per-category rows show (their means).
inline constexpr otlp::Part kCategoryParts[] = {otlp::Part::kServerQueue, otlp::Part::kPrefill, otlp::Part::kDecode,
                                                otlp::Part::kOutsideEngine};

/// The human label of a part's name ("server_queue_ms" → "Server queue"); the name itself
/// when it is not one.
std::string part_label_of(std::string_view name);
/// The part named `name` in `parts`; null when absent.
const BreakdownPart* find_part(const std::vector<BreakdownPart>& parts, std::string_view name);

/// The tables both reports show (plain text; the caller escapes it for its format): the parts
/// with samples (Part, Mean, Median, P99 in ms, Requests), and per category its joined
/// requests and the means of kCategoryParts (`prefix` before each category name).
std::vector<std::string> breakdown_table_header();
std::vector<std::vector<std::string>> breakdown_table_rows(const BreakdownFigures& breakdown);
std::vector<std::string> breakdown_category_header();
std::vector<std::vector<std::string>> breakdown_category_rows(const BreakdownFigures& breakdown,
                                                              const std::string& prefix);

}  // namespace llmload::report
