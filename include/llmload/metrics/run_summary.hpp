#pragma once
/// The immutable result of a run: vLLM's `calculate_metrics` numbers (same definitions, same
/// numpy statistics), the per-request arrays vLLM saves with --save-detailed, and llmload's
/// labelled extensions. Reporters (console table, JSON) read it; they never touch live state.

#include "llmload/core/clock.hpp"
#include "llmload/metrics/probe_stats.hpp"
#include "llmload/metrics/answer_quality.hpp"
#include "llmload/metrics/request_record.hpp"
#include "llmload/metrics/client_check.hpp"
#include "llmload/metrics/per_target.hpp"
#include "llmload/metrics/sample_stats.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace llmload::metrics {

/// What to summarise and how (vLLM's --metric-percentiles, --percentile-metrics, --goodput).
struct SummaryOptions {
  std::vector<double> percentiles{99};  ///< --metric-percentiles, each in [0, 100]
  /// --percentile-metrics: which of ttft, tpot, itl, e2el (and llmload's client_queue_time,
  /// e2el_including_client_queue) the reports show. Statistics are
  /// computed for all four regardless; reporters print them in vLLM's fixed order.
  std::vector<std::string> percentile_metrics{"ttft", "tpot", "itl"};
  std::optional<double> goodput_ttft_ms;  ///< --goodput ttft:MS
  std::optional<double> goodput_tpot_ms;  ///< --goodput tpot:MS
  std::optional<double> goodput_e2el_ms;  ///< --goodput e2el:MS
  /// A pooling backend's run (vLLM's calculate_metrics_for_embeddings): every request has no
  /// output tokens; the reports print vLLM's pooling table.
  bool pooling = false;
  /// --input-tokens dataset: "Total input tokens" (and the throughputs that use it) is the
  /// dataset's count, as vLLM printed it before it took usage.prompt_tokens (and as some
  /// multimodal tools print it); the server's count is then total_server_prompt_tokens. Off
  /// (vLLM today): the server's usage.prompt_tokens where it sent one, else the dataset's.
  bool input_tokens_from_dataset = false;

  /// True when at least one SLO is set (vLLM then reports request_goodput).
  bool goodput_configured() const noexcept {
    return goodput_ttft_ms || goodput_tpot_ms || goodput_e2el_ms;
  }
};

/// Failures of one kind (grouped by outcome_name), for the extension report.
struct FailureGroup {
  std::string reason;       ///< outcome_name(), e.g. "http_status"
  std::int64_t count = 0;   ///< requests that ended this way
  std::string first_error;  ///< error text of the first such request in workload order
};

/// Requests of one workload category (a dataset label such as "ocr"; see
/// category_breakdown.hpp). Token counts and latencies cover successful requests, counted as
/// the run's totals are (usage first, then the dataset's count / the token chunks).
struct CategoryCount {
  std::string category;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t input_tokens = 0;   ///< over successful requests
  std::int64_t output_tokens = 0;  ///< over successful requests
  SampleStats ttft_ms;             ///< TTFT of successful requests (p50, p90, p99)
  SampleStats e2el_ms;             ///< E2EL of successful requests (p50, p90, p99)
};

/// One request's timeline for reports (llmload extension): offsets in milliseconds from the
/// benchmark start (vLLM's start_times origin); NaN when the moment did not happen.
struct RequestTimeline {
  double scheduled_ms = NAN;    ///< planned send time
  double dispatch_ms = NAN;     ///< released by the dispatcher (before the concurrency gate)
  double start_ms = NAN;        ///< vLLM's `st` (after the gate): queue = start − dispatch
  double sent_ms = NAN;         ///< request bytes written
  double first_token_ms = NAN;  ///< first token chunk (successful requests)
  double end_ms = NAN;          ///< last token chunk when successful, else when the failure was seen
  std::string outcome;          ///< outcome_name(), "ok" when successful
  std::string category;         ///< workload category ("" without labels)
  std::int64_t input_tokens = 0;   ///< counted as the run's totals are (usage, else dataset)
  std::int64_t output_tokens = 0;  ///< counted as the run's totals are; 0 when failed
  std::int64_t chunks = 0;         ///< token chunks received
  std::string trace_id;            ///< the traceparent's trace id (32 hex), "" when none was sent
  /// More columns (RunSummary::request_extra_fields), e.g. the server-trace breakdown's parts
  /// in ms (NaN: unknown); empty when the run has none.
  std::vector<double> extra;
};

/// One interval of the run's live interval series (llmload extension): what the console's
/// interval lines and the result's "intervals" show. Times from the benchmark start.
struct IntervalTotals {
  double start_s = 0, end_s = 0;
  std::int64_t completed = 0, failed = 0, in_flight = 0;
  std::int64_t output_tokens = 0;            ///< tokens whose chunks arrived in the interval
  std::int64_t completed_output_tokens = 0;  ///< tokens of the requests that completed in it
  std::int64_t checked = 0, degenerate = 0;  ///< answers checked for degenerate output (texts kept)
  /// More figures (RunSummary::interval_extra_fields), filled in after the run, e.g. the means
  /// of the server-trace breakdown's parts (NaN: none); empty when the run has none.
  std::vector<double> extra;
};

/// Everything a run measured, computed once by summarize(). Plain value, safe to share
/// read-only between threads. Latency statistics are in milliseconds, durations in seconds.
struct RunSummary {
  SummaryOptions options;  ///< the options it was computed with (reporters read the selection)

  // ---- vLLM's BenchmarkMetrics ---------------------------------------------------------
  double duration_s = 0;             ///< bench_end − bench_start
  std::int64_t completed = 0;        ///< successful requests (outcome kOk)
  std::int64_t failed = 0;           ///< every other request
  std::int64_t total_input_tokens = 0;   ///< over successful requests (see input_tokens_from_*)
  std::int64_t total_output_tokens = 0;  ///< over successful requests (see output_tokens_from_*)
  double request_throughput = 0;     ///< completed / duration (req/s)
  std::optional<double> request_goodput;  ///< good requests / duration; set only with an SLO
  std::int64_t good_requests = 0;    ///< requests meeting every given SLO (0 without SLOs)
  double output_throughput = 0;      ///< total_output_tokens / duration (tok/s)
  double total_token_throughput = 0; ///< (input + output) / duration (tok/s)
  SampleStats ttft_ms;   ///< time to first token chunk, per successful request
  SampleStats tpot_ms;   ///< (E2EL − TTFT)/(output tokens − 1), requests with > 1 output token
  SampleStats itl_ms;    ///< gaps between consecutive token chunks, all requests pooled
  SampleStats e2el_ms;   ///< last token chunk − start, per successful request
  /// vLLM's queue metrics for --percentile-metrics (successful requests; reported, as in vLLM,
  /// only with --max-concurrency, the second also only with a finite rate):
  SampleStats client_queue_time_ms;             ///< "client_queue_time": start − dispatch
  SampleStats e2el_including_client_queue_ms;   ///< "e2el_including_client_queue": last chunk − dispatch
  /// vLLM's "Peak output token throughput": the most token CHUNKS arriving in one 1-second bin
  /// anchored at the earliest successful start (a chunk may carry several tokens).
  double max_output_tokens_per_s = 0;
  /// vLLM's "Peak concurrent requests": the most requests active in one 1-second bin, where a
  /// request counts in every bin from its start's to its end's (inclusive).
  std::int64_t max_concurrent_requests = 0;
  /// Error text of the first (up to) 10 failed requests in workload order (vLLM prints these).
  std::vector<std::string> first_errors;

  // ---- vLLM's per-request arrays: one entry per request, in workload order (latencies and
  // queue_times are in every vLLM result, the others with --save-detailed) ---------------
  std::vector<std::int64_t> input_lens;    ///< dataset prompt length (vLLM's prompt_len)
  std::vector<std::int64_t> output_lens;   ///< output tokens, 0 for failed requests
  std::vector<double> ttfts_s;             ///< TTFT in seconds, 0.0 for failed requests
  std::vector<std::vector<double>> itls_s; ///< chunk gaps in seconds, empty for failed requests
  std::vector<double> latencies_s;         ///< E2EL in seconds, 0.0 for failed requests
  std::vector<double> start_times_s;       ///< start − bench start (s); 0.0 if never started
  std::vector<double> queue_times_s;       ///< client queue (start − dispatch, s); 0.0 if never started
  std::vector<std::string> generated_texts;
  std::vector<std::string> errors;         ///< "" for successful requests

  // ---- llmload extensions (labelled as such in every report) ---------------------------
  /// Exact peak of requests in flight: sweep line over [start, last chunk) intervals of
  /// successful requests, departures before arrivals at equal times.
  std::int64_t peak_concurrency_exact = 0;
  std::int64_t dataset_input_tokens = 0;       ///< dataset counts over successful requests
  /// usage.prompt_tokens over the successful requests that reported it (images and chat
  /// template included), and how many did.
  std::int64_t total_server_prompt_tokens = 0, server_prompt_reports = 0;
  std::int64_t input_tokens_from_usage = 0;    ///< successful requests with usage.prompt_tokens
  std::int64_t input_tokens_from_dataset = 0;  ///< ... that fell back to the dataset count
  std::int64_t output_tokens_from_usage = 0;   ///< successful requests counted by usage
  std::int64_t output_tokens_from_chunks = 0;  ///< ... counted by their number of token chunks
  std::int64_t requests_without_done = 0;      ///< successful requests whose stream had no [DONE]
  std::vector<FailureGroup> failures_by_reason;  ///< by count (descending), then reason
  SampleStats schedule_lag_ms;        ///< dispatch − scheduled, every dispatched request
  SampleStats client_queue_ms;        ///< start − dispatch (concurrency wait), every started one
  SampleStats ttft_from_schedule_ms;  ///< first chunk − scheduled, successful requests
  SampleStats connect_ms;             ///< connect time of requests that opened a new connection
  /// Per-token ITL: the time since the previous token-bearing chunk divided by the tokens of
  /// this chunk, one sample per token, from requests whose server reported tokens per chunk
  /// (continuous usage stats); empty otherwise. With one token per chunk it equals ITL.
  SampleStats itl_per_token_ms;
  /// vLLM's peak-output 1-second bins counting tokens instead of chunks (requests with
  /// per-chunk token counts); 0 when no request had them.
  double max_output_tokens_per_s_tokens = 0;
  std::int64_t requests_with_chunk_tokens = 0;  ///< successful requests with per-chunk token counts
  /// Where the per-chunk token counts came from: "continuous usage" (the server's running
  /// usage.completion_tokens) or "tokenizer" (runtime::count_chunk_tokens, an estimate).
  std::string chunk_tokens_source = "continuous usage";
  /// Token-chunk arrival − the server's send stamp (llmload_send_ns; the built-in simulator
  /// sends it), successful requests; empty when the server sends no stamp.
  SampleStats receive_delay_ms;
  /// The client's own event-loop delay: how late each worker's probe timer ran (from the
  /// runner's histogram: count, mean, max and kExtensionPercentiles, HdrHistogram precision).
  SampleStats loop_delay_ms;
  /// The self-check of the client on schedule lag, loop delay and receive delay (client_check.hpp).
  ClientCheck client_check;
  /// --preconnect: connections opened before the clock started (asked, opened, failed, how
  /// long it took); unset when connecting was part of each request (vLLM's definition).
  struct Preconnect {
    std::int64_t wanted = 0, opened = 0, failed = 0;
    double ms = 0;
    std::string first_error;
  };
  std::optional<Preconnect> preconnect;
  std::vector<CategoryCount> per_category;  ///< per-category breakdown (empty until labels exist)
  std::vector<CategoryCount> per_adapter;   ///< per --lora-modules adapter (empty without them)
  /// Multi-turn conversations: the same figures per turn ("turn 1", "turn 2", ... in turn
  /// order); empty for single requests. Later turns carry longer histories, so their TTFT
  /// shows the context's load time and the server's prefix cache at work.
  std::vector<CategoryCount> per_turn;
  /// Several replicas as targets: each one's figures, in the plan's order (per_target.hpp);
  /// empty with one target.
  std::vector<TargetFigures> per_target;
  /// One timeline per request, in workload order (categories filled by the caller that knows
  /// the workload; see category_breakdown.hpp).
  std::vector<RequestTimeline> timelines;
  /// Names of RequestTimeline::extra's columns, written after the standard request fields.
  std::vector<std::string> request_extra_fields;
  /// Statistics of more latencies in ms, by the name profile SLOs give them (e.g. the
  /// server-trace breakdown's "server_queue_time"); empty when the run has none.
  std::vector<std::pair<std::string, SampleStats>> extra_latency_ms;
  /// Answer accuracy and degenerate outputs (set when texts were kept: --score, a dataset with
  /// reference answers, --show-answers or --save-detailed; see answer_quality.hpp).
  std::optional<AnswerQuality> answers;
  /// Each request's prompt as the example sections show it (shortened, images as
  /// "[image WxH JPEG]"), in workload order; set by the caller that knows the workload when
  /// texts are kept (--save-detailed), else empty.
  std::vector<std::string> prompts;
  /// The live interval series (set by runtime::execute from its interval reports; empty
  /// when the run had none).
  std::vector<IntervalTotals> per_interval;
  double interval_s = 0;  ///< their length (the last one may be shorter)
  /// Names of IntervalTotals::extra's figures ("mean_server_queue_ms", ...); empty when none.
  std::vector<std::string> interval_extra_fields;
  /// vLLM's --probe-request-rate figures (its "Probe Requests" section and probe_* keys);
  /// unset without probes or when none succeeded.
  std::optional<ProbeFigures> probe;
  /// Pooling runs: the input sequences of the successful requests (vLLM's
  /// total_input_sequences: a rerank request's documents, an embeddings request's inputs);
  /// summarize() counts one per successful request, the caller that knows the workload more.
  std::int64_t total_input_sequences = 0;
  /// openai-audio: the audio seconds of the successful requests (vLLM's input_audio_duration,
  /// from each clip's header) and vLLM's RTFx = that / the benchmark duration; 0 for other
  /// runs. Set by the caller that knows the workload.
  double total_audio_duration_s = 0;
  double rtfx = 0;
};


/// Percentiles the extension statistics always carry (independent of --metric-percentiles).
inline constexpr double kExtensionPercentiles[] = {50, 90, 99, 99.9};

/// Builds the summary of a run from its records (any order; arrays follow record order) and
/// the benchmark window (steady-clock ns; duration = end − start). Failed requests (outcome
/// other than kOk) are excluded from latency and throughput, as in vLLM. A non-positive
/// duration yields zero rates instead of a division by zero. Pure; never fails.
RunSummary summarize(std::span<const RequestRecord> records, core::Nanos bench_start_ns,
                     core::Nanos bench_end_ns, const SummaryOptions& options);

}  // namespace llmload::metrics
