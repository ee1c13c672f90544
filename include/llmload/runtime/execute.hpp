#pragma once
/// One run, from a const plan to its result: the workload is loaded before the target is
/// touched (bad input must not cost a request), prepared against the target (server token
/// counts, the schedule, resource checks), then executed as named phases — initial test run,
/// warm-up, measure, drain, summarize. Knows nothing of reports, the simulator or scraping:
/// the caller resolves the target and watches through an Observer.

#include "llmload/config/run_plan.hpp"
#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/metrics/server_series.hpp"
#include "llmload/runtime/probe_loop.hpp"
#include "llmload/runtime/runner.hpp"
#include "llmload/runtime/sharding.hpp"
#include "llmload/workload/request_spec.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::runtime {

/// What is known of the target only at run time, kept apart from the plan (which never
/// changes after resolve): the address (the built-in simulator's is known once it listens),
/// the model from /v1/models, the Authorization header from OPENAI_API_KEY.
struct ResolvedTarget {
  Target target;              ///< base URL, resolved endpoints, TLS context
  std::string model;          ///< the plan's model, or the server's first model
  std::string body_model;     ///< the body's "model": --served-model-name, else `model`
  net::HeaderList headers;    ///< the plan's headers plus Authorization (values secret)
  bool simulator = false;     ///< the built-in simulator in this process
  /// Several replicas (RunPlan::replicas), each resolved with its own endpoints; `target` is
  /// the first. Empty with one target.
  std::vector<Target> replicas;

  /// Every target requests go to: the replicas, else `target` alone.
  std::vector<Target> all() const { return replicas.empty() ? std::vector<Target>{target} : replicas; }
};

/// Watches a run. Called on the thread that called execute(), never on a worker.
class Observer {
 public:
  virtual ~Observer() = default;
  /// A line of the run's story on standard output (vLLM's phase lines, notes).
  virtual void say(std::string_view line) = 0;
  /// A line on standard error (a resource change, a warning).
  virtual void warn(std::string_view line) = 0;
  /// Progress of the measured run, every half second and once at the end.
  virtual void progress(const ProgressSnapshot& snapshot) = 0;
  /// Interval reports of the measured run, of interval_length() each; none when it is 0.
  virtual std::chrono::nanoseconds interval_length() const = 0;
  virtual void interval(const IntervalReport& report) = 0;
  /// The measured run starts (true) or ended (false): e.g. a scraper follows it.
  virtual void measuring(bool started) = 0;
};

/// The workload as built from the plan alone, before the target is known.
struct LoadedWorkload {
  std::vector<workload::RequestSpec> specs;
  std::vector<core::Nanos> trace_offsets;  ///< a trace's own send times; empty otherwise
  std::optional<tokenizer::Tokenizer> tokenizer;
  bool count_on_server = false;  ///< random prompts made exact by the server's /tokenize
  std::vector<std::string> notes;
};

/// The workload ready to send: every spec and its scheduled offset.
struct Workload {
  std::vector<workload::RequestSpec> specs;
  std::vector<core::Nanos> offsets;  ///< one per request (more than specs with --duration)
  std::int64_t requests = 0;         ///< requests planned
  std::optional<tokenizer::Tokenizer> tokenizer;
  std::vector<std::string> notes;    ///< said once the target is announced
  /// How answers are scored: the plan's --score, else vqa when the dataset has references.
  std::optional<workload::ScoreSpec> score;
  bool keep_text = false;            ///< texts are kept (scoring, --show-answers, --save-detailed)
  /// The traceparent of each request (one per send offset) and of the initial test run and
  /// warm-up requests (their own ids, so their server spans join no measured request); drawn
  /// from the run's seed (api::make_trace_parents with streams kTraceStream, kWarmupTraceStream).
  std::vector<api::TraceParent> trace_parents;
  std::vector<api::TraceParent> warmup_trace_parents;
  /// A sharded run (--shard): each kept request's send position in the whole plan (request
  /// i of this shard is request global_index[i] of the plan); empty otherwise.
  std::vector<std::uint32_t> global_index;
};

/// One closed interval of the measured run as the result keeps it: the counts, and the four
/// latency histograms in HdrHistogram's compressed base64 (as .hlog files hold them: a few
/// hundred bytes each), so that a long soak's series stays small.
struct IntervalFigures {
  std::int64_t index = 0;
  core::Nanos start_ns = 0, end_ns = 0;  ///< offsets from the benchmark start
  std::int64_t in_flight = 0, completed = 0, failed = 0, output_tokens = 0;
  std::int64_t arrived_tokens = 0;  ///< output tokens by chunk arrival (IntervalRecorder)
  std::int64_t checked = 0, degenerate = 0;  ///< answers checked, degenerate among them
  bool last = false;
  std::array<std::string, 4> histograms;  ///< TTFT, TPOT, ITL, E2EL in µs (kIntervalMetrics)

  static IntervalFigures of(const IntervalReport& report);
};

/// The intervals' counts as the summary keeps them (RunSummary::per_interval).
std::vector<metrics::IntervalTotals> interval_totals(const std::vector<IntervalFigures>& intervals);

/// The metric names of IntervalFigures::histograms, in order.
inline constexpr std::array<std::string_view, 4> kIntervalMetrics{"ttft", "tpot", "itl", "e2el"};

/// The seed streams of the measured requests' and the warm-up requests' trace ids.
inline constexpr std::string_view kTraceStream = "traceparent";
inline constexpr std::string_view kWarmupTraceStream = "traceparent-warmup";

/// Everything a run measured; what the console table, the result file, the reports and the
/// SLO checks read. Plain value.
struct RunResult {
  RunOutput output;               ///< per-request records (unsent ones removed) and the window
  metrics::RunSummary summary;    ///< vLLM's figures and llmload's extensions
  std::int64_t planned_requests = 0;
  std::string date;               ///< local "%Y%m%d-%H%M%S" when the run ended (vLLM's)
  /// The measured run's intervals of the Observer's interval_length() (none when it is 0).
  std::vector<IntervalFigures> intervals;
  core::Nanos interval_ns = 0;
  /// The server's /metrics over the run, set by whoever scraped it (the caller's Observer:
  /// runtime/ does not scrape); empty when nothing was scraped.
  std::optional<metrics::ScrapeSeries> scraped;
  std::optional<metrics::ServerMetricsSummary> server_metrics;
  /// How the measured run started: the common start of a sharded run (--start-at,
  /// --rendezvous); how is "local" without one.
  StartTiming start;
  /// What vLLM's probe requests measured (--probe-request-rate); unset without them.
  std::optional<ProbeOutcome> probes;

  /// The encoded histograms of `metric` (kIntervalMetrics), one per full interval: a last
  /// interval shorter than half the length is left out (too few samples to compare).
  std::vector<std::string> interval_histograms(std::string_view metric) const;
};

/// Phase 1: the tokenizer and the dataset, from the plan alone. Errors are usage errors.
core::Result<LoadedWorkload> load_workload(const config::RunPlan& plan);

/// Phase 2: server token counts (random prompts without a tokenizer), conversations, the
/// arrival schedule, and the checks that the run fits (ports, open files). Errors are usage
/// errors (a schedule that cannot be built, a run that does not fit), or an interruption
/// (a stop signal while counting: `interrupted` is set).
struct PrepareError {
  std::string message;
  bool interrupted = false;
};
boost::system::result<Workload, PrepareError> prepare_workload(const config::RunPlan& plan,
                                                               const ResolvedTarget& target, LoadedWorkload loaded,
                                                               Observer& observer);

/// Why execute() ended without a result.
struct ExecuteError {
  std::string message;
  bool interrupted = false;  ///< Ctrl-C before the measured run began
  bool usage = false;        ///< the shards did not meet (a rendezvous timeout, another plan)
};

/// Phase 3: initial test run, warm-up, measure, drain, summarize. With a StopSignals installed
/// by the caller, SIGINT/SIGTERM stop the measured run gracefully (a second cancels the
/// requests in flight); before it, they end the run with an error. Failed requests are
/// results, never errors.
boost::system::result<RunResult, ExecuteError> execute(const config::RunPlan& plan, const ResolvedTarget& target,
                                                       const Workload& workload, Observer& observer);

/// vLLM's --profile: "Stopping profiler..." and POST /stop_profile (call after the table, as
/// vLLM does; execute() started the profiler). Nothing without --profile.
void stop_profile(const config::RunPlan& plan, const ResolvedTarget& target, Observer& observer);

/// For a failed text-only chat request answered with HTTP 4xx/5xx while content is sent as
/// vLLM's array of parts: a clause suggesting --chat-content-format string (some servers take
/// only string content); "" otherwise.
std::string chat_content_hint(const config::RunPlan& plan, const workload::RequestSpec& spec,
                              const metrics::RequestRecord& record);

/// The engine settings of the plan (threads, timeouts, concurrency, grace period).
RunnerOptions runner_options(const config::RunPlan& plan);

/// The body, headers and request-id settings every request of the plan carries.
RequestTemplate request_template(const config::RunPlan& plan, const ResolvedTarget& target);

}  // namespace llmload::runtime
