#pragma once
/// The latency breakdown from the server's traces (otlp/breakdown.hpp) on the console and in
/// the result file (not in vLLM).

#include "llmload/metrics/run_summary.hpp"
#include "llmload/otlp/breakdown.hpp"

#include <string>

namespace llmload::report {

/// The "Latency breakdown (server traces, not in vLLM)" block: requests joined / sent, spans
/// that matched nothing, then mean, median and P99 of each part. With no request joined, the
/// one line of otlp::no_spans_line instead.
std::string format_breakdown(const otlp::Breakdown& breakdown);

/// The result file's "server_breakdown" object: the counts and each part's statistics.
std::string breakdown_json(const otlp::Breakdown& breakdown);

/// Adds each part as a column of the result's per-request rows (summary.request_extra_fields
/// and each timeline's `extra`, null where a request was not joined) and each part's statistics
/// to summary.extra_latency_ms for the SLOs. `breakdown.per_request`
/// follows the records summarize() read, as summary.timelines does.
void add_breakdown_columns(const otlp::Breakdown& breakdown, metrics::RunSummary& summary);

}  // namespace llmload::report
