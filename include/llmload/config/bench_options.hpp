#pragma once
/// `llmload bench`: the flags as written (vLLM's names, meanings and defaults, plus llmload's
/// own), and their validation into an immutable BenchPlan that is printed and saved with the
/// results.

#include "llmload/api/request_builder.hpp"
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
/// accepts special spellings ("inf"); validated by resolve_bench_plan().
struct BenchOptions {
  // Target.
  std::string backend = "openai";
  std::string base_url;
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
  std::string ramp_up_strategy;
  std::optional<double> ramp_up_start_rps, ramp_up_end_rps;
  std::int64_t ready_check_timeout_sec = 600;
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
  double sim_ttft_ms = 50, sim_itl_ms = 20;
  std::string sim_preset;  // engine mode with this preset (empty: fixed timing)
  double sim_time_scale = 1.0;  // engine mode: simulated time runs this many times faster
  bool continuous_usage_stats = false;
  double duration_sec = 0;               // > 0: stop sending after this long (requests in turn)
  std::int32_t turns = 1;                // > 1: multi-turn conversations of this many turns
  double think_time_sec = 0;             // between an answer and the next turn
  double scrape_interval_sec = 1.0;      // the server's /metrics during the run; 0 = off
  std::vector<std::string> metrics_urls; // more Prometheus endpoints (device exporters)
  double interval_sec = 0;  // > 0: one console line per interval of this length
};

/// Distinct prompts a --duration run holds at most (sent in turn beyond that).
inline constexpr std::int64_t kDurationPool = 10000;

/// Registers every bench flag on `app`, bound to `options` (which must outlive parsing).
void add_bench_options(CLI::App& app, BenchOptions& options);

/// vLLM's parser accepts `--random_input_len` for `--random-input-len`; so do we. Returns
/// argv with underscores in flag names (before any '=') turned into dashes.
std::vector<std::string> normalize_flag_spelling(int argc, const char* const* argv);

/// Percentile and goodput settings for the summary (validated).
struct ResultSettings {
  std::vector<std::string> percentile_metrics;  ///< subset of ttft, tpot, itl, e2el, in order given
  std::vector<double> percentiles;              ///< e.g. {99}
  std::optional<double> goodput_ttft_ms, goodput_tpot_ms, goodput_e2el_ms;
  bool save_result = false, save_detailed = false, append_result = false;
  std::string result_dir, result_filename;
  std::optional<std::string> label;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::string> report_formats;  ///< --report: subset of html, md, csv
  double report_interval_s = 1;             ///< --report-interval (over-time charts, CSV)
};

/// The resolved, immutable plan of one `llmload bench` run (effective settings).
struct BenchPlan {
  bool use_simulator = false;        ///< no target flag: benchmark the built-in simulator
  net::Url base;                     ///< target (the simulator's address is filled in at start)
  std::string endpoint;              ///< e.g. /v1/completions
  std::string backend;               ///< "openai" or "openai-chat" (as written in results)
  api::Flavor flavor = api::Flavor::kCompletions;
  std::string model;                 ///< empty: ask the server's /v1/models
  std::string served_model_name;     ///< empty: same as model
  std::string tokenizer_id;          ///< --tokenizer as given (recorded in results)
  /// --tokenizer when it names an existing file or folder: loaded before the dataset is built.
  /// Empty when --tokenizer is a name (e.g. a Hugging Face model id), which is only recorded.
  std::string tokenizer_path;
  std::string dataset_name;
  std::int64_t num_prompts = 0;
  workload::RandomDatasetOptions random;  ///< also dataset.random (kept for readers of the plan)
  workload::DatasetOptions dataset;       ///< every dataset flag, validated
  schedule::ArrivalOptions arrivals;
  std::optional<std::int64_t> max_concurrency;
  api::BodyOptions body;             ///< model field set once the model is known
  net::HeaderList headers;           ///< --header fields (values may be secret: never print)
  bool insecure = false;             ///< https without certificate verification
  std::string ca_bundle;             ///< https: trusted CAs (empty: the system's)
  std::string request_id_prefix;
  ResultSettings results;
  int threads = 1;
  std::chrono::nanoseconds request_timeout{};
  std::chrono::nanoseconds connect_timeout{}, first_byte_timeout{}, idle_timeout{};  ///< 0 = off
  std::chrono::nanoseconds grace_period{};  ///< after the first Ctrl-C
  std::int64_t num_warmups = 0;             ///< vLLM's --num-warmups (excluded from results)
  std::chrono::seconds ready_check_timeout{};
  std::size_t max_sse_event_bytes = 0;
  bool progress = true;
  std::chrono::nanoseconds sim_ttft{}, sim_itl{};
  std::string sim_preset;  ///< built-in simulator in engine mode with this preset; empty: exact
  /// Multi-turn conversations: turns per conversation (1: single requests, as vLLM) and the
  /// think time before each later turn. With turns > 1, --num-prompts counts conversations
  /// and `num_prompts` here is the number of requests (conversations × turns).
  std::int32_t turns = 1;
  std::chrono::nanoseconds think_time{};
  /// --duration: stop sending this long after the start (0: no limit); num_prompts is then
  /// the most requests planned, the dataset a pool of at most kDurationPool prompts sent in
  /// turn (so a closed loop can run for a time without holding a prompt per request).
  std::chrono::nanoseconds duration{};
  /// Scrape the target's /metrics (and `metrics_urls`) this often during the run; 0 = never.
  std::chrono::milliseconds scrape_interval{};
  std::vector<net::Url> metrics_urls;  ///< --metrics-url: e.g. a DCGM or npu-exporter endpoint
  double sim_time_scale = 1.0;  ///< engine mode: simulated durations divided by this in real time
  std::chrono::nanoseconds interval{};  ///< > 0: interval reports of this length
};

/// Validates every flag and resolves defaults (vLLM's: random datasets force ignore_eos,
/// temperature defaults to 0, --input-len/--output-len map to the dataset flags). Errors name
/// the flag and say what to write instead.
core::Result<BenchPlan> resolve_bench_plan(const BenchOptions& options);

/// The plan as a JSON object (saved under llmload.plan). Header values are never included,
/// only their names.
std::string plan_to_json(const BenchPlan& plan);

/// A few human-readable lines describing the plan (printed before the run; no secrets).
std::string describe_plan(const BenchPlan& plan);

}  // namespace llmload::config
