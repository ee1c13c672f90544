#pragma once
/// Reads a result file back for reports and comparisons: llmload's (vLLM's keys plus the
/// "llmload" object) or `vllm bench serve --save-result`'s. What a file lacks (per-request
/// rows without --save-detailed in vLLM's files, categories, server metrics) is left empty and
/// said in `notes`, so reports show what they can.

#include "llmload/core/error.hpp"
#include "llmload/metrics/answer_quality.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/report/compare.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmload::report {

/// A latency metric as the file's vLLM keys give it (milliseconds).
struct MetricFigures {
  std::optional<double> mean, median, stddev;
  std::vector<std::pair<double, double>> percentiles;  ///< (percentile, value), file order
};

/// One workload category from "llmload"."per_category" (latencies in ms; 0 when absent).
struct CategoryFigures {
  std::string category;
  std::int64_t completed = 0, failed = 0, input_tokens = 0, output_tokens = 0;
  double ttft_p50 = 0, ttft_p99 = 0, e2el_p50 = 0, e2el_p99 = 0;
};

/// One target of a run over several replicas (repeated --base-url), from "llmload"."per_target"
/// (llmload extension): its requests, outcomes and vLLM's latencies on its own requests, in
/// ms (0 when it completed none).
struct TargetRow {
  std::string url;
  std::int64_t requests = 0, completed = 0, failed = 0, output_tokens = 0;
  double output_throughput = 0;
  std::vector<std::pair<std::string, std::int64_t>> failures;  ///< by outcome name, in the file's order
  double ttft_p50 = 0, ttft_p99 = 0, itl_p50 = 0, itl_p99 = 0, e2el_p50 = 0, e2el_p99 = 0;
};

/// One scraped server metric over time (from "llmload"."server_metrics"."series", see
/// scrape::server_metrics_json), named by its label ("running requests", ...).
struct ServerSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (seconds from the benchmark start, value)
};

/// One part of the latency breakdown from the server's traces ("llmload"."server_breakdown",
/// report::breakdown_json): its name ("server_queue_ms", ...) and statistics in ms.
struct BreakdownPart {
  std::string name;
  std::int64_t count = 0;
  double mean = 0, median = 0, p99 = 0;  ///< 0 when the file has none (no sample)
};

/// The parts of one workload category's joined requests.
struct BreakdownCategory {
  std::string category;
  std::int64_t requests_joined = 0;
  std::vector<BreakdownPart> parts;  ///< the file's order (otlp::Part order)
};

/// The latency breakdown from the server's traces (not in vLLM). Plain value.
struct BreakdownFigures {
  std::int64_t requests_sent = 0, requests_joined = 0, spans_unmatched = 0;
  std::vector<BreakdownPart> parts;  ///< the file's order (otlp::Part order)
  std::vector<BreakdownCategory> per_category;  ///< empty when the workload has no categories
};

/// The answers' figures from "llmload"."accuracy" and "llmload"."degenerate" (llmload
/// extension). Plain value.
struct AnswerFigures {
  std::string score;                  ///< the scorer ("vqa", ...); "" when nothing was scored
  std::int64_t scored = 0;
  std::optional<double> accuracy;     ///< unset when nothing was scored
  std::vector<std::pair<std::string, double>> per_category;  ///< (category, accuracy)
  std::vector<metrics::IntervalAnswers> per_interval;
  std::int64_t checked = 0, degenerate = 0;
};

/// Everything reports read from one result file. Plain value.
struct ReportRun {
  std::string path;
  ComparedRun numbers;  ///< name (label, else file stem) and every numeric top-level key
  std::string model_id, backend, date, target, version;  ///< "" when absent
  bool simulator = false;
  std::optional<double> request_rate;  ///< nullopt for "inf" (all at once) or absent
  MetricFigures ttft, tpot, itl, e2el;
  /// One row per request (llmload's rows, else rebuilt from vLLM's --save-detailed arrays:
  /// no scheduled/dispatch/sent times then); empty when the file has neither.
  std::vector<metrics::RequestTimeline> requests;
  bool has_queue_times = false;  ///< rows carry dispatch times (llmload's rows)
  /// Chunk gaps in ms per request, same order as `requests` (vLLM's "itls"); empty if absent.
  std::vector<std::vector<double>> itls_ms;
  std::vector<std::string> generated_texts;  ///< vLLM's array; empty when absent
  /// "llmload"."prompts": each request's prompt, shortened (same order); empty when absent.
  std::vector<std::string> prompts;
  /// "llmload"."sim_time_scale": the built-in simulator ran this many times faster than the
  /// engine it models (1: not scaled).
  double sim_time_scale = 1.0;
  std::vector<CategoryFigures> categories;
  std::vector<TargetRow> targets;  ///< "llmload"."per_target"; empty for a run of one target
  std::vector<ServerSeries> server_metrics;
  /// Set when the file has "llmload"."accuracy" or "degenerate". Its accuracy, scored and
  /// degenerate counts are also in `numbers` as "accuracy", "accuracy_scored" and
  /// "degenerate", so that `compare` shows them.
  std::optional<AnswerFigures> answers;
  /// "llmload"."server_breakdown" when some request was joined; its mean, median and p99 of
  /// each part with samples are also in `numbers` ("breakdown_mean_server_queue_ms", ...).
  std::optional<BreakdownFigures> breakdown;
  /// Names of each row's `extra` columns ("llmload"."request_fields" after the standard ones:
  /// the breakdown's parts in ms, "server_queue_ms", ...); empty when the rows have none.
  std::vector<std::string> request_extra_fields;
  /// Names of each interval's `extra` figures ("mean_server_queue_ms", ...: the keys that
  /// start with "mean_" in "llmload"."intervals"."per_interval"); empty when none.
  std::vector<std::string> interval_extra_fields;
  /// "llmload"."intervals": the run's live interval series (output tokens by chunk arrival);
  /// empty when the file has none.
  std::vector<metrics::IntervalTotals> per_interval;
  std::vector<std::string> notes;  ///< what the file lacks, one sentence each
  /// A profile's run (llmload.run): its series (profile file and stage) and swept values.
  std::string series;
  std::vector<std::pair<std::string, std::string>> sweep;
  /// What was sent, from llmload.plan (dataset, lengths, endpoint, model; not the load):
  /// runs with equal text send the same workload. "" when the file has no plan.
  std::string workload;
  /// Set by `llmload run` for its combined report: this run's SLO verdicts in short ("PASS
  /// (3)", "FAIL 1 of 3: ttft p99 <= 500 ms"); "" when unknown (a report of saved files).
  std::string slo_summary;

  const std::string& name() const noexcept { return numbers.name; }
  /// The figures of "ttft", "tpot", "itl" or "e2el"; nullptr for another name.
  const MetricFigures* metric(std::string_view name) const noexcept;
};

/// The workload identity of a run plan's JSON text (llmload.plan): "" when it is not an object.
std::string workload_of_plan(std::string_view plan_json);

/// Parses `path` (simdjson). An --append-result file (one object per line) gives its last
/// run. Errors name the file and say what is wrong: unreadable, not JSON, not a benchmark
/// result (no "completed"/"duration"), or a malformed "llmload" object.
core::Result<ReportRun> read_report_run(const std::string& path);

/// The same from text already in memory; `path` only names it in errors and in `name`.
core::Result<ReportRun> parse_report_run(const std::string& text, const std::string& path);

}  // namespace llmload::report
