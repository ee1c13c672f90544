#pragma once
/// `llmload bench`: the flags as written (vLLM's names, meanings and defaults, plus llmload's
/// own), and their resolution into the immutable RunPlan (config/run_plan.hpp).

#include "llmload/config/run_plan.hpp"
#include "llmload/config/shard.hpp"
#include "llmload/config/vllm_compat.hpp"
#include "llmload/core/error.hpp"
#include "llmload/net/request_head.hpp"
#include "llmload/net/url.hpp"
#include "llmload/schedule/arrival_schedule.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

namespace llmload::config {

/// The flags of `llmload bench` exactly as given (requested settings). Strings where vLLM
/// accepts special spellings ("inf"); validated by resolve().
struct BenchOptions {
  // Target.
  std::string backend = "openai";
  std::vector<std::string> base_urls;  // --base-url, repeatable: several replicas
  std::string balance = "round-robin";  // --balance over several base URLs
  std::optional<std::string> host;  // vLLM default 127.0.0.1
  std::optional<int> port;          // vLLM default 8000
  std::string endpoint;
  std::string model;
  std::string served_model_name;
  std::string tokenizer;  // a tokenizer.json (or its folder) loads it; anything else is a name
  std::vector<std::string> headers;  // KEY=VALUE
  bool insecure = false;             // https: skip certificate verification
  std::string ca_bundle;             // https: PEM file of trusted CAs
  // Workload.
  std::string dataset_name = "random";
  std::string dataset_path;
  bool no_oversample = false, disable_shuffle = false;
  std::optional<std::int64_t> sharegpt_output_len, custom_output_len;
  std::int64_t sonnet_input_len = 550, sonnet_output_len = 150, sonnet_prefix_len = 200;
  std::int64_t prefix_repetition_prefix_len = 256, prefix_repetition_suffix_len = 256,
               prefix_repetition_num_prefixes = 10, prefix_repetition_output_len = 128;
  std::int64_t random_mm_base_items_per_request = 1;
  double random_mm_num_mm_items_range_ratio = 0.0;
  std::string random_mm_limit_mm_per_prompt = R"({"image": 255, "video": 0})";
  std::string random_mm_bucket_config = "{(256, 256, 1): 0.5, (720, 1280, 1): 0.5}";
  std::string random_mm_image_format = "jpeg";
  double trace_time_scale = 1.0;
  workload::TimedTraceOptions timed_trace;  // --timed-trace-*
  workload::HubDatasetOptions hub;          // --hf-*, --spec-bench-*, --blazedit-*
  std::int64_t num_prompts = 1000;
  std::optional<std::int64_t> input_len, output_len;
  std::int64_t random_input_len = 1024;
  std::int64_t random_output_len = 128;
  std::int64_t random_prefix_len = 0;
  double random_range_ratio = 0.0;
  std::uint64_t seed = 0;
  // Load.
  std::string request_rate = "inf";
  std::string burstiness = "1.0";
  std::optional<std::int64_t> max_concurrency;
  bool preconnect = false;  // --preconnect (not in vLLM)
  std::string ramp_up_strategy;
  std::optional<double> ramp_up_start_rps, ramp_up_end_rps;
  std::int64_t ready_check_timeout_sec = 0;  // vLLM: 0 skips the initial test request
  bool skip_initial_request = false;         // llmload: never send it (cold-cache runs)
  // Request body.
  bool ignore_eos = false;
  std::optional<double> temperature, top_p, min_p, frequency_penalty, presence_penalty,
      repetition_penalty;
  std::optional<std::int64_t> top_k, logprobs;
  std::string extra_body;
  std::string request_id_prefix;
  // Results.
  std::string percentile_metrics;
  std::string metric_percentiles = "99";
  std::vector<std::string> goodput;  // KEY:VALUE (ms)
  std::string input_tokens = "server";  // --input-tokens server|dataset
  bool save_result = false, save_detailed = false, append_result = false;
  std::string result_dir, result_filename, label;
  std::vector<std::string> metadata;  // KEY=VALUE
  bool disable_tqdm = false;
  std::string report;               // --report html,md,csv (llmload's)
  double report_interval_sec = 1;   // --report-interval
  // llmload's own.
  int threads = 0;  // 0 = one per core
  double request_timeout_sec = 6 * 3600.0;
  double connect_timeout_sec = 60.0;
  double first_byte_timeout_sec = 0;  // 0 = off
  double idle_timeout_sec = 0;        // 0 = off
  double grace_period_sec = 10.0;
  std::int64_t num_warmups = 0;
  std::size_t max_sse_event_bytes = 16 * 1024 * 1024;
  std::uint64_t max_response_bytes = std::uint64_t{256} << 20;
  double sim_ttft_ms = 50, sim_itl_ms = 20;
  std::string sim_preset;  // engine mode with this preset (empty: fixed timing)
  double sim_time_scale = 1.0;  // engine mode: simulated time runs this many times faster
  // Built-in simulator's answers mode (docs/simulator.md, "Answers").
  std::string sim_answers;                      // --sim-answers FILE ("" = off)
  double sim_answer_accuracy = 1.0;             // --sim-answer-accuracy P
  std::string sim_answer_accuracy_by_category;  // --sim-answer-accuracy-by-category CAT=P,...
  std::string sim_answer_accuracy_after;        // --sim-answer-accuracy-after TIME=P,...
  bool continuous_usage_stats = false;
  double duration_sec = 0;               // > 0: stop sending after this long (requests in turn)
  std::int32_t turns = 1;                // > 1: multi-turn conversations of this many turns
  double think_time_sec = 0;             // between an answer and the next turn
  double scrape_interval_sec = 1.0;      // the server's /metrics during the run; 0 = off
  std::vector<std::string> metrics_urls; // more Prometheus endpoints (device exporters)
  std::string otlp_receiver;             // [HOST:]PORT of the embedded OTLP trace receiver; empty: off
  double otlp_grace_sec = 5;             // wait this long after the run for the server's spans
  double interval_sec = 0;  // > 0: one console line per interval of this length
  std::string score;                // vqa|exact|contains|regex:PATTERN|choice; empty: vqa with references
  std::int64_t show_answers = 0;    // print the first N requests' prompts and answers
  // vLLM's remaining flags and --chat-content-format (config/vllm_compat.hpp).
  VllmCompatOptions vllm;
  // Early stop (0 = off).
  std::int64_t stop_on_errors = 0;      // stop after this many failed requests
  double stop_on_error_rate = 0;        // stop when this fraction failed over --over seconds
  double over_sec = 0;                  // the error rate's sliding window
  double stop_on_saturation_sec = 0;    // stop when over-saturated over this window
  std::int64_t num_runs = 1;            // repeats of the whole run (seed + i for run i)
  int metrics_port = -1;                // >= 0: serve llmload's own /metrics on 127.0.0.1 (0: any port)
  ShardOptions sharding;                // --shard, --shards, --start-at, --rendezvous (config/shard.hpp)
};

/// Registers every bench flag on `app`, bound to `options` (which must outlive parsing).
void add_bench_options(CLI::App& app, BenchOptions& options);

/// vLLM's parser accepts `--random_input_len` for `--random-input-len`; so do we. Returns
/// argv with underscores in flag names (before any '=') turned into dashes.
std::vector<std::string> normalize_flag_spelling(int argc, const char* const* argv);

/// Validates every flag and resolves defaults (vLLM's: random datasets force ignore_eos,
/// temperature is sent only when given, --input-len/--output-len map to the dataset flags). Errors name
/// the flag and say what to write instead.
/// Every problem is collected (one line each, naming the flag), not only the first.
core::Result<RunPlan> resolve(const BenchOptions& options);

}  // namespace llmload::config
