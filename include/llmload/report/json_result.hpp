#pragma once
/// The result file: vLLM's keys, in vLLM's order and with vLLM's value types (so dashboards
/// built on `vllm bench serve --save-result` keep working), plus one "llmload" object holding
/// our extensions under a schema version.

#include "llmload/metrics/run_summary.hpp"
#include "llmload/scrape/spec_decode.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::report {

/// Run settings recorded in the result file (vLLM's main() fields plus ours). Plain value.
struct RunInfo {
  std::string date;     ///< "%Y%m%d-%H%M%S" local time (vLLM's), set by the caller
  std::string backend;  ///< "openai" or "openai-chat"; also written as endpoint_type
  std::optional<std::string> label;  ///< --label; null when unset
  std::string model_id;
  std::optional<std::string> tokenizer_id;  ///< null with --skip-tokenizer-init (vLLM)
  bool tokenizer = true;  ///< false with --skip-tokenizer-init: no ttft/tpot/itl keys (vLLM)
  /// The server's speculative decoding during the run: vLLM's spec_decode_* keys after rtfx.
  std::optional<scrape::SpecDecodeStats> spec_decode;
  std::int64_t num_prompts = 0;
  double request_rate = INFINITY;  ///< written as the string "inf" when infinite (vLLM)
  double burstiness = 1.0;
  std::optional<std::int64_t> max_concurrency;  ///< null when unset
  /// --metadata KEY=VALUE pairs, in order. As in vLLM (a Python dict), a key equal to an
  /// earlier one replaces its value in place, and later standard keys overwrite it.
  std::vector<std::pair<std::string, std::string>> metadata;
  bool goodput_configured = false;  ///< request_goodput is null unless set
  /// --ramp-up-strategy ("linear"/"exponential") with its start and end RPS: adds vLLM's
  /// ramp_up_* keys and its ramp-up file name. Unset without ramp-up.
  std::optional<std::string> ramp_up_strategy;
  std::int64_t ramp_up_start_rps = 0;
  std::int64_t ramp_up_end_rps = 0;
  // llmload extras (under the "llmload" key):
  std::string target;     ///< base URL (never contains credentials)
  bool simulator = false; ///< the built-in simulator was the target
  std::string plan_json;  ///< the resolved run plan as a JSON object text; omitted when empty
  /// No request reached the target before the measured run (no initial test request, no
  /// warm-up): written as "started_cold".
  bool started_cold = false;
  /// The built-in simulator's time scale (engine mode) when it is not 1: written as
  /// "sim_time_scale" with "modeled_time" (latencies × scale, throughputs ÷ scale).
  double sim_time_scale = 1.0;
  bool interrupted = false;             ///< the run was stopped early (Ctrl-C)
  std::int64_t requests_not_sent = 0;   ///< planned requests never sent because of the stop
  /// The server's scraped /metrics (scrape::server_metrics_json) as a JSON object text;
  /// written as "server_metrics" when not empty.
  std::string server_metrics_json;
  /// Why an early-stop rule ended the run (app::stopped_early_json) as a JSON object text;
  /// written as "stopped_early" when not empty.
  std::string stopped_early_json;
  /// A profile stage's events and what each did (app::disruptions_json), a JSON array text;
  /// written as "disruptions" when not empty.
  std::string disruptions_json;
  /// The latency breakdown from the server's traces (report::breakdown_json); written as
  /// "server_breakdown" when not empty.
  std::string server_breakdown_json;
  /// A sharded run or a merge of shards: the plan's hash (config::plan_hash), written as
  /// "plan_hash" when not empty.
  std::string plan_hash;
  /// A sharded run's "shard" object (app::shard_json), a merged result's "merge" object
  /// (merge::merge_json); each written when not empty.
  std::string shard_json;
  std::string merge_json;
  /// A profile's run (config::ResultSettings): written as llmload.run {name, series, sweep}
  /// when `series` is not empty.
  std::string series;
  std::vector<std::pair<std::string, std::string>> sweep;
};

/// Version of the "llmload" object's layout; bumped when a field changes meaning or moves.
/// 2: adds "request_fields" and "requests" (one row per request, for reports).
inline constexpr int kResultSchemaVersion = 2;

/// Runs with at most this many requests always carry the per-request rows
/// ("llmload"."requests", about 100 bytes a request); larger runs only with --save-detailed,
/// so a million-request soak does not write a 100 MB result file unasked.
inline constexpr std::size_t kRequestRowsAlwaysUpTo = 20000;

/// Column names of a "llmload"."requests" row, in order: offsets in ms from the benchmark
/// start (null when the moment did not happen), outcome, category, token counts, the trace id
/// its traceparent carried (null when none).
inline constexpr const char* kRequestFields[] = {
    "scheduled_ms", "dispatch_ms", "start_ms", "sent_ms", "first_token_ms", "end_ms",
    "outcome",      "category",    "input_tokens", "output_tokens", "chunks", "trace_id"};

/// The result file's JSON text (one object, no trailing newline, like vLLM's json.dump).
/// Key order: date, endpoint_type, backend, label, model_id, tokenizer_id, num_prompts,
/// metadata keys, request_rate, burstiness, max_concurrency, [ramp_up_*], duration, completed,
/// failed, total_input_tokens, total_output_tokens, request_throughput, request_goodput,
/// output_throughput, total_token_throughput, [input_lens, output_lens, ttfts, itls when
/// save_detailed], latencies, [start_times when save_detailed], queue_times,
/// [generated_texts, errors when save_detailed], max_output_tokens_per_s,
/// max_concurrent_requests, rtfx, [spec_decode_* with speculative decoding], mean/median/std/pNN for each metric vLLM reports (ttft,
/// tpot, itl, e2el, client_queue_time, e2el_including_client_queue order; see
/// vllm_metric_shown), then "llmload" (with vllm_compat, and the per-request rows when
/// save_detailed or at most kRequestRowsAlwaysUpTo requests). `plan_json` must be valid JSON
/// (inserted verbatim).
std::string result_json(const metrics::RunSummary& summary, const RunInfo& info,
                        bool save_detailed);

/// One top-level key of the result file, as result_json() writes it: its JSON text, and its
/// value when that is a finite number or a string (what a reader of the file gets back).
struct ResultField {
  std::string key;
  std::string json;
  std::optional<double> number;
  std::optional<std::string> text;
};

/// Whether result_fields() renders the per-request arrays of --save-detailed (input_lens,
/// itls, generated_texts, ...), which only the file needs.
enum class DetailArrays { kRender, kSkip };

/// The top-level keys of the result file in their order, every one but "llmload" (the one
/// source of result_json() and of the in-memory report of a run).
std::vector<ResultField> result_fields(const metrics::RunSummary& summary, const RunInfo& info, bool save_detailed,
                                       DetailArrays arrays = DetailArrays::kRender);

/// A per-request row's offset as the file holds it: rounded to the microsecond (NaN stays).
inline double result_offset_ms(double ms) {
  return std::isnan(ms) ? ms : std::round(ms * 1000.0) / 1000.0;
}

/// The version written in "llmload"."version".
std::string_view llmload_version() noexcept;

/// vLLM's default result file name:
/// "{label or backend}-{rate}qps[-concurrency{N}]-{model basename}-{date}.json" with the rate
/// as Python prints a float ("16.0", "inf"); with ramp-up
/// "{label}-ramp-up-{strategy}-{start}qps-{end}qps[-concurrency{N}]-{model}-{date}.json".
std::string result_file_name(const RunInfo& info);

}  // namespace llmload::report
