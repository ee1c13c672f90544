#include "llmload/config/bench_options.hpp"

#include "llmload/core/json_writer.hpp"
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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

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

void add_bench_options(CLI::App& app, BenchOptions& o) {
  // Target.
  app.add_option("--backend", o.backend,
                 "API flavour: openai (/v1/completions), vllm (same), openai-chat "
                 "(/v1/chat/completions)")
      ->check(CLI::IsMember({"openai", "vllm", "openai-chat"}))
      ->capture_default_str()->group("Target");
  app.add_option("--base-url", o.base_url,
                 "Server base URL, e.g. http://127.0.0.1:8000 (overrides --host/--port). "
                 "No target flag: the built-in simulator")->group("Target");
  app.add_option("--host", o.host, "Server host (default 127.0.0.1 when --port is given)")
      ->group("Target");
  app.add_option("--port", o.port, "Server port (default 8000 when --host is given)")
      ->check(CLI::Range(1, 65535))->group("Target");
  app.add_option("--endpoint", o.endpoint,
                 "Request path (default: /v1/completions, or /v1/chat/completions for openai-chat)")
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

  // Workload.
  app.add_option("--dataset-name", o.dataset_name,
                 "Dataset: random, random-mm, sharegpt, custom, image-qa, sonnet, burstgpt, "
                 "prefix_repetition, mooncake")
      ->capture_default_str()->group("Workload");
  app.add_option("--dataset-path", o.dataset_path,
                 "Dataset file (sharegpt: JSON array; custom, image-qa, mooncake: JSONL; sonnet: "
                 "text; burstgpt: CSV)")->group("Workload");
  app.add_flag("--no-oversample", o.no_oversample,
               "Refuse to run when the dataset has fewer prompts than --num-prompts (instead of "
               "repeating some)")->group("Workload");
  app.add_option("--trace-time-scale", o.trace_time_scale,
                 "mooncake: send each request at its trace timestamp times this factor (0.5 = "
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

  // Load.
  app.add_option("--request-rate", o.request_rate,
                 "Requests per second (inf: all at once)")->capture_default_str()->group("Load");
  app.add_option("--burstiness", o.burstiness,
                 "Gamma shape of inter-arrival gaps (1 = Poisson)")->capture_default_str()->group("Load");
  app.add_option("--max-concurrency", o.max_concurrency, "Most requests in flight")
      ->check(CLI::PositiveNumber)->group("Load");
  app.add_option("--ramp-up-strategy", o.ramp_up_strategy, "linear or exponential")
      ->check(CLI::IsMember({"linear", "exponential"}))->group("Load");
  app.add_option("--ramp-up-start-rps", o.ramp_up_start_rps, "Ramp-up start rate")->group("Load");
  app.add_option("--ramp-up-end-rps", o.ramp_up_end_rps, "Ramp-up end rate")->group("Load");
  app.add_option("--num-warmups", o.num_warmups, "Warm-up requests before the run (not measured)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Load");
  app.add_option("--ready-check-timeout-sec", o.ready_check_timeout_sec,
                 "How long to wait for the server to answer the first request")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("Load");

  // Request body.
  app.add_flag("--ignore-eos", o.ignore_eos, "Send ignore_eos (forced for random)")->group("Request");
  app.add_option("--temperature", o.temperature, "Sampling temperature (default 0.0)")->group("Request");
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

  // Results.
  app.add_option("--percentile-metrics", o.percentile_metrics,
                 "Comma-separated metrics to report percentiles for: ttft,tpot,itl,e2el, and "
                 "llmload's client_queue_time,e2el_including_client_queue (default ttft,tpot,itl)")->group("Results");
  app.add_option("--metric-percentiles", o.metric_percentiles,
                 "Comma-separated percentiles, e.g. 25,50,99")->capture_default_str()->group("Results");
  app.add_option("--goodput", o.goodput, "SLOs KEY:MS for ttft, tpot, e2el (space-separated)")
      ->group("Results");
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

  // llmload's own.
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
  app.add_option("--sim-ttft-ms", o.sim_ttft_ms, "Built-in simulator: time to first token")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--sim-itl-ms", o.sim_itl_ms, "Built-in simulator: gap between tokens")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_option("--sim-preset", o.sim_preset,
                 "Built-in simulator: continuous-batching engine mode with this preset "
                 "(ascend-910b-qwen, h100-qwen2-vl-7b, ...) instead of fixed timing")
      ->group("llmload");
  app.add_option("--sim-time-scale", o.sim_time_scale,
                 "Built-in simulator, engine mode: run simulated time this many times faster")
      ->check(CLI::PositiveNumber)->capture_default_str()->group("llmload");
  app.add_option("--interval", o.interval_sec,
                 "Seconds: print one line per interval (completions, rates, TTFT/ITL/E2EL "
                 "percentiles from HdrHistograms, in flight); 0 = off")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group("llmload");
  app.add_flag("--continuous-usage-stats", o.continuous_usage_stats,
               "Ask vLLM for usage in every chunk")->group("llmload");
}

core::Result<BenchPlan> resolve_bench_plan(const BenchOptions& o) {
  BenchPlan plan;

  // ---- target ----
  plan.use_simulator = o.base_url.empty() && !o.host && !o.port;
  if (!plan.use_simulator) {
    std::string url = o.base_url;
    if (url.empty()) {
      const std::string host = o.host.value_or("127.0.0.1");
      const bool v6 = host.find(':') != std::string::npos;
      url = fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", o.port.value_or(8000));
    }
    auto parsed = net::parse_url(url, o.base_url.empty() ? "--host/--port" : "--base-url");
    if (!parsed) return parsed.error();
    plan.base = *parsed;
  }
  if ((o.insecure || !o.ca_bundle.empty()) && !plan.base.tls()) {
    return core::fail("{} applies to https targets only; give an https:// --base-url",
                      o.insecure ? "--insecure" : "--ca-bundle");
  }
  plan.insecure = o.insecure;
  plan.ca_bundle = o.ca_bundle;
  plan.backend = o.backend == "openai-chat" ? "openai-chat" : o.backend;
  plan.flavor = o.backend == "openai-chat" ? api::Flavor::kChat : api::Flavor::kCompletions;
  plan.endpoint = o.endpoint.empty() ? std::string(api::default_endpoint(plan.flavor)) : o.endpoint;
  if (!plan.endpoint.starts_with("/")) {
    return core::fail("--endpoint {}: a path must start with '/', e.g. /v1/completions", plan.endpoint);
  }
  if (plan.flavor == api::Flavor::kChat && !plan.endpoint.ends_with("chat/completions")) {
    return core::fail("--endpoint {}: the openai-chat backend needs a chat/completions path, "
                      "e.g. --endpoint /v1/chat/completions", plan.endpoint);
  }
  plan.model = o.model;
  plan.served_model_name = o.served_model_name;
  plan.tokenizer_id = o.tokenizer;
  if (!o.tokenizer.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(o.tokenizer, ec)) plan.tokenizer_path = o.tokenizer;
  }
  for (const auto& h : o.headers) {
    const auto eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::fail("--header: expected KEY=VALUE, got a value without '=' ({} bytes); "
                        "write e.g. --header X-Tenant=team-a", h.size());
    }
    const std::string name = h.substr(0, eq);
    if (name.find_first_of(" \t\r\n:") != std::string::npos) {
      return core::fail("--header: '{}' is not a valid header name", name);
    }
    if (h.find_first_of("\r\n", eq) != std::string::npos) {
      return core::fail("--header {}: the value must not contain line breaks", name);
    }
    net::set_header(plan.headers, name, std::string_view(h).substr(eq + 1));
  }
  plan.request_id_prefix = o.request_id_prefix;

  // ---- workload ----
  plan.dataset_name = o.dataset_name;
  plan.num_prompts = o.num_prompts;
  if (plan.num_prompts <= 0) return core::fail("--num-prompts must be at least 1");
  plan.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(o.duration_sec));
  if (plan.duration.count() > 0 && o.turns > 1) {
    return core::fail("--duration with --turns {}: a timed run sends single requests; use --num-prompts to bound "
                      "a multi-turn run", o.turns);
  }
  plan.turns = o.turns;
  plan.think_time = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(o.think_time_sec));
  if (plan.turns > 1) {
    if (plan.flavor != api::Flavor::kChat) {
      return core::fail("--turns {}: multi-turn conversations send their history as chat messages; "
                        "add --backend openai-chat", plan.turns);
    }
    plan.num_prompts *= plan.turns;
  } else if (o.think_time_sec > 0) {
    return core::fail("--think-time applies to multi-turn conversations; add --turns N (N > 1)");
  }
  plan.random.input_len = o.input_len.value_or(o.random_input_len);
  plan.random.output_len = o.output_len.value_or(o.random_output_len);
  plan.random.prefix_len = o.random_prefix_len;
  plan.random.range_ratio = o.random_range_ratio;
  plan.random.seed = o.seed;
  if (!(o.random_range_ratio >= 0.0 && o.random_range_ratio < 1.0)) {
    return core::fail("--random-range-ratio {}: must be in [0, 1), e.g. 0.1 for +-10%",
                      o.random_range_ratio);
  }
  if (plan.random.output_len <= 0) return core::fail("--random-output-len must be at least 1");
  {
    auto& d = plan.dataset;
    if (std::find_if(std::begin(workload::kDatasetNames), std::end(workload::kDatasetNames),
                     [&](const char* n) { return o.dataset_name == n; }) == std::end(workload::kDatasetNames)) {
      std::string names;
      for (const char* n : workload::kDatasetNames) names += (names.empty() ? "" : ", ") + std::string(n);
      return core::fail("--dataset-name {}: unknown dataset; choose from {}", o.dataset_name, names);
    }
    const bool needs_path = o.dataset_name != "random" && o.dataset_name != "random-mm" &&
                            o.dataset_name != "prefix_repetition";
    if (needs_path && o.dataset_path.empty()) {
      return core::fail("--dataset-name {} reads a file: give --dataset-path FILE", o.dataset_name);
    }
    d.name = o.dataset_name;
    d.path = o.dataset_path;
    d.num_prompts = static_cast<std::size_t>(plan.duration.count() > 0 ? std::min(plan.num_prompts, kDurationPool)
                                                                         : plan.num_prompts);
    d.seed = o.seed;
    d.no_oversample = o.no_oversample;
    d.disable_shuffle = o.disable_shuffle;
    d.chat = plan.flavor == api::Flavor::kChat;
    d.random = plan.random;
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
    auto limits = workload::parse_limit_mm_per_prompt(o.random_mm_limit_mm_per_prompt);
    if (!limits) return limits.error();
    d.random_mm.limit_mm_per_prompt = std::move(*limits);
    auto buckets = workload::parse_bucket_config(o.random_mm_bucket_config);
    if (!buckets) return buckets.error();
    d.random_mm.buckets = std::move(*buckets);
    d.random_mm.image_format = o.random_mm_image_format;
    if (!(o.trace_time_scale > 0)) return core::fail("--trace-time-scale must be positive (got {})", o.trace_time_scale);
    d.trace_time_scale = o.trace_time_scale;
    if (o.dataset_name == "random-mm" && plan.flavor != api::Flavor::kChat) {
      return core::fail("--dataset-name random-mm sends images, which only chat requests carry; add "
                        "--backend openai-chat");
    }
  }

  // ---- load ----
  const auto rate = parse_double(o.request_rate);
  if (!rate || *rate <= 0) {
    return core::fail("--request-rate {}: expected a positive number of requests per second or "
                      "'inf'", o.request_rate);
  }
  plan.arrivals.request_rate = *rate;
  const auto burst = parse_double(o.burstiness);
  if (!burst || *burst <= 0) {
    return core::fail("--burstiness {}: expected a positive number (1.0 = Poisson)", o.burstiness);
  }
  plan.arrivals.burstiness = *burst;
  plan.arrivals.seed = o.seed;
  if (!o.ramp_up_strategy.empty()) {
    if (!o.ramp_up_start_rps || !o.ramp_up_end_rps) {
      return core::fail("--ramp-up-strategy {} needs --ramp-up-start-rps and --ramp-up-end-rps",
                        o.ramp_up_strategy);
    }
    schedule::RampUp ramp;
    ramp.strategy = o.ramp_up_strategy == "exponential" ? schedule::RampUp::Strategy::kExponential
                                                        : schedule::RampUp::Strategy::kLinear;
    ramp.start_rps = *o.ramp_up_start_rps;
    ramp.end_rps = *o.ramp_up_end_rps;
    if (ramp.start_rps < 0 || ramp.end_rps <= 0 || ramp.start_rps > ramp.end_rps) {
      return core::fail("--ramp-up-start-rps {} / --ramp-up-end-rps {}: need 0 <= start <= end "
                        "and end > 0", ramp.start_rps, ramp.end_rps);
    }
    if (ramp.strategy == schedule::RampUp::Strategy::kExponential && ramp.start_rps <= 0) {
      return core::fail("--ramp-up-start-rps must be > 0 with --ramp-up-strategy exponential");
    }
    if (!std::isinf(*rate)) {
      return core::fail("--ramp-up-strategy replaces --request-rate; leave --request-rate unset");
    }
    plan.arrivals.ramp_up = ramp;
  } else if (o.ramp_up_start_rps || o.ramp_up_end_rps) {
    return core::fail("--ramp-up-start-rps/--ramp-up-end-rps need --ramp-up-strategy linear or "
                      "exponential");
  }
  plan.max_concurrency = o.max_concurrency;
  plan.ready_check_timeout = std::chrono::seconds(o.ready_check_timeout_sec);

  // ---- request body ----
  plan.body.model = o.served_model_name.empty() ? o.model : o.served_model_name;
  // vLLM forces ignore_eos for the random dataset so that every output has the asked length.
  plan.body.ignore_eos = o.ignore_eos || plan.dataset_name == "random" || plan.dataset_name == "random-mm";
  plan.body.continuous_usage_stats = o.continuous_usage_stats;
  plan.body.logprobs = o.logprobs;
  plan.body.sampling.top_p = o.top_p;
  plan.body.sampling.top_k = o.top_k;
  plan.body.sampling.min_p = o.min_p;
  plan.body.sampling.temperature = o.temperature;
  plan.body.sampling.frequency_penalty = o.frequency_penalty;
  plan.body.sampling.presence_penalty = o.presence_penalty;
  plan.body.sampling.repetition_penalty = o.repetition_penalty;
  boost::json::object extra;
  if (!o.temperature) {
    // vLLM: sampling params, then temperature 0.0 (greedy) when none was given, then the
    // user's --extra-body (a key it repeats replaces ours in place).
    extra["temperature"] = 0.0;
  }
  if (!o.extra_body.empty()) {
    auto user = api::parse_extra_body(o.extra_body);
    if (!user) return user.error();
    for (const auto& kv : *user) extra[kv.key()] = kv.value();
  }
  if (!extra.empty()) plan.body.extra_body = std::move(extra);

  // ---- results ----
  auto& r = plan.results;
  const std::string metrics = o.percentile_metrics.empty() ? "ttft,tpot,itl" : o.percentile_metrics;
  for (auto m : split(metrics, ',')) {
    if (std::find(std::begin(kMetricNames), std::end(kMetricNames), m) == std::end(kMetricNames)) {
      return core::fail("--percentile-metrics: unknown metric '{}'; choose from ttft,tpot,itl,e2el "
                        "(vLLM's) and client_queue_time,e2el_including_client_queue (llmload's)", m);
    }
    r.percentile_metrics.emplace_back(m);
  }
  for (auto p : split(o.metric_percentiles, ',')) {
    const auto v = parse_double(p);
    if (!v || *v < 0 || *v > 100) {
      return core::fail("--metric-percentiles: '{}' is not a percentile in [0, 100]; write e.g. "
                        "--metric-percentiles 50,90,99", p);
    }
    r.percentiles.push_back(*v);
  }
  for (const auto& g : o.goodput) {
    const auto colon = g.find(':');
    const auto v = colon == std::string::npos ? std::nullopt : parse_double(g.substr(colon + 1));
    if (!v || *v < 0 || std::isinf(*v)) {
      return core::fail("--goodput {}: expected KEY:MILLISECONDS, e.g. --goodput ttft:500 tpot:50", g);
    }
    const std::string key = g.substr(0, colon);
    if (key == "ttft") r.goodput_ttft_ms = *v;
    else if (key == "tpot") r.goodput_tpot_ms = *v;
    else if (key == "e2el") r.goodput_e2el_ms = *v;
    else return core::fail("--goodput {}: unknown metric '{}'; choose from ttft, tpot, e2el", g, key);
  }
  r.save_result = o.save_result || o.append_result;
  r.save_detailed = o.save_detailed;
  for (std::size_t start = 0; start < o.report.size();) {
    const auto comma = std::min(o.report.find(',', start), o.report.size());
    const std::string format = o.report.substr(start, comma - start);
    if (format != "html" && format != "md" && format != "csv") {
      return core::fail("--report {}: unknown format '{}'; choose from html, md, csv (comma-separated)",
                        o.report, format);
    }
    if (std::find(r.report_formats.begin(), r.report_formats.end(), format) == r.report_formats.end()) {
      r.report_formats.push_back(format);
    }
    start = comma + 1;
  }
  if (!(o.report_interval_sec > 0)) {
    return core::fail("--report-interval {}: expected a positive number of seconds", o.report_interval_sec);
  }
  r.report_interval_s = o.report_interval_sec;
  r.append_result = o.append_result;
  r.result_dir = o.result_dir;
  r.result_filename = o.result_filename;
  if (!o.label.empty()) r.label = o.label;
  for (const auto& m : o.metadata) {
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::fail("--metadata {}: expected KEY=VALUE, e.g. --metadata gpu=H200", m);
    }
    r.metadata.emplace_back(m.substr(0, eq), m.substr(eq + 1));
  }

  // ---- engine ----
  plan.threads = o.threads > 0 ? o.threads
                               : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  plan.request_timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(o.request_timeout_sec));
  auto seconds = [](double s) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
  };
  plan.connect_timeout = seconds(o.connect_timeout_sec);
  plan.first_byte_timeout = seconds(o.first_byte_timeout_sec);
  plan.idle_timeout = seconds(o.idle_timeout_sec);
  plan.grace_period = seconds(o.grace_period_sec);
  plan.num_warmups = o.num_warmups;
  plan.max_sse_event_bytes = o.max_sse_event_bytes;
  plan.progress = !o.disable_tqdm;
  plan.sim_ttft = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double, std::milli>(o.sim_ttft_ms));
  plan.sim_preset = o.sim_preset;
  plan.scrape_interval = std::chrono::milliseconds(std::llround(o.scrape_interval_sec * 1000.0));
  if (o.scrape_interval_sec > 0 && plan.scrape_interval.count() == 0) plan.scrape_interval = std::chrono::milliseconds(1);
  for (const auto& text : o.metrics_urls) {
    auto url = net::parse_url(text, "--metrics-url");
    if (!url) return url.error();
    if (url->path.empty()) url->path = "/metrics";
    plan.metrics_urls.push_back(std::move(*url));
  }
  if (!plan.metrics_urls.empty() && plan.scrape_interval.count() == 0) {
    return core::fail("--metrics-url needs scraping on; leave out --scrape-interval 0");
  }
  if (!o.sim_preset.empty() && !plan.use_simulator) {
    return core::fail("--sim-preset {} applies to the built-in simulator; leave out --base-url/--host/--port",
                      o.sim_preset);
  }
  plan.sim_itl = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double, std::milli>(o.sim_itl_ms));
  plan.sim_time_scale = o.sim_time_scale;
  if (!(o.sim_time_scale > 0) || !std::isfinite(o.sim_time_scale)) {
    return core::fail("--sim-time-scale must be a number above 0, got {}", o.sim_time_scale);
  }
  plan.interval = seconds(o.interval_sec);
  return plan;
}

std::string plan_to_json(const BenchPlan& plan) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("target").value(plan.use_simulator ? std::string("built-in simulator") : plan.base.to_string());
  w.key("endpoint").value(plan.endpoint);
  w.key("backend").value(plan.backend);
  w.key("model").value(plan.model);
  w.key("dataset_name").value(plan.dataset_name);
  w.key("dataset_path").value(plan.dataset.path);
  w.key("tokenizer").value(plan.tokenizer_id);
  w.key("tokenizer_loaded").value(!plan.tokenizer_path.empty());
  w.key("num_prompts").value(plan.num_prompts);
  if (plan.duration.count() > 0) w.key("duration_s").value(core::ns_to_s(plan.duration.count()));
  if (plan.turns > 1) {
    w.key("turns").value(plan.turns);
    w.key("conversations").value(plan.num_prompts / plan.turns);
    w.key("think_time_s").value(core::ns_to_s(plan.think_time.count()));
  }
  w.key("random_input_len").value(plan.random.input_len);
  w.key("random_output_len").value(plan.random.output_len);
  w.key("random_prefix_len").value(plan.random.prefix_len);
  w.key("random_range_ratio").value(plan.random.range_ratio);
  w.key("seed").value(static_cast<std::int64_t>(plan.random.seed));
  w.key("no_oversample").value(plan.dataset.no_oversample);
  if (plan.dataset_name == "random-mm") w.key("random_mm_image_format").value(plan.dataset.random_mm.image_format);
  if (plan.dataset_name == "mooncake") w.key("trace_time_scale").value(plan.dataset.trace_time_scale);
  if (std::isinf(plan.arrivals.request_rate)) w.key("request_rate").value(std::string("inf"));
  else w.key("request_rate").value(plan.arrivals.request_rate);
  if (std::isinf(plan.arrivals.burstiness)) w.key("burstiness").value(std::string("inf"));
  else w.key("burstiness").value(plan.arrivals.burstiness);
  w.key("max_concurrency");
  if (plan.max_concurrency) w.value(*plan.max_concurrency); else w.null();
  w.key("ignore_eos").value(plan.body.ignore_eos);
  if (plan.base.tls()) {
    w.key("tls_verify").value(!plan.insecure);
    w.key("ca_bundle").value(plan.ca_bundle);
  }
  w.key("header_names").begin_array();
  for (const auto& [name, value] : plan.headers) w.value(name);  // never values
  w.end_array();
  w.key("threads").value(static_cast<std::int64_t>(plan.threads));
  w.key("request_timeout_s").value(std::chrono::duration<double>(plan.request_timeout).count());
  auto secs = [](std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); };
  w.key("connect_timeout_s").value(secs(plan.connect_timeout));
  w.key("first_byte_timeout_s").value(secs(plan.first_byte_timeout));
  w.key("idle_timeout_s").value(secs(plan.idle_timeout));
  w.key("num_warmups").value(plan.num_warmups);
  w.key("max_sse_event_bytes").value(static_cast<std::int64_t>(plan.max_sse_event_bytes));
  if (plan.use_simulator) {
    w.key("sim_ttft_ms").value(std::chrono::duration<double, std::milli>(plan.sim_ttft).count());
    w.key("sim_itl_ms").value(std::chrono::duration<double, std::milli>(plan.sim_itl).count());
    if (!plan.sim_preset.empty()) w.key("sim_preset").value(plan.sim_preset);
    if (plan.sim_time_scale != 1.0) w.key("sim_time_scale").value(plan.sim_time_scale);
  }
  w.end_object();
  return out;
}

std::string describe_plan(const BenchPlan& plan) {
  std::string out;
  const auto rate = std::isinf(plan.arrivals.request_rate)
                        ? std::string("inf")
                        : core::python_float_str(plan.arrivals.request_rate);
  out += fmt::format("Traffic request rate: {}\n", rate);
  if (plan.arrivals.ramp_up) {
    out += fmt::format("Ramp-up: {} from {} to {} RPS\n",
                       plan.arrivals.ramp_up->strategy == schedule::RampUp::Strategy::kLinear
                           ? "linear" : "exponential",
                       plan.arrivals.ramp_up->start_rps, plan.arrivals.ramp_up->end_rps);
  }
  out += fmt::format("Burstiness factor: {} ({})\n", core::python_float_str(plan.arrivals.burstiness),
                     plan.arrivals.burstiness == 1.0 ? "Poisson process" : "Gamma distribution");
  out += fmt::format("Maximum request concurrency: {}\n",
                     plan.max_concurrency ? std::to_string(*plan.max_concurrency) : "None");
  if (plan.turns > 1) {
    out += fmt::format("Multi-turn: {} conversations of {} turns, think time {} s (the rate applies "
                       "to conversation starts)\n", plan.num_prompts / plan.turns, plan.turns,
                       core::python_float_str(core::ns_to_s(plan.think_time.count())));
  }
  return out;
}

}  // namespace llmload::config
