#pragma once
/// YAML load profiles (`llmload validate PROFILE.yaml`, later `llmload run`): the profile as
/// written, parsed into plain structs; every problem found at once, each with file:line:column
/// and what to write instead; `--set path=value` overrides; sweeps expanded into points.
/// The only user of yaml-cpp in the project.

#include "llmload/config/stop_when.hpp"
#include "llmload/core/error.hpp"
#include "llmload/sim/disruption.hpp"
#include "llmload/workload/dataset_options.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmload::config {

/// Where requests go. Without `base_url` the built-in simulator is the target.
struct ProfileTarget {
  std::optional<std::string> base_url;
  /// Several replicas without a router (bench's repeated --base-url): instead of base_url.
  std::vector<std::string> base_urls;
  std::string balance = "round-robin";  ///< round-robin | least-in-flight, over base_urls
  std::string backend = "openai";  ///< openai | vllm | openai-chat (vLLM's names)
  std::string endpoint;            ///< empty: the backend's default path
  std::string model;               ///< empty: the server's first model
  std::string served_model_name;
  std::vector<std::pair<std::string, std::string>> headers;  ///< values may be secret
  bool insecure = false;
  std::string ca_bundle;
  /// Without base_url: run the built-in simulator as the continuous-batching engine with this
  /// preset (e.g. ascend-910b-qwen); empty: its fixed-timing mode.
  std::string sim_preset;
  /// With sim_preset: simulated time runs this many times faster (latencies shrink by it too).
  double sim_time_scale = 1.0;
  /// The built-in simulator's answers mode (bench's --sim-answers and companions): the file
  /// (resolved against the profile's folder), P, "CAT=P,..." and "TIME=P,...".
  std::string sim_answers;
  double sim_answer_accuracy = 1.0;
  std::string sim_answer_accuracy_by_category, sim_answer_accuracy_after;
  /// How long a target that is still starting may take to answer the first request.
  std::chrono::nanoseconds ready_check_timeout = std::chrono::minutes(10);
  /// bench --metrics-url (a string or a list): more Prometheus endpoints scraped beside the
  /// target's /metrics (device exporters).
  std::vector<std::string> metrics_urls;
  /// bench --scrape-interval (0 keeps off /metrics), --request-timeout, --connect-timeout;
  /// unset: bench's defaults.
  std::optional<std::chrono::nanoseconds> scrape_interval, request_timeout, connect_timeout;
  /// "[HOST:]PORT": receive the server's OpenTelemetry traces there (--otlp-receiver); empty: off.
  std::string otlp_receiver;
};

/// What is sent (vLLM's dataset options).
struct ProfileWorkload {
  std::string dataset = "random";  ///< a name of workload::kDatasets
  std::string dataset_path;        ///< resolved against the profile file's folder
  std::string tokenizer;
  std::int64_t input_len = 1024, output_len = 128, prefix_len = 0;
  bool input_len_given = false, output_len_given = false;  ///< written in the profile
  double range_ratio = 0;
  std::uint64_t seed = 0;
  std::int64_t images_per_request = 1;  ///< random-mm: images in each request
  std::string image_sizes;              ///< random-mm: vLLM's bucket config; empty: its default
  /// Multi-turn conversations (bench --turns, --think-time): turns per conversation (1:
  /// single requests); with more, a stage's `requests` counts conversations.
  std::int32_t turns = 1;
  std::chrono::nanoseconds think_time{};
  double trace_time_scale = 1.0;  ///< mooncake: bench --trace-time-scale
  /// prefix_repetition: distinct shared prefixes and the unique suffix after each (its prefix
  /// is `prefix_len`, its output `output_len`); unset: bench's defaults (10 and 256).
  std::optional<std::int64_t> num_prefixes, suffix_len;
  bool prefix_len_given = false;
  std::string score;  ///< bench --score: vqa, exact, contains, regex:PATTERN, choice ("" = default)
  workload::TimedTraceOptions timed_trace;  ///< timed_trace: `trace_format` (bench --timed-trace-*)
  workload::HubDatasetOptions hub;          ///< hf_name, hf_split, hf_subset, spec_bench_category, blazedit_*
};

/// Request body fields (unset ones are left out of the body).
struct ProfileRequest {
  std::optional<double> temperature, top_p, min_p, frequency_penalty, presence_penalty,
      repetition_penalty;
  std::optional<std::int64_t> top_k, max_tokens;
  std::optional<bool> ignore_eos;
  std::string extra_body_json;  ///< a JSON object text, or empty
  std::string request_id_prefix;  ///< bench --request-id-prefix ("" = bench's default)
  /// bench --probe-request-rate: vLLM's probe requests per second beside the measured run
  /// (0..1000; unset: none).
  std::optional<double> probe_request_rate;
};

/// A disruption during a stage, `at` after the measured run's start: a shell command
/// `{at: 120s, run: "kubectl delete pod vllm-1"}`, or, against the built-in simulator, a
/// simulated one `{at: 10s, sim: pause, for: 5s}` (sim::SimDisruption: pause, fail with an
/// optional `rate: 30%`, restart); exactly one of `run` and `sim`.
struct ProfileEvent {
  std::chrono::nanoseconds at{};
  std::string run;
  /// The simulated disruption (`sim`, `for`, `rate`), when `run` is empty.
  std::optional<sim::SimDisruption> sim;
};

/// One load stage: open loop at `rate` (optionally ramping), or closed loop at `concurrency`;
/// it ends after `requests` or `duration`.
struct ProfileStage {
  std::string name;
  std::optional<double> rate;           ///< requests/s; +inf = all at once
  double burstiness = 1.0;
  std::optional<std::int64_t> concurrency;  ///< closed loop, or the cap of an open loop
  std::optional<std::int64_t> requests;
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<double> ramp_from, ramp_to;  ///< requests/s; with rate unset
  std::string ramp_strategy = "linear";
  bool warmup = false;  ///< run but excluded from the results and SLOs (warm-up or cool-down)
  bool cooldown = false;  ///< written `cooldown: true`: excluded like a warm-up, named as such
  /// `stop_when: {errors: N, error_rate: 50%, over: 30s, saturation: 60s}`: early stop.
  StopWhen stop_when;
  /// `repeat: N`, `repeat_seed: same|different`: run the stage N times (else the profile's).
  std::optional<std::int64_t> repeat;
  std::optional<bool> repeat_same_seed;
  std::vector<ProfileEvent> events;  ///< `events:` (disruption and recovery)
};

/// A sweep axis: a profile path (as for --set) and the values it takes, as YAML scalars.
/// A value written `{name: NAME, value: V}` or a mapping with a `name:` key (a scenario) is
/// named NAME; other values are named from the template (see sweep_point_names).
struct SweepAxis {
  std::string path;
  std::vector<std::string> values;
  std::vector<std::string> names;  ///< parallel to values; "" where none was written
};

/// A service-level objective checked after the run (exit code 1 when one fails).
struct ProfileSlo {
  std::string metric;                ///< ttft, tpot, itl, e2el, error_rate, request_throughput, output_throughput, goodput, accuracy, recovery_time
  std::string stat;                  ///< mean, median, pNN (latency metrics only)
  std::optional<double> max, min;    ///< ms for latencies, fraction for error_rate, /s for throughputs, [0, 1] for accuracy
  /// fraction: late-interval vs early-interval change (soak); for accuracy its relative drop
  std::optional<double> max_drift;
  /// goodput only: vLLM's --goodput per-request thresholds in ms (a request is "good" when it
  /// meets every one that is set).
  std::optional<double> good_ttft_ms, good_tpot_ms, good_e2el_ms;
  /// On a repeated stage: "" checks every run; mean, ci_lower or ci_upper checks that figure
  /// of the runs' aggregate (the bounds of the 95% confidence interval of the mean).
  std::string on;
};

/// Capacity search: the highest rate (or concurrency) of one stage meeting every SLO, found by
/// checking both ends of [from, to] and bisecting between a passing and a failing value.
struct ProfileSearch {
  std::string over = "rate";       ///< rate | concurrency
  double from = 0, to = 0;         ///< requests/s, or streams
  std::int64_t max_runs = 8;       ///< runs in all, ends included
  double tolerance = 0.05;         ///< stop when (fail − pass) / pass <= this
  std::size_t stage = 0;           ///< index of the stage whose rate or concurrency is searched
};

/// Where and how results are written.
struct ProfileOutputs {
  std::string dir = "results";
  std::vector<std::string> formats{"json"};
  std::chrono::nanoseconds interval = std::chrono::seconds(10);
  bool save_detailed = false;     ///< bench --save-detailed: per-request arrays and texts
  std::int64_t show_answers = 0;  ///< bench --show-answers N
  /// bench --metrics-port: llmload's own /metrics on 127.0.0.1 while the profile runs.
  std::optional<std::uint16_t> metrics_port;
};

/// `shards:` (llmload extension): every stage run as one shard of N (bench's --shard and its
/// companions, docs/scale-out.md). `shards: auto`, `shards: "R/N"`, or a mapping
/// `{shard: auto|"R/N", rank: R, size: N, rendezvous: DIR, start_at: TIME, rendezvous_timeout: 120s}`.
struct ProfileShards {
  std::string shard = "auto";  ///< auto | "R/N" (bench --shard)
  std::int64_t size = 0;       ///< with auto: bench --shards (a Kubernetes index's size); 0: the launcher's
  /// A folder every shard shares; each run (stage, repeat, sweep point) meets in its own
  /// subfolder named after the run's result file (e.g. DIR/01-02-steady).
  std::string rendezvous;
  std::string start_at;  ///< RFC 3339 or Unix seconds; only for a profile of one run
  std::chrono::nanoseconds rendezvous_timeout = std::chrono::seconds(120);
  std::string where;  ///< "file:line:column" of the key, for the messages of run time
};

/// A parsed, validated profile. Plain value.
struct Profile {
  std::string source;  ///< the file it came from
  ProfileTarget target;
  ProfileWorkload workload;
  ProfileRequest request;
  std::vector<ProfileStage> stages;
  /// load.preconnect: open the connections each stage will need before its clock starts.
  bool preconnect = false;
  std::vector<SweepAxis> sweep;
  std::vector<ProfileSlo> slos;
  ProfileOutputs outputs;
  std::optional<ProfileSearch> search;
  /// Latency SLOs are checked even when the client's self-check found it saturated (by
  /// default they fail then: the figures describe the client, not the server).
  bool allow_saturated_client = false;
  /// `repeat: N` (every stage N times, aggregated) and `repeat_seed: same|different`.
  std::int64_t repeat = 1;
  bool repeat_same_seed = false;
  /// load.initial_request (default true): false skips the test request before each stage's
  /// load (bench --skip-initial-request), for cold-cache measurements.
  bool initial_request = true;
  /// load.threads: the client's worker threads (bench --threads); unset: one per core.
  std::optional<std::int64_t> threads;
  /// `shards:`: every run is one shard of a sharded run (unset: not sharded).
  std::optional<ProfileShards> shards;
};

/// One problem: where (line and column 1-based; 0 when it came from a --set override) and a
/// sentence saying what is wrong and what to write instead.
struct ProfileProblem {
  std::string file;
  int line = 0, column = 0;
  std::string message;
};

/// Formats problems one per line, "file:line:column: message" ("--set: message" for
/// overrides), in file order.
std::string format_problems(const std::vector<ProfileProblem>& problems);

/// Reads, overrides and validates a profile. `overrides` are "path=value" strings (e.g.
/// "load.stages.0.rate=8/s", "request.temperature=0.7"); a path creates the keys it names.
/// Returns the profile, or every problem found (never only the first).
struct ProfileLoad {
  std::optional<Profile> profile;
  std::vector<ProfileProblem> problems;
};
ProfileLoad load_profile(const std::string& path, const std::vector<std::string>& overrides = {});

/// The same from YAML text (`name` is used in messages). For tests and embedded profiles.
ProfileLoad parse_profile(const std::string& yaml, const std::string& name,
                          const std::vector<std::string>& overrides = {});

/// The sweep's points: the cartesian product of its axes in the order written, each point a
/// list of "path=value" overrides (one empty point when there is no sweep).
std::vector<std::vector<std::string>> sweep_points(const Profile& profile);

/// The name of each point of sweep_points (same order): the points' written names joined by
/// ", ", else a template from the swept values: "rate=2/s", "temperature=0.7", "workload 3"
/// for an unnamed mapping. Empty names when there is no sweep.
std::vector<std::string> sweep_point_names(const Profile& profile);

/// The file-name form of a run or stage name: letters and digits lowercased, every other
/// character '-' ("rate=2/s" → "rate-2-s").
std::string name_slug(const std::string& name);

/// A sentence saying why `name` cannot name a run ("" when it can): 1-64 bytes, letters,
/// digits, UTF-8 text, spaces and . _ - = / , + ( ) % :, at least one letter or digit.
std::string check_run_name(const std::string& name);

/// A short human-readable summary of the effective profile (no header values).
std::string describe_profile(const Profile& profile);

}  // namespace llmload::config
