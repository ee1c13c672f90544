#pragma once
/// The resolved, immutable plan of one run: what `llmload bench` flags or one stage of a
/// profile ask for, with every default applied and every value checked. Printed before the run
/// and saved with the result (llmload.plan), so every result file says exactly what ran.

#include "llmload/api/request_builder.hpp"
#include "llmload/config/balance.hpp"
#include "llmload/config/shard.hpp"
#include "llmload/config/stop_when.hpp"
#include "llmload/core/error.hpp"
#include "llmload/net/request_head.hpp"
#include "llmload/net/url.hpp"
#include "llmload/otlp/address.hpp"
#include "llmload/schedule/arrival_schedule.hpp"
#include "llmload/workload/answer_score.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::config {

/// Distinct prompts a --duration run holds at most (sent in turn beyond that).
inline constexpr std::int64_t kDurationPool = 10000;

/// Percentile and goodput settings for the summary (validated).
struct ResultSettings {
  std::vector<std::string> percentile_metrics;  ///< subset of ttft, tpot, itl, e2el, in order given
  std::vector<double> percentiles;              ///< e.g. {99}
  std::optional<double> goodput_ttft_ms, goodput_tpot_ms, goodput_e2el_ms;
  bool input_tokens_from_dataset = false;  ///< --input-tokens dataset (metrics::SummaryOptions)
  bool save_result = false, save_detailed = false, append_result = false;
  std::string result_dir, result_filename;
  std::optional<std::string> label;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::string> report_formats;  ///< --report: subset of html, md, csv
  double report_interval_s = 1;             ///< --report-interval (over-time charts, CSV)
};

/// vLLM flags with a meaning beyond BenchOptions' own (config/vllm_compat.hpp).
struct VllmSettings {
  bool skip_tokenizer_init = false;  ///< vLLM's table without a tokenizer (no token rows)
  bool profile = false;              ///< POST /start_profile and /stop_profile around the run
  std::vector<std::string> lora_modules;  ///< each request's model is one of these
  bool lora_round_robin = false;          ///< else random (seeded by --seed)
  std::vector<double> timeline_itl_thresholds_ms{25, 50};  ///< recorded (vLLM's timeline colours)
  bool self_timed = true;  ///< trace datasets: at the trace's times (false: by --request-rate)
  /// --probe-request-rate: probes per second beside the measured run (0: none; at most 1000)
  double probe_request_rate = 0;
  /// vLLM flags given that have no effect here, each "--flag: why" (said once, recorded).
  std::vector<std::string> without_effect;
};

/// The resolved plan of one run (effective settings): from `llmload bench` flags
/// (config::resolve) or from one stage of a profile (config::resolve_stage). Built once and
/// never modified afterwards: what is discovered at run time (the simulator's address, the
/// model from /v1/models, the Authorization header) goes into runtime::ResolvedTarget.
struct RunPlan {
  bool use_simulator = false;        ///< no target flag: benchmark the built-in simulator
  net::Url base;                     ///< target (unset with use_simulator: see ResolvedTarget)
  /// Every target when --base-url is repeated (replicas without a router): `base` is the first;
  /// empty with one target or the simulator.
  std::vector<net::Url> replicas;
  Balance balance = Balance::kRoundRobin;  ///< how requests spread over `replicas`
  std::string endpoint;              ///< e.g. /v1/completions
  std::string backend;               ///< "openai" or "openai-chat" (as written in results)
  api::Flavor flavor = api::Flavor::kCompletions;
  std::string model;                 ///< as given; empty: the server's first model (ResolvedTarget)
  std::string served_model_name;     ///< empty: same as model
  std::string tokenizer_id;          ///< --tokenizer as given (recorded in results)
  /// --tokenizer when it names an existing file or folder: loaded before the dataset is built.
  /// Empty when --tokenizer is a name (e.g. a Hugging Face model id), which is only recorded.
  std::string tokenizer_path;
  std::string dataset_name;
  std::int64_t num_prompts = 0;
  workload::DatasetOptions dataset;       ///< every dataset flag, validated
  schedule::ArrivalOptions arrivals;
  std::optional<std::int64_t> max_concurrency;
  /// --preconnect (profiles: load.preconnect): open the connections the run will need before
  /// its clock starts, so TTFT holds no connect (off: vLLM's definition, connecting in TTFT).
  bool preconnect = false;
  api::BodyOptions body;             ///< model as given (ResolvedTarget::body_model is what is sent)
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
  /// --skip-initial-request (profiles: load.initial_request: false): no test request before
  /// the load, whatever ready_check_timeout says, so the run starts cold (llmload extension).
  bool skip_initial_request = false;
  std::size_t max_sse_event_bytes = 0;
  std::uint64_t max_response_bytes = 0;  ///< body bytes read per request (response_too_large above)
  bool progress = true;
  std::chrono::nanoseconds sim_ttft{}, sim_itl{};
  std::string sim_preset;  ///< built-in simulator in engine mode with this preset; empty: exact
  /// Built-in simulator's answers mode (--sim-answers and companions, as given and checked;
  /// docs/simulator.md "Answers"): the file ("" = off), the accuracy, CAT=P,... and TIME=P,...
  std::string sim_answers;
  double sim_answer_accuracy = 1.0;
  std::string sim_answer_accuracy_by_category, sim_answer_accuracy_after;
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
  /// --otlp-receiver (profiles: target.otlp_receiver): receive the server's OpenTelemetry
  /// spans and join them to the requests; unset: off.
  std::optional<otlp::ReceiverAddress> otlp_receiver;
  /// --otlp-grace: after the last response, wait at most this long for spans (exporters
  /// batch), returning as soon as every request has one.
  std::chrono::nanoseconds otlp_grace = std::chrono::seconds(5);
  double sim_time_scale = 1.0;  ///< engine mode: simulated durations divided by this in real time
  std::chrono::nanoseconds interval{};  ///< > 0: interval reports of this length
  /// --score: how answers are scored against the dataset's references; unset: vqa when the
  /// dataset has references, else no scoring.
  std::optional<workload::ScoreSpec> score;
  std::int64_t show_answers = 0;  ///< --show-answers: prompts and answers printed after the table
  VllmSettings vllm;  ///< vLLM's flags beyond the ones above (config/vllm_compat.hpp)
  /// Early stop (--stop-on-errors, --stop-on-error-rate/--over, --stop-on-saturation; a
  /// stage's stop_when): none set by default.
  StopWhen stop_when;
  /// --metrics-port: serve llmload's own Prometheus /metrics on 127.0.0.1 during the run
  /// (0: a free port, printed); unset: not served.
  std::optional<std::uint16_t> metrics_port;
  /// --shard (config/shard.hpp): this process runs requests i with i mod size == rank of the
  /// plan; unset: the whole plan.
  std::optional<Shard> shard;
  /// --start-at / --rendezvous: when the measured run starts (default: when ready).
  CommonStart start;
};

/// A request header field from a flag or a profile (`where` names it in the message): the name
/// a token (no space, colon, CR, LF or NUL), the value without CR, LF or NUL.
core::Result<void> check_header(std::string_view name, std::string_view value, std::string_view where);

/// Text that goes into the request line or a JSON field the server routes on (an endpoint, a
/// base URL's path, a model name, a request-id prefix): no space, tab, CR, LF or NUL.
core::Result<void> check_request_path(std::string_view text, std::string_view where);

/// A ramp from start_rps to end_rps: 0 <= start <= end, end > 0 and finite, start > 0 when
/// exponential. `start_name` and `end_name` name the settings in the message.
core::Result<void> check_ramp(const schedule::RampUp& ramp, std::string_view start_name, std::string_view end_name);

/// The plan as a JSON object (saved under llmload.plan). Header values are never included,
/// only their names. `effective_model` (the model the target named) replaces an empty model;
/// `sent_headers` (the plan's plus Authorization), when given, name the headers instead.
std::string plan_to_json(const RunPlan& plan, std::string_view effective_model = {},
                         const net::HeaderList* sent_headers = nullptr);

/// A few human-readable lines describing the plan (printed before the run; no secrets).
std::string describe_plan(const RunPlan& plan);

/// One line naming the early-stop rules, e.g. "Early stop on: 50 failed requests".
std::string describe_stop_when(const StopWhen& stop_when);

}  // namespace llmload::config
