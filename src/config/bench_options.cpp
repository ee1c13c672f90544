#include "llmload/config/bench_options.hpp"

#include "llmload/config/dataset_flags.hpp"
#include "llmload/config/profile_limits.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/core/text.hpp"
#include "llmload/sim/answer_key.hpp"
#include "llmload/workload/trace_dataset.hpp"
#include "llmload/workload/hub_datasets.hpp"
#include "llmload/workload/synthetic_datasets.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <thread>

namespace llmload::config {
namespace {

constexpr std::string_view kMetricNames[] = {"ttft", "tpot", "itl", "e2el", "client_queue_time",
                                            "e2el_including_client_queue"};

using core::trim;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    parts.push_back(trim(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

// Parses a finite or infinite double as Python's float() would for our flags ("inf", "16",
// "0.5"). Returns nullopt for anything else.
std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "inf" || lower == "+inf" || lower == "infinity") return INFINITY;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || std::isnan(value)) return std::nullopt;
  return value;
}

}  // namespace

std::vector<std::string> normalize_flag_spelling(int argc, const char* const* argv) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(argc));
  bool after_separator = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && !after_separator && arg == "--") after_separator = true;
    if (i > 0 && !after_separator && arg.size() > 2 && arg.starts_with("--")) {
      const auto eq = arg.find('=');
      const auto name_end = eq == std::string::npos ? arg.size() : eq;
      std::replace(arg.begin() + 2, arg.begin() + static_cast<std::ptrdiff_t>(name_end), '_', '-');
    }
    out.push_back(std::move(arg));
  }
  return out;
}

namespace {

/// Target: where requests go and how they are sent.
void add_target_flags(CLI::App& app, BenchOptions& o) {
  app.add_option("--backend", o.backend,
                 "vLLM's backend: openai or vllm (/v1/completions), openai-chat (/v1/chat/completions), "
                 "openai-embeddings and its chat forms openai-embeddings-chat, -clip, -vlm2vec (/v1/embeddings), "
                 "infinity-embeddings, infinity-embeddings-clip (/embeddings), vllm-pooling (/pooling), "
                 "vllm-rerank (/v1/rerank, with --dataset-name random-rerank), openai-responses (/v1/responses, "
                 "the OpenAI Responses API; not in vLLM), openai-audio (/v1/audio/transcriptions: speech to text, "
                 "with --dataset-name audio or hf and a speech dataset)")
      ->check(CLI::IsMember(std::vector<std::string>(api::backend_names().begin(), api::backend_names().end())))
      ->capture_default_str()->group("Target");
  app.add_option("--base-url", o.base_urls,
                 "Server base URL, e.g. http://127.0.0.1:8000 (overrides --host/--port); repeat it to "
                 "load several replicas without a router. No target flag: the built-in simulator")
      ->allow_extra_args(false)->group("Target");
  app.add_option("--balance", o.balance,
                 "With several --base-url: round-robin (request i to target i mod N) or least-in-flight "
                 "(the target with the fewest requests in flight); a conversation stays on one target")
      ->check(CLI::IsMember({"round-robin", "least-in-flight"}))->capture_default_str()->group("Target");
  app.add_option("--host", o.host, "Server host (default 127.0.0.1 when --port is given)")
      ->group("Target");
  app.add_option("--port", o.port, "Server port (default 8000 when --host is given)")
      ->check(CLI::Range(1, 65535))->group("Target");
  app.add_option("--endpoint", o.endpoint,
                 "Request path (default: the backend's, e.g. /v1/completions, /v1/chat/completions for openai-chat)")
      ->group("Target");
  app.add_option("--model", o.model, "Model name (default: the first model of /v1/models)")
      ->group("Target");
  app.add_option("--served-model-name", o.served_model_name,
                 "The model field sent in requests (default: --model)")->group("Target");
  app.add_option("--tokenizer", o.tokenizer,
                 "tokenizer.json file or a folder holding one: exact token counts (random, "
                 "sharegpt, ...). Any other value (e.g. a Hugging Face model id) is only recorded")
      ->group("Target");
  app.add_option("--header", o.headers, "Extra request header KEY=VALUE (repeatable)")
      ->group("Target");
  app.add_flag("--insecure", o.insecure, "https: do not verify the server's certificate")
      ->group("Target");
  app.add_option("--ca-bundle", o.ca_bundle, "https: PEM file of CAs to trust (default: the system's)")
      ->check(CLI::ExistingFile)->group("Target");

}

/// Workload: vLLM's dataset flags.
void add_workload_flags(CLI::App& app, BenchOptions& o) {
  app.add_option("--dataset-name", o.dataset_name,
                 "Dataset: random, random-mm, sharegpt, custom, image-qa, sonnet, burstgpt, "
                 "prefix_repetition, mooncake, timed_trace, spec_bench, hf, audio (llmload's: speech clips)")
      ->capture_default_str()->group("Workload");
  app.add_option("--dataset-path", o.dataset_path,
                 "Dataset file (sharegpt: JSON array; custom, image-qa, mooncake, timed_trace, spec_bench: "
                 "JSONL; sonnet: text; burstgpt: CSV; hf: a Parquet/JSON/JSONL export or a folder of them; audio: JSONL "
                 "of {\"audio\": \"FILE.wav\"})")->group("Workload");
  app.add_flag("--no-oversample", o.no_oversample,
               "Refuse to run when the dataset has fewer prompts than --num-prompts (instead of "
               "repeating some)")->group("Workload");
  app.add_option("--trace-time-scale", o.trace_time_scale,
                 "mooncake, timed_trace: send each request at its trace time times this factor (0.5 = "
                 "twice as fast)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_flag("--disable-shuffle", o.disable_shuffle,
               "sharegpt/custom: take entries in file order")->group("Workload");
  app.add_option("--sharegpt-output-len", o.sharegpt_output_len,
                 "sharegpt: output tokens (default: each reply's length)")
      ->check(CLI::PositiveNumber)->group("Workload");
  app.add_option("--custom-output-len", o.custom_output_len,
                 "custom: output tokens (default: each line's output_tokens, else 256)")
      ->check(CLI::PositiveNumber)->group("Workload");
  app.add_option("--sonnet-input-len", o.sonnet_input_len, "sonnet: input tokens")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_option("--sonnet-output-len", o.sonnet_output_len, "sonnet: output tokens")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_option("--sonnet-prefix-len", o.sonnet_prefix_len, "sonnet: shared prefix tokens")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Workload");
  app.add_option("--prefix-repetition-prefix-len", o.prefix_repetition_prefix_len,
                 "prefix_repetition: prefix tokens")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Workload");
  app.add_option("--prefix-repetition-suffix-len", o.prefix_repetition_suffix_len,
                 "prefix_repetition: suffix tokens")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Workload");
  app.add_option("--prefix-repetition-num-prefixes", o.prefix_repetition_num_prefixes,
                 "prefix_repetition: distinct prefixes")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_option("--prefix-repetition-output-len", o.prefix_repetition_output_len,
                 "prefix_repetition: output tokens")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_option("--random-mm-base-items-per-request", o.random_mm_base_items_per_request,
                 "random-mm: images per request")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Workload");
  app.add_option("--random-mm-num-mm-items-range-ratio", o.random_mm_num_mm_items_range_ratio,
                 "random-mm: images per request uniform in [b*(1-r), b*(1+r)], 0 <= r <= 1")
      ->capture_default_str()->group("Workload");
  app.add_option("--random-mm-limit-mm-per-prompt", o.random_mm_limit_mm_per_prompt,
                 "random-mm: JSON object of most items per request by modality")
      ->capture_default_str()->group("Workload");
  app.add_option("--random-mm-bucket-config", o.random_mm_bucket_config,
                 "random-mm: {(height, width, frames): probability, ...}")
      ->capture_default_str()->group("Workload");
  app.add_option("--random-mm-image-format", o.random_mm_image_format,
                 "random-mm: image encoding, jpeg (as vLLM) or png")
      ->check(CLI::IsMember({"jpeg", "png"}))->capture_default_str()->group("Workload");
  app.add_option("--num-prompts", o.num_prompts, "Number of requests")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_option("--input-len", o.input_len, "Input length for the dataset (random: --random-input-len)")
      ->check(CLI::NonNegativeNumber)->group("Workload");
  app.add_option("--output-len", o.output_len, "Output length (random: --random-output-len)")
      ->check(CLI::PositiveNumber)->group("Workload");
  app.add_option("--random-input-len", o.random_input_len, "Input tokens per request")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Workload");
  app.add_option("--random-output-len", o.random_output_len, "Output tokens per request")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Workload");
  app.add_option("--random-prefix-len", o.random_prefix_len, "Shared prefix tokens")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Workload");
  app.add_option("--random-range-ratio", o.random_range_ratio,
                 "Lengths uniform in [L*(1-r), L*(1+r)], 0 <= r < 1")
      ->capture_default_str()->group("Workload");
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str()->group("Workload");

}

/// Load: arrivals and concurrency.
void add_load_flags(CLI::App& app, BenchOptions& o) {
  app.add_option("--request-rate", o.request_rate,
                 "Requests per second (inf: all at once)")->capture_default_str()->group("Load");
  app.add_option("--burstiness", o.burstiness,
                 "Gamma shape of inter-arrival gaps (1 = Poisson)")->capture_default_str()->group("Load");
  app.add_option("--max-concurrency", o.max_concurrency, "Most requests in flight")
      ->check(CLI::PositiveNumber)->group("Load");
  app.add_flag("--preconnect", o.preconnect,
               "Open the connections the run needs before its clock starts (the max concurrency, else the "
               "requests due in the first second), so TTFT holds no connect (not in vLLM; off: connecting "
               "counts in TTFT, as in vLLM)")
      ->group("Load");
  app.add_option("--ramp-up-strategy", o.ramp_up_strategy, "linear or exponential")
      ->check(CLI::IsMember({"linear", "exponential"}))->group("Load");
  app.add_option("--ramp-up-start-rps", o.ramp_up_start_rps, "Ramp-up start rate")->group("Load");
  app.add_option("--ramp-up-end-rps", o.ramp_up_end_rps, "Ramp-up end rate")->group("Load");
  app.add_option("--num-warmups", o.num_warmups, "Warm-up requests before the run (not measured)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Load");
  app.add_option("--ready-check-timeout-sec", o.ready_check_timeout_sec,
                 "Seconds to wait for the server to answer an initial test request; 0 (vLLM's "
                 "default) sends none")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Load");
  app.add_flag("--skip-initial-request", o.skip_initial_request,
               "Never send the initial test request, whatever --ready-check-timeout-sec says, so that the "
               "run starts cold (the test request would warm the server's prefix cache); llmload's")
      ->group("Load");

}

/// Request body: sampling and vLLM's extras.
void add_body_flags(CLI::App& app, BenchOptions& o) {
  app.add_flag("--ignore-eos", o.ignore_eos, "Send ignore_eos (forced for random)")->group("Request");
  app.add_option("--temperature", o.temperature, "Sampling temperature (default: not sent, the server decides; vLLM's warning says so)")->group("Request");
  app.add_option("--top-p", o.top_p, "top_p")->group("Request");
  app.add_option("--top-k", o.top_k, "top_k")->group("Request");
  app.add_option("--min-p", o.min_p, "min_p")->group("Request");
  app.add_option("--frequency-penalty", o.frequency_penalty, "frequency_penalty")->group("Request");
  app.add_option("--presence-penalty", o.presence_penalty, "presence_penalty")->group("Request");
  app.add_option("--repetition-penalty", o.repetition_penalty, "repetition_penalty")->group("Request");
  app.add_option("--logprobs", o.logprobs, "logprobs")->check(CLI::NonNegativeNumber)->group("Request");
  app.add_option("--extra-body", o.extra_body, "JSON object merged into every request body")
      ->group("Request");
  app.add_option("--request-id-prefix", o.request_id_prefix,
                 "Send x-request-id: PREFIX<index> with each request")->group("Request");

}

/// Results: percentiles, goodput, result files and reports.
void add_result_flags(CLI::App& app, BenchOptions& o) {
  app.add_option("--percentile-metrics", o.percentile_metrics,
                 "Comma-separated metrics to report percentiles for: ttft,tpot,itl,e2el,"
                 "client_queue_time,e2el_including_client_queue (the last two with --max-concurrency, "
                 "the last also with a finite --request-rate, as vLLM; default ttft,tpot,itl)")->group("Results");
  app.add_option("--metric-percentiles", o.metric_percentiles,
                 "Comma-separated percentiles, e.g. 25,50,99")->capture_default_str()->group("Results");
  app.add_option("--goodput", o.goodput, "SLOs KEY:MS for ttft, tpot, e2el (space-separated)")
      ->group("Results");
  app.add_option("--input-tokens", o.input_tokens,
                 "What \"Total input tokens\" counts: server (vLLM today: the server's usage.prompt_tokens, "
                 "images and chat template included, else the dataset's count) or dataset (the prompts' own "
                 "tokens, as vLLM printed before and some multimodal tools print; the server's count then "
                 "follows as \"Total image and input tokens:\" where it differs) (not in vLLM)")
      ->check(CLI::IsMember({"server", "dataset"}))->capture_default_str()->group("Results");
  app.add_flag("--save-result", o.save_result, "Write the result JSON")->group("Results");
  app.add_flag("--save-detailed", o.save_detailed, "Include per-request arrays")->group("Results");
  app.add_flag("--append-result", o.append_result, "Append to the result file")->group("Results");
  app.add_option("--result-dir", o.result_dir, "Directory for the result file")->group("Results");
  app.add_option("--result-filename", o.result_filename, "Result file name")->group("Results");
  app.add_option("--label", o.label, "Label (prefix of the result file name)")->group("Results");
  app.add_option("--metadata", o.metadata, "KEY=VALUE pairs saved in the result")->group("Results");
  app.add_flag("--disable-tqdm", o.disable_tqdm, "No progress display")->group("Results");
  app.add_option("--report", o.report,
                 "Also write reports beside the result file: comma-separated html, md, csv "
                 "(llmload's; see llmload report)")->group("Results");
  app.add_option("--report-interval", o.report_interval_sec,
                 "Seconds per interval in the reports' over-time charts and interval CSV")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("Results");

}

/// Early stop: end the run before its planned end when the target is broken or over-saturated.
void add_stop_flags(CLI::App& app, BenchOptions& o) {
  app.add_option("--stop-on-errors", o.stop_on_errors,
                 "Stop the run (cleanly, in-flight requests get the grace period; exit 1) once this many "
                 "requests failed (0: never)")
      ->check(CLI::NonNegativeNumber)->group("Early stop");
  app.add_option("--stop-on-error-rate", o.stop_on_error_rate,
                 "Stop the run when more than this fraction (0-1) of the requests that finished within the "
                 "last --over seconds failed")
      ->group("Early stop");
  app.add_option("--over", o.over_sec, "Sliding window of --stop-on-error-rate, in seconds (at least 1)")
      ->group("Early stop");
  app.add_option("--num-runs", o.num_runs,
                 "Repeat the whole run this many times (the seed + 1 each time), then print and save the "
                 "aggregate: mean, std, CV and 95% confidence interval of each metric (the option's name in "
                 "vllm bench sweep; not in vllm bench serve)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000}))->capture_default_str()->group("llmload");
  app.add_option("--metrics-port", o.metrics_port,
                 "Serve llmload's own Prometheus metrics at http://127.0.0.1:PORT/metrics while the run "
                 "lasts (requests, in flight, tokens, TTFT/TPOT/ITL/E2EL histograms; 0: any free port)")
      ->check(CLI::Range(0, 65535))->group("llmload");
  app.add_option("--stop-on-saturation", o.stop_on_saturation_sec,
                 "Stop the run when it is over-saturated over this many seconds: requests in flight at least "
                 "doubled, growing in both halves of the window, while completions per second stayed flat "
                 "(not in vLLM)")
      ->group("Early stop");
}

/// llmload's own: engine, timeouts, simulator, scraping.
void add_llmload_flags(CLI::App& app, BenchOptions& o) {
  app.add_option("--threads", o.threads, "Client worker threads (0: one per core)")
      ->check(CLI::Range(0, 1024))->capture_default_str()->group("llmload");
  app.add_option("--request-timeout", o.request_timeout_sec,
                 "Whole-request time limit in seconds (vLLM: 6 h)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("llmload");
  app.add_option("--connect-timeout", o.connect_timeout_sec, "TCP connect limit in seconds (0: none)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--first-byte-timeout", o.first_byte_timeout_sec,
                 "Limit from request sent to first response byte, seconds (0: none)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--idle-timeout", o.idle_timeout_sec,
                 "Longest silence between response bytes, seconds (0: none)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--grace-period", o.grace_period_sec,
                 "After Ctrl-C: seconds in-flight requests may take to finish (a second Ctrl-C "
                 "cancels them at once)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--max-sse-event-bytes", o.max_sse_event_bytes,
                 "Largest SSE event accepted (a larger one fails its request)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("llmload");
  app.add_option("--max-response-bytes", o.max_response_bytes,
                 "Largest response body read for one request (a larger one fails it as response_too_large, "
                 "bounding each request's memory)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("llmload");
  app.add_option("--duration", o.duration_sec,
                 "Stop sending after this many seconds (requests in flight finish); --num-prompts is "
                 "then the most requests planned, sent from a pool of at most 10000 prompts in turn")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--turns", o.turns,
                 "Multi-turn conversations of this many turns (chat only): --num-prompts counts "
                 "conversations, each later turn carries the earlier prompts and answers")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("llmload");
  app.add_option("--think-time", o.think_time_sec,
                 "Multi-turn: seconds between an answer and the next turn of its conversation")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--scrape-interval", o.scrape_interval_sec,
                 "Seconds between scrapes of the server's /metrics during the run (running and "
                 "waiting requests, KV-cache usage, prefix-cache hits; 0: do not scrape)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--metrics-url", o.metrics_urls,
                 "Another Prometheus endpoint to scrape with the server's, e.g. a DCGM or Ascend "
                 "npu-exporter for device memory (repeatable)")
      ->group("llmload");
  app.add_option("--otlp-receiver", o.otlp_receiver,
                 "Receive the server's OpenTelemetry traces on [HOST:]PORT (OTLP/gRPC; OTLP/HTTP on "
                 "PORT + 1) and split each request's latency into client, network and server parts; "
                 "start vLLM with --otlp-traces-endpoint http://THIS_HOST:PORT")
      ->group("llmload");
  app.add_option("--otlp-grace", o.otlp_grace_sec,
                 "With --otlp-receiver: seconds to wait after the run for the server's spans "
                 "(exporters send them in batches); returns early once every request has one")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--sim-ttft-ms", o.sim_ttft_ms, "Built-in simulator: time to first token")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--sim-itl-ms", o.sim_itl_ms, "Built-in simulator: gap between tokens")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--sim-preset", o.sim_preset,
                 "Built-in simulator: a continuous-batching engine with this preset instead of fixed "
                 "timing: default, ascend-910b-qwen (200 requests at 16 RPS on vllm-ascend), "
                 "h100-qwen2-vl-7b (one image chat request to Qwen2-VL-7B on an H100)")
      ->group("llmload");
  app.add_option("--sim-time-scale", o.sim_time_scale,
                 "Built-in simulator, engine mode: run simulated time this many times faster")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("llmload");
  app.add_option("--sim-answers", o.sim_answers,
                 "Built-in simulator's answers mode: a custom/image-qa JSONL file of questions and "
                 "reference answers; a request asking one gets a right answer with probability "
                 "--sim-answer-accuracy, else a wrong one (not in vLLM)")
      ->group("llmload");
  app.add_option("--sim-answer-accuracy", o.sim_answer_accuracy,
                 "Built-in simulator's answers mode: probability of a right answer")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->group("llmload");
  app.add_option("--sim-answer-accuracy-by-category", o.sim_answer_accuracy_by_category,
                 "Built-in simulator's answers mode: CATEGORY=P,... for the file's categories")
      ->group("llmload");
  app.add_option("--sim-answer-accuracy-after", o.sim_answer_accuracy_after,
                 "Built-in simulator's answers mode: TIME=P,... from TIME after the simulator's start "
                 "on, every question is right with probability P (e.g. 30s=0.2)")
      ->group("llmload");
  app.add_option("--interval", o.interval_sec,
                 "Seconds: print one line per interval (completions, rates, TTFT/ITL/E2EL "
                 "percentiles from HdrHistograms, in flight); 0 = off")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--score", o.score,
                 "Score answers against the dataset's references: vqa (VQA accuracy, the default when "
                 "references exist), exact, contains, regex:PATTERN, choice (option letter A-E)")
      ->group("llmload");
  app.add_option("--show-answers", o.show_answers,
                 "Print the first N requests' prompt (shortened), answer, reasoning, finish reason and "
                 "token counts after the table")
      ->group("llmload");
  app.add_flag("--continuous-usage-stats", o.continuous_usage_stats,
               "Ask vLLM for usage in every chunk")->group("llmload");
  add_stop_flags(app, o);
}

}  // namespace

void add_bench_options(CLI::App& app, BenchOptions& o) {
  add_target_flags(app, o);
  add_workload_flags(app, o);
  add_dataset_source_flags(app, o.timed_trace, o.hub);
  add_load_flags(app, o);
  add_body_flags(app, o);
  add_result_flags(app, o);
  add_llmload_flags(app, o);
  add_vllm_compat_flags(app, o.vllm);
  add_shard_flags(app, o.sharding);
}

namespace {

/// Problems found while resolving, one sentence each naming the flag; all are reported at once.
class Problems {
 public:
  template <class... Args>
  void add(fmt::format_string<Args...> format, Args&&... args) {
    lines_.push_back(fmt::format(format, std::forward<Args>(args)...));
  }
  void add(const core::Error& error) { lines_.push_back(error.message); }
  /// Keeps the value of `result`, or records its error and returns nullopt.
  template <class T>
  std::optional<T> take(core::Result<T> result) {
    if (result) return std::move(*result);
    add(result.error());
    return std::nullopt;
  }
  bool empty() const { return lines_.empty(); }
  /// One error listing every problem, one per line.
  core::Error error() const {
    std::string text = lines_.front();
    for (std::size_t i = 1; i < lines_.size(); ++i) text += "\nllmload bench: error: " + lines_[i];
    return core::Error{text};
  }

 private:
  std::vector<std::string> lines_;
};

std::chrono::nanoseconds seconds_ns(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

std::chrono::nanoseconds millis_ns(double ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(ms));
}

/// Several --base-url: every one parsed and checked, all of one scheme (one TLS setting).
void resolve_replicas(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  if (o.base_urls.size() > kMaxTargets) problems.add("--base-url given {} times; at most {}", o.base_urls.size(), kMaxTargets);
  for (std::size_t i = 0; i < o.base_urls.size() && i < kMaxTargets; ++i) {
    const std::string what = fmt::format("--base-url #{}", i + 1);
    auto parsed = problems.take(net::parse_url(o.base_urls[i], what));
    if (!parsed) continue;
    if (auto checked = check_request_path(parsed->path, what); !checked) problems.add(checked.error());
    if (std::any_of(plan.replicas.begin(), plan.replicas.end(), [&](const net::Url& u) { return u.to_string() == parsed->to_string(); })) {
      problems.add("{} {} is given twice; each replica once", what, parsed->to_string());
    }
    plan.replicas.push_back(std::move(*parsed));
  }
  if (!plan.replicas.empty()) plan.base = plan.replicas.front();
  if (std::any_of(plan.replicas.begin(), plan.replicas.end(), [&](const net::Url& u) { return u.tls() != plan.base.tls(); })) {
    problems.add("--base-url: mix of http and https targets; give all replicas the same scheme");
  }
  if (o.host || o.port) problems.add("--host/--port name one target; with several --base-url leave them out");
}

void resolve_target(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  plan.use_simulator = o.base_urls.empty() && !o.host && !o.port;
  if (auto balance = problems.take(parse_balance(o.balance, "--balance"))) plan.balance = *balance;
  if (o.base_urls.size() > 1) {
    resolve_replicas(o, plan, problems);
  } else if (!plan.use_simulator) {
    std::string url = o.base_urls.empty() ? std::string() : o.base_urls.front();
    if (url.empty()) {
      const std::string host = o.host.value_or("127.0.0.1");
      const bool v6 = host.find(':') != std::string::npos;
      url = fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", o.port.value_or(8000));
    }
    if (auto parsed = problems.take(net::parse_url(url, o.base_urls.empty() ? "--host/--port" : "--base-url"))) {
      plan.base = *parsed;
      if (auto checked = check_request_path(plan.base.path, "--base-url"); !checked) problems.add(checked.error());
    }
  }
  if ((o.insecure || !o.ca_bundle.empty()) && !plan.base.tls()) {
    problems.add("{} applies to https targets only; give an https:// --base-url",
                 o.insecure ? "--insecure" : "--ca-bundle");
  }
  plan.insecure = o.insecure;
  plan.ca_bundle = o.ca_bundle;
  plan.backend = o.backend;
  plan.flavor = api::flavor_for_backend(o.backend).value_or(api::Flavor::kCompletions);
  plan.endpoint = o.endpoint.empty() ? std::string(api::default_endpoint(plan.flavor)) : o.endpoint;
  if (!plan.endpoint.starts_with("/")) {
    problems.add("--endpoint {}: a path must start with '/', e.g. /v1/completions", plan.endpoint);
  } else if (auto checked = check_request_path(plan.endpoint, "--endpoint"); !checked) {
    problems.add(checked.error());
  } else if (plan.flavor != api::Flavor::kCompletions && !api::endpoint_fits(plan.flavor, plan.endpoint)) {
    // vLLM's request functions check the URL's end the same way.
    problems.add("--endpoint {}: the {} backend needs a path ending in {}, e.g. --endpoint {}", plan.endpoint,
                 o.backend, api::endpoint_suffix(plan.flavor), api::default_endpoint(plan.flavor));
  }
  plan.model = o.model;
  plan.served_model_name = o.served_model_name;
  plan.tokenizer_id = o.tokenizer;
  std::error_code ec;
  if (!o.tokenizer.empty() && std::filesystem::exists(o.tokenizer, ec)) plan.tokenizer_path = o.tokenizer;
  for (const auto& h : o.headers) {
    const auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.add("--header: expected KEY=VALUE, got a value without '=' ({} bytes); "
                   "write e.g. --header X-Tenant=team-a", h.size());
    } else if (auto checked = check_header(h.substr(0, eq), std::string_view(h).substr(eq + 1), "--header"); !checked) {
      problems.add(checked.error());
    } else {
      net::set_header(plan.headers, h.substr(0, eq), std::string_view(h).substr(eq + 1));
    }
  }
  plan.request_id_prefix = o.request_id_prefix;
  for (const auto& [flag, text] : {std::pair{"--request-id-prefix", &o.request_id_prefix}, std::pair{"--model", &o.model},
                                    std::pair{"--served-model-name", &o.served_model_name}}) {
    if (text->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      problems.add("{}: must not contain line breaks or NUL", flag);
    }
  }
  if (!o.sim_preset.empty() && !plan.use_simulator) {
    problems.add("--sim-preset {} applies to the built-in simulator; leave out --base-url/--host/--port",
                 o.sim_preset);
  }
}

void resolve_multi_turn(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  plan.turns = o.turns;
  plan.think_time = seconds_ns(o.think_time_sec);
  if (plan.duration.count() > 0 && o.turns > 1) {
    problems.add("--duration with --turns {}: a timed run sends single requests; use --num-prompts to bound "
                 "a multi-turn run", o.turns);
  }
  if (plan.turns > 1) {
    if (plan.flavor != api::Flavor::kChat) {
      problems.add("--turns {}: multi-turn conversations send their history as chat messages; "
                   "add --backend openai-chat", plan.turns);
    }
    plan.num_prompts *= plan.turns;
  } else if (o.think_time_sec > 0) {
    problems.add("--think-time applies to multi-turn conversations; add --turns N (N > 1)");
  }
}

void resolve_dataset(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  auto& d = plan.dataset;
  const workload::DatasetInfo* known = workload::find_dataset(o.dataset_name);
  if (known == nullptr) {
    problems.add("--dataset-name {}: unknown dataset; choose from {}", o.dataset_name, workload::dataset_names());
  }
  if (known != nullptr && known->needs_path && o.dataset_path.empty()) {
    problems.add("--dataset-name {} reads a file: give --dataset-path FILE", o.dataset_name);
  }
  d.name = o.dataset_name;
  d.path = o.dataset_path;
  d.num_prompts = static_cast<std::size_t>(plan.duration.count() > 0 ? std::min(plan.num_prompts, kDurationPool)
                                                                       : plan.num_prompts);
  d.seed = o.seed;
  d.no_oversample = o.no_oversample;
  d.disable_shuffle = o.disable_shuffle;
  d.chat = api::carries_images(plan.flavor);
  d.audio = plan.flavor == api::Flavor::kAudio;
  d.sharegpt_output_len = o.sharegpt_output_len ? o.sharegpt_output_len : o.output_len;
  d.custom_output_len = o.custom_output_len ? o.custom_output_len : o.output_len;
  d.sonnet_input_len = o.input_len.value_or(o.sonnet_input_len);
  d.sonnet_output_len = o.output_len.value_or(o.sonnet_output_len);
  d.sonnet_prefix_len = o.sonnet_prefix_len;
  d.prefix_repetition_prefix_len = o.prefix_repetition_prefix_len;
  d.prefix_repetition_suffix_len = o.prefix_repetition_suffix_len;
  d.prefix_repetition_num_prefixes = o.prefix_repetition_num_prefixes;
  d.prefix_repetition_output_len = o.output_len.value_or(o.prefix_repetition_output_len);
  d.random_mm.base_items_per_request = o.random_mm_base_items_per_request;
  d.random_mm.num_mm_items_range_ratio = o.random_mm_num_mm_items_range_ratio;
  if (auto limits = problems.take(workload::parse_limit_mm_per_prompt(o.random_mm_limit_mm_per_prompt))) {
    d.random_mm.limit_mm_per_prompt = std::move(*limits);
  }
  if (auto buckets = problems.take(workload::parse_bucket_config(o.random_mm_bucket_config))) {
    d.random_mm.buckets = std::move(*buckets);
  }
  d.random_mm.image_format = o.random_mm_image_format;
  if (!(o.trace_time_scale > 0)) problems.add("--trace-time-scale must be positive (got {})", o.trace_time_scale);
  d.trace_time_scale = o.trace_time_scale;
  d.timed_trace = o.timed_trace;
  d.hub = o.hub;
  if (!d.hub.hf_output_len) d.hub.hf_output_len = o.output_len;
  if (o.output_len) d.hub.spec_bench_output_len = *o.output_len;
  if (auto r = workload::check_timed_trace_options(d.timed_trace); !r && d.name == "timed_trace") problems.add(r.error());
  if (auto r = workload::check_hub_options(d.hub); !r) problems.add(r.error());
  const bool rerank_data = known != nullptr && known->kind == workload::DatasetKind::kRandomRerank;
  if (plan.flavor == api::Flavor::kRerank && !rerank_data) {
    problems.add("--backend vllm-rerank sends a query and its documents: use --dataset-name random-rerank");
  }
  if (rerank_data && !api::is_pooling(plan.flavor)) {
    problems.add("--dataset-name random-rerank makes queries and documents for a pooling backend: use --backend "
                 "vllm-rerank (or openai-embeddings with --no-reranker)");
  }
  const bool audio_data = known != nullptr && known->kind == workload::DatasetKind::kAudio;
  if (plan.flavor == api::Flavor::kAudio && known != nullptr && !audio_data && known->kind != workload::DatasetKind::kHf) {
    problems.add("--backend openai-audio sends audio files: use --dataset-name audio (a JSON Lines file of "
                 "{{\"audio\": \"FILE.wav\"}} lines) or --dataset-name hf with a speech dataset's export");
  }
  if (audio_data && plan.flavor != api::Flavor::kAudio) {
    problems.add("--dataset-name audio sends audio files, which only speech-to-text requests carry; add "
                 "--backend openai-audio");
  }
  if (known != nullptr && known->images && !api::carries_images(plan.flavor)) {
    problems.add("--dataset-name {} sends images, which only chat requests carry; add "
                 "--backend openai-chat", o.dataset_name);
  }
}

void resolve_workload(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  plan.dataset_name = o.dataset_name;
  plan.num_prompts = o.num_prompts;
  if (plan.num_prompts <= 0) problems.add("--num-prompts must be at least 1");
  plan.duration = seconds_ns(o.duration_sec);
  resolve_multi_turn(o, plan, problems);
  auto& random = plan.dataset.random;
  random.input_len = o.input_len.value_or(o.random_input_len);
  random.output_len = o.output_len.value_or(o.random_output_len);
  random.prefix_len = o.random_prefix_len;
  random.range_ratio = o.random_range_ratio;
  random.seed = o.seed;
  if (!(o.random_range_ratio >= 0.0 && o.random_range_ratio < 1.0)) {
    problems.add("--random-range-ratio {}: must be in [0, 1), e.g. 0.1 for +-10%", o.random_range_ratio);
  }
  if (random.output_len <= 0) problems.add("--random-output-len must be at least 1");
  resolve_dataset(o, plan, problems);
  if (auto fits = check_requests_fit(plan.num_prompts, random.input_len); plan.num_prompts > 0 && !fits) {
    problems.add("--num-prompts {}: {}", o.num_prompts, fits.error().message);
  }
}

std::optional<schedule::RampUp> resolve_ramp(const BenchOptions& o, double rate, Problems& problems) {
  if (o.ramp_up_strategy.empty()) {
    if (o.ramp_up_start_rps || o.ramp_up_end_rps) {
      problems.add("--ramp-up-start-rps/--ramp-up-end-rps need --ramp-up-strategy linear or exponential");
    }
    return std::nullopt;
  }
  if (!o.ramp_up_start_rps || !o.ramp_up_end_rps) {
    problems.add("--ramp-up-strategy {} needs --ramp-up-start-rps and --ramp-up-end-rps", o.ramp_up_strategy);
    return std::nullopt;
  }
  schedule::RampUp ramp;
  ramp.strategy = o.ramp_up_strategy == "exponential" ? schedule::RampUp::Strategy::kExponential
                                                      : schedule::RampUp::Strategy::kLinear;
  ramp.start_rps = *o.ramp_up_start_rps;
  ramp.end_rps = *o.ramp_up_end_rps;
  if (auto checked = check_ramp(ramp, "--ramp-up-start-rps", "--ramp-up-end-rps"); !checked) {
    problems.add(checked.error());
  }
  if (!std::isinf(rate)) problems.add("--ramp-up-strategy replaces --request-rate; leave --request-rate unset");
  return ramp;
}

void resolve_load(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  const auto rate = parse_double(o.request_rate);
  if (!rate || *rate <= 0) {
    problems.add("--request-rate {}: expected a positive number of requests per second or 'inf'", o.request_rate);
  }
  plan.arrivals.request_rate = rate.value_or(INFINITY);
  const auto burst = parse_double(o.burstiness);
  if (!burst || *burst <= 0) problems.add("--burstiness {}: expected a positive number (1.0 = Poisson)", o.burstiness);
  plan.arrivals.burstiness = burst.value_or(1.0);
  plan.arrivals.seed = o.seed;
  plan.arrivals.ramp_up = resolve_ramp(o, plan.arrivals.request_rate, problems);
  plan.max_concurrency = o.max_concurrency;
  plan.preconnect = o.preconnect;
  plan.ready_check_timeout = std::chrono::seconds(o.ready_check_timeout_sec);
  plan.skip_initial_request = o.skip_initial_request;
}

void resolve_body(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  // As given; when the model is asked of /v1/models, ResolvedTarget::body_model replaces it.
  plan.body.model = o.served_model_name.empty() ? o.model : o.served_model_name;
  // vLLM forces ignore_eos for the random dataset so that every output has the asked length.
  const workload::DatasetInfo* dataset = workload::find_dataset(plan.dataset_name);
  // (vLLM: for its OpenAI-compatible generation backends only, not for the pooling ones).
  const bool forced = dataset != nullptr && dataset->forces_ignore_eos && !api::is_pooling(plan.flavor);
  plan.body.ignore_eos = o.ignore_eos || forced;
  plan.body.continuous_usage_stats = o.continuous_usage_stats;
  plan.body.logprobs = o.logprobs;
  plan.body.sampling.top_p = o.top_p;
  plan.body.sampling.top_k = o.top_k;
  plan.body.sampling.min_p = o.min_p;
  plan.body.sampling.temperature = o.temperature;
  plan.body.sampling.frequency_penalty = o.frequency_penalty;
  plan.body.sampling.presence_penalty = o.presence_penalty;
  plan.body.sampling.repetition_penalty = o.repetition_penalty;
  // As current vLLM: no temperature unless --temperature is given (the server decides; the
  // run says so once), then the user's --extra-body.
  boost::json::object extra;
  if (!o.extra_body.empty()) {
    if (auto user = problems.take(api::parse_extra_body(o.extra_body))) {
      for (const auto& kv : *user) extra[kv.key()] = kv.value();
    }
  }
  if (!extra.empty()) plan.body.extra_body = std::move(extra);
}

void resolve_percentiles(const BenchOptions& o, ResultSettings& r, Problems& problems) {
  // vLLM's default: ttft,tpot,itl for generation, e2el for the pooling backends.
  const auto flavor = api::flavor_for_backend(o.backend);
  const std::string_view default_metrics = flavor && api::is_pooling(*flavor) ? "e2el" : "ttft,tpot,itl";
  const std::string metrics = o.percentile_metrics.empty() ? std::string(default_metrics) : o.percentile_metrics;
  for (auto m : split(metrics, ',')) {
    if (std::find(std::begin(kMetricNames), std::end(kMetricNames), m) == std::end(kMetricNames)) {
      problems.add("--percentile-metrics: unknown metric '{}'; choose from ttft,tpot,itl,e2el,"
                   "client_queue_time,e2el_including_client_queue", m);
    } else {
      r.percentile_metrics.emplace_back(m);
    }
  }
  for (auto p : split(o.metric_percentiles, ',')) {
    const auto v = parse_double(p);
    if (!v || *v < 0 || *v > 100) {
      problems.add("--metric-percentiles: '{}' is not a percentile in [0, 100]; write e.g. "
                   "--metric-percentiles 50,90,99", p);
    } else {
      r.percentiles.push_back(*v);
    }
  }
  for (const auto& g : o.goodput) {
    const auto colon = g.find(':');
    const double v = colon == std::string::npos ? -1.0 : parse_double(g.substr(colon + 1)).value_or(-1.0);
    const std::string key = g.substr(0, colon);
    if (v < 0 || std::isinf(v)) {
      problems.add("--goodput {}: expected KEY:MILLISECONDS, e.g. --goodput ttft:500 tpot:50", g);
    } else if (key == "ttft") {
      r.goodput_ttft_ms = v;
    } else if (key == "tpot") {
      r.goodput_tpot_ms = v;
    } else if (key == "e2el") {
      r.goodput_e2el_ms = v;
    } else {
      problems.add("--goodput {}: unknown metric '{}'; choose from ttft, tpot, e2el", g, key);
    }
  }
}

void resolve_outputs(const BenchOptions& o, ResultSettings& r, Problems& problems) {
  r.save_result = o.save_result || o.append_result;
  r.save_detailed = o.save_detailed;
  for (auto format : split(o.report, ',')) {
    if (format.empty() && o.report.empty()) break;
    if (format != "html" && format != "md" && format != "csv") {
      problems.add("--report {}: unknown format '{}'; choose from html, md, csv (comma-separated)", o.report, format);
    } else if (std::find(r.report_formats.begin(), r.report_formats.end(), format) == r.report_formats.end()) {
      r.report_formats.emplace_back(format);
    }
  }
  if (!(o.report_interval_sec > 0)) {
    problems.add("--report-interval {}: expected a positive number of seconds", o.report_interval_sec);
  }
  r.report_interval_s = o.report_interval_sec;
  r.input_tokens_from_dataset = o.input_tokens == "dataset";
  if (o.show_answers < 0) problems.add("--show-answers {}: expected a number of requests, 0 or more", o.show_answers);
  r.append_result = o.append_result;
  r.result_dir = o.result_dir;
  r.result_filename = o.result_filename;
  if (!o.label.empty()) r.label = o.label;
  for (const auto& m : o.metadata) {
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.add("--metadata {}: expected KEY=VALUE, e.g. --metadata gpu=H200", m);
    } else {
      r.metadata.emplace_back(m.substr(0, eq), m.substr(eq + 1));
    }
  }
}

/// Every time and rate flag: a finite number in range (NaN, inf and 1e308 are refused).
void check_numbers(const BenchOptions& o, Problems& problems) {
  constexpr double kDay = 86400, kYear = 365 * kDay;
  const struct {
    const char* flag;
    double value, low, high;
  } checks[] = {
      {"--request-timeout", o.request_timeout_sec, 1e-3, kYear},
      {"--connect-timeout", o.connect_timeout_sec, 0, kDay},
      {"--first-byte-timeout", o.first_byte_timeout_sec, 0, kYear},
      {"--idle-timeout", o.idle_timeout_sec, 0, kYear},
      {"--grace-period", o.grace_period_sec, 0, kDay},
      {"--duration", o.duration_sec, 0, kYear},
      {"--think-time", o.think_time_sec, 0, kDay},
      {"--interval", o.interval_sec, 0, kDay},
      {"--scrape-interval", o.scrape_interval_sec, 0, kDay},
      {"--otlp-grace", o.otlp_grace_sec, 0, 3600},
      {"--report-interval", o.report_interval_sec, 1e-3, kDay},
      {"--sim-ttft-ms", o.sim_ttft_ms, 0, kDay * 1000},
      {"--sim-itl-ms", o.sim_itl_ms, 0, kDay * 1000},
      {"--trace-time-scale", o.trace_time_scale, 1e-9, 1e9},
      {"--random-mm-num-mm-items-range-ratio", o.random_mm_num_mm_items_range_ratio, 0, 1},
  };
  for (const auto& c : checks) {
    if (!(c.value >= c.low && c.value <= c.high)) {
      problems.add("{} {}: expected a number from {:g} to {:g}", c.flag, c.value, c.low, c.high);
    }
  }
  const struct {
    const char* flag;
    const std::optional<double>& value;
  } sampling[] = {{"--temperature", o.temperature},           {"--top-p", o.top_p},
                  {"--min-p", o.min_p},                       {"--frequency-penalty", o.frequency_penalty},
                  {"--presence-penalty", o.presence_penalty}, {"--repetition-penalty", o.repetition_penalty}};
  for (const auto& s : sampling) {
    if (s.value && !std::isfinite(*s.value)) problems.add("{} {}: expected a finite number", s.flag, *s.value);
  }
}

/// The built-in simulator's answers mode: the settings are checked here (the file is read
/// when the simulator starts, where a bad line is reported with its file:line).
void resolve_sim_answers(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  const bool any = !o.sim_answer_accuracy_by_category.empty() || !o.sim_answer_accuracy_after.empty() ||
                   o.sim_answer_accuracy != 1.0;
  if (o.sim_answers.empty()) {
    if (any) problems.add("--sim-answer-accuracy* need --sim-answers FILE (the questions and their references)");
    return;
  }
  if (!plan.use_simulator) {
    problems.add("--sim-answers applies to the built-in simulator; leave out --base-url/--host/--port");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(o.sim_answers, ec)) problems.add("--sim-answers {}: no such file", o.sim_answers);
  if (!(o.sim_answer_accuracy >= 0 && o.sim_answer_accuracy <= 1)) {
    problems.add("--sim-answer-accuracy must lie in [0, 1], got {}", o.sim_answer_accuracy);
  }
  if (!o.sim_answer_accuracy_by_category.empty()) {
    if (auto r = sim::parse_accuracy_by_category(o.sim_answer_accuracy_by_category); !r) {
      problems.add("--sim-answer-accuracy-by-category: {}", r.error().message);
    }
  }
  if (!o.sim_answer_accuracy_after.empty()) {
    if (auto r = sim::parse_accuracy_changes(o.sim_answer_accuracy_after); !r) {
      problems.add("--sim-answer-accuracy-after: {}", r.error().message);
    }
  }
  plan.sim_answers = o.sim_answers;
  plan.sim_answer_accuracy = o.sim_answer_accuracy;
  plan.sim_answer_accuracy_by_category = o.sim_answer_accuracy_by_category;
  plan.sim_answer_accuracy_after = o.sim_answer_accuracy_after;
}

void resolve_stop_when(const BenchOptions& o, StopWhen& s, Problems& problems) {
  if (o.stop_on_errors > 0) s.errors = o.stop_on_errors;
  if (o.stop_on_error_rate != 0 || o.over_sec != 0) {
    if (!(o.stop_on_error_rate > 0 && o.stop_on_error_rate < 1)) {
      problems.add("--stop-on-error-rate {}: expected a fraction above 0 and below 1 (0.5 = 50%), with --over "
                   "SECONDS", o.stop_on_error_rate);
    } else if (!(o.over_sec >= 1 && o.over_sec <= 86400)) {
      problems.add("--over {}: --stop-on-error-rate needs a window of 1 to 86400 seconds", o.over_sec);
    } else {
      s.error_rate = o.stop_on_error_rate;
      s.over = seconds_ns(o.over_sec);
    }
  }
  if (o.stop_on_saturation_sec != 0) {
    if (!(o.stop_on_saturation_sec >= 1 && o.stop_on_saturation_sec <= 86400)) {
      problems.add("--stop-on-saturation {}: expected a window of 1 to 86400 seconds", o.stop_on_saturation_sec);
    } else {
      s.saturation = seconds_ns(o.stop_on_saturation_sec);
    }
  }
}

void resolve_engine(const BenchOptions& o, RunPlan& plan, Problems& problems) {
  check_numbers(o, problems);
  resolve_stop_when(o, plan.stop_when, problems);
  if (o.metrics_port > 65535) problems.add("--metrics-port {}: expected a port from 0 to 65535", o.metrics_port);
  else if (o.metrics_port >= 0) plan.metrics_port = static_cast<std::uint16_t>(o.metrics_port);
  if (!o.score.empty()) {
    auto score = workload::parse_score_spec(o.score);
    if (score) plan.score = std::move(*score);
    else problems.add("--score {}: {}", o.score, score.error().message);
  }
  plan.show_answers = o.show_answers;
  plan.threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  plan.request_timeout = seconds_ns(o.request_timeout_sec);
  plan.connect_timeout = seconds_ns(o.connect_timeout_sec);
  plan.first_byte_timeout = seconds_ns(o.first_byte_timeout_sec);
  plan.idle_timeout = seconds_ns(o.idle_timeout_sec);
  plan.grace_period = seconds_ns(o.grace_period_sec);
  plan.num_warmups = o.num_warmups;
  plan.max_sse_event_bytes = o.max_sse_event_bytes;
  plan.max_response_bytes = o.max_response_bytes;
  plan.progress = !o.disable_tqdm;
  plan.interval = seconds_ns(o.interval_sec);
  plan.scrape_interval = std::chrono::milliseconds(std::llround(o.scrape_interval_sec * 1000.0));
  if (o.scrape_interval_sec > 0 && plan.scrape_interval.count() == 0) plan.scrape_interval = std::chrono::milliseconds(1);
  for (const auto& text : o.metrics_urls) {
    if (auto url = problems.take(net::parse_url(text, "--metrics-url"))) {
      if (url->path.empty()) url->path = "/metrics";
      plan.metrics_urls.push_back(std::move(*url));
    }
  }
  if (!o.metrics_urls.empty() && plan.scrape_interval.count() == 0) {
    problems.add("--metrics-url needs scraping on; leave out --scrape-interval 0");
  }
  if (!o.otlp_receiver.empty()) plan.otlp_receiver = problems.take(otlp::parse_receiver_address(o.otlp_receiver, "--otlp-receiver"));
  plan.otlp_grace = seconds_ns(o.otlp_grace_sec);
  plan.sim_ttft = millis_ns(o.sim_ttft_ms);
  plan.sim_itl = millis_ns(o.sim_itl_ms);
  plan.sim_preset = o.sim_preset;
  plan.sim_time_scale = o.sim_time_scale;
  if (!(o.sim_time_scale > 0) || !std::isfinite(o.sim_time_scale)) {
    problems.add("--sim-time-scale must be a number above 0, got {}", o.sim_time_scale);
  }
  resolve_sim_answers(o, plan, problems);
}

}  // namespace

namespace {

/// `text` with control characters written as \xNN, so a message never carries a line break.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out;
}

}  // namespace

core::Result<void> check_header(std::string_view name, std::string_view value, std::string_view where) {
  if (name.empty() || name.find_first_of(" \t\r\n:") != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return core::fail("{}: '{}' is not a valid header name", where, printable(name));
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return core::fail("{} {}: the value must not contain line breaks or NUL", where, name);
  }
  return {};
}

core::Result<void> check_request_path(std::string_view text, std::string_view where) {
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0' || c == ' ' || c == '\t') {
      return core::fail("{}: must not contain spaces, tabs, line breaks or NUL (they would change the request line)",
                        where);
    }
  }
  return {};
}

core::Result<void> check_ramp(const schedule::RampUp& ramp, std::string_view start_name, std::string_view end_name) {
  if (!(ramp.start_rps >= 0) || !(ramp.end_rps > 0) || ramp.start_rps > ramp.end_rps || !std::isfinite(ramp.end_rps)) {
    return core::fail("{} {} / {} {}: need 0 <= start <= end and end > 0", start_name, ramp.start_rps, end_name,
                      ramp.end_rps);
  }
  if (ramp.strategy == schedule::RampUp::Strategy::kExponential && ramp.start_rps <= 0) {
    return core::fail("{} must be > 0 with an exponential ramp", start_name);
  }
  return {};
}

core::Result<RunPlan> resolve(const BenchOptions& o) {
  RunPlan plan;
  Problems problems;
  resolve_target(o, plan, problems);
  resolve_workload(o, plan, problems);
  resolve_load(o, plan, problems);
  resolve_body(o, plan, problems);
  resolve_percentiles(o, plan.results, problems);
  resolve_outputs(o, plan.results, problems);
  resolve_engine(o, plan, problems);
  for (auto& line : resolve_vllm_compat(o.vllm, o.dataset_name, plan)) problems.add(core::Error{std::move(line)});
  for (auto& line : resolve_sharding(o.sharding, process_env(), plan)) problems.add(core::Error{std::move(line)});
  if (plan.shard && o.num_runs > 1) problems.add("--shard with --num-runs: run each repeat as its own sharded job");
  if (!problems.empty()) return problems.error();
  return plan;
}

}  // namespace llmload::config
