#pragma once
/// The load engine: worker threads, each with its own io_context (share-nothing), run one
/// coroutine per request. Requests are dispatched at their precomputed scheduled times (open
/// loop), optionally gated by a global max-concurrency, and every body read is timestamped
/// when it completes, before any parsing.

#include "llmload/api/request_builder.hpp"
#include "llmload/api/trace_context.hpp"
#include "llmload/config/balance.hpp"
#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/metrics/interval_recorder.hpp"
#include "llmload/metrics/request_record.hpp"
#include "llmload/net/request_head.hpp"
#include "llmload/net/url.hpp"
#include "llmload/runtime/early_stop.hpp"
#include "llmload/runtime/interval_harvester.hpp"  // IntervalReport
#include "llmload/workload/request_spec.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace boost::asio::ssl {
class context;
}

#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace llmload::runtime {

/// Where requests go. Resolved once before the run.
struct Target {
  net::Url base;                                         ///< base URL (scheme, host, port, prefix)
  std::string path;                                      ///< request path: base.path + endpoint
  std::vector<boost::asio::ip::tcp::endpoint> endpoints; ///< resolved addresses, tried in order
  /// TLS context for https targets (null for http); shared read-only by every connection.
  std::shared_ptr<boost::asio::ssl::context> tls;
  bool tls_verify = true;  ///< check the certificate's host name or IP (off with --insecure)
};

/// What every request carries besides its RequestSpec.
struct RequestTemplate {
  api::Flavor flavor = api::Flavor::kCompletions;
  api::BodyOptions body;
  /// Extra header fields for every request (Authorization when an API key is set, --header).
  net::HeaderList headers;
  /// When non-empty, each request sends `x-request-id: <prefix><index>`: its position in the
  /// whole plan (global_index[i] in a sharded run, else its own position i).
  std::string request_id_prefix;
  /// A shard's requests' positions in the whole plan (Workload::global_index); empty otherwise.
  std::span<const std::uint32_t> global_index;
  /// Request i (its position in the run's send order) sends `traceparent: trace_parents[i]`
  /// when i < size (built before the run; the caller keeps them alive while the Runner runs),
  /// and its record keeps the trace id (RequestRecord::trace_id).
  std::span<const api::TraceParent> trace_parents;
};

/// A snapshot of a run in progress (sums over workers; relaxed reads).
struct ProgressSnapshot {
  std::int64_t total = 0;     ///< requests in the run
  std::int64_t started = 0;   ///< requests whose exchange began (passed the gate)
  std::int64_t finished = 0;  ///< requests completed, successfully or not
  std::int64_t failed = 0;    ///< requests completed with a failure
  std::int64_t chunks = 0;    ///< token chunks received so far
  core::Nanos elapsed_ns = 0; ///< since the schedule's origin
  /// 0 running; 1 stopping (no new requests, in-flight ones may finish within the grace
  /// period); 2 cancelling the requests still in flight: stop_level_number() of the run's
  /// StopLevel (stop_policy.hpp).
  int stopping = 0;
  bool duration_reached = false;  ///< the stop is RunnerOptions::duration's, not a Ctrl-C
  /// Set once an early-stop rule stopped the sending (RunnerOptions::stop_when): its sentence.
  std::string stopped_early;
};

/// The default period of every worker's event-loop probe while it has requests. 20 ms: a
/// stall of L ms still shows as a delay of at least L - 20 (any stall of 120 ms or more
/// exceeds the self-check's 100 ms maximum), at 50 wake-ups per second and worker; 5 ms cost
/// 2400 more epoll_wait and 1070 more timerfd_settime calls per 40,000 chunks at 200 streams
/// and about 1-2 µs of CPU per chunk (BENCHMARKS.md, "The self-check's probe period").
inline constexpr core::Nanos kLoopProbePeriodNs = 20'000'000;

/// Engine settings (llmload's own, beyond vLLM's flags).
struct RunnerOptions {
  int threads = 1;                                  ///< worker threads, an io_context each
  std::optional<std::int64_t> max_concurrency;     ///< global in-flight cap (vLLM --max-concurrency)
  std::chrono::nanoseconds request_timeout = std::chrono::hours(6);  ///< whole-request limit (vLLM: 6 h)
  /// Layered limits, each its own outcome; zero turns one off.
  std::chrono::nanoseconds connect_timeout{};     ///< TCP connect (per attempt)
  std::chrono::nanoseconds first_byte_timeout{};  ///< request sent → first response byte
  std::chrono::nanoseconds idle_timeout{};        ///< longest silence between response reads
  /// Stop requests (e.g. a SIGINT counter bumped by a signal handler): at 1 no new request
  /// is sent and those in flight may finish within `grace_period`; at 2, or when the grace
  /// period is over, the ones still in flight are cancelled. Polled every 20 ms. May be null.
  const std::atomic<int>* stop_signal = nullptr;
  std::chrono::nanoseconds grace_period = std::chrono::seconds(10);
  std::size_t max_sse_event_bytes = 16 * 1024 * 1024;
  std::uint64_t max_response_bytes = std::uint64_t{256} << 20;  ///< per request's body (0: none)
  bool keep_text = true;                            ///< keep generated text in the records
  /// With interval reports and keep_text: each finished request's answer is also checked
  /// (degenerate output, and scored with interval_score when set) into its interval.
  bool interval_answers = false;
  std::optional<workload::ScoreSpec> interval_score;
  /// Keep the text and where each token chunk's text ends (RequestRecord::chunk_text_end),
  /// so that a tokenizer can count the tokens of each chunk after the run.
  bool chunk_text_offsets = false;
  /// Called on the thread that called run(), every progress_interval while the run lasts and
  /// once at the end; may be empty.
  std::function<void(const ProgressSnapshot&)> on_progress;
  std::chrono::milliseconds progress_interval{500};
  /// Stop sending this long after the schedule's origin (0: no limit): requests not sent by
  /// then are dropped (RunOutput::duration_reached), those in flight finish. With more send
  /// offsets than specs, the specs are sent in turn (request i sends spec i % specs), so a
  /// closed loop can run for a duration from a bounded pool of prompts.
  std::chrono::nanoseconds duration{};
  /// Interval reports: when both are set, every worker records finished requests into its
  /// own IntervalRecorder, swapped out at each boundary by a handler posted to the worker's
  /// io_context (no lock or atomic on the request path), and on_interval is called on the
  /// thread that called run() once per interval and once for the last, partial one.
  std::chrono::nanoseconds interval{};
  std::function<void(const IntervalReport&)> on_interval;
  /// Early-stop rules, applied to the progress counters every progress_interval while
  /// requests are sent (EarlyStopJudge): when one holds, the run stops as on a first stop
  /// request (nothing more is sent, requests in flight get the grace period).
  config::StopWhen stop_when;
  /// The event-loop probe's period (the client self-check); zero turns the probe off (for the
  /// overhead bench's A/B only: the self-check then has no loop delay to judge).
  std::chrono::nanoseconds loop_probe_period{kLoopProbePeriodNs};
  /// Open connections before the schedule's origin (--preconnect): as many as
  /// preconnect_count() says, each worker its share into its keep-alive pool, within
  /// connect_timeout (30 s when that is off). Off: every request connects after its `st`.
  bool preconnect = false;
  /// The schedule's origin on the steady clock (a sharded run's common start); 0: a few
  /// milliseconds after run() is called.
  core::Nanos origin_ns = 0;
  /// With several targets: how each request's target is chosen (a conversation's later turns
  /// always go where its first turn went).
  config::Balance balance = config::Balance::kRoundRobin;
};

/// What --preconnect did before the clock started.
struct Preconnected {
  std::int64_t wanted = 0;  ///< connections asked for (preconnect_count)
  std::int64_t opened = 0;  ///< opened and put into the workers' pools
  std::int64_t failed = 0;  ///< failed or not done within the limit (those requests connect themselves)
  core::Nanos elapsed_ns = 0;  ///< how long it took, before the origin
  std::string first_error;     ///< the first failure's reason; empty when none
};

/// Requests due within the first kPreconnectHorizonNs of an open loop: the connections
/// --preconnect opens when no max concurrency bounds the run.
inline constexpr core::Nanos kPreconnectHorizonNs = 1'000'000'000;

/// The connections --preconnect opens: the max concurrency (a closed loop's streams), else
/// the requests due within the first second (all of them at an infinite rate); never more
/// than the requests. `offsets` are the run's send offsets.
std::int64_t preconnect_count(std::optional<std::int64_t> max_concurrency, std::span<const core::Nanos> offsets);

/// What a run measured: one record per request in workload order, and the benchmark window
/// (vLLM's duration = end − start).
struct RunOutput {
  std::vector<metrics::RequestRecord> records;
  core::Nanos bench_start_ns = 0;  ///< the schedule's time origin (offsets count from here)
  core::Nanos bench_end_ns = 0;    ///< completion of the last request
  bool interrupted = false;        ///< stop_signal ended the run early
  bool duration_reached = false;   ///< RunnerOptions::duration ended the sending
  /// An early-stop rule ended the sending (RunnerOptions::stop_when): why, when, the figures.
  std::optional<StoppedEarly> stopped_early;
  /// Requests never started because of the stop (outcome kCancelled, start_ns 0): reports
  /// leave them out, as they were never sent.
  std::int64_t not_sent = 0;
  /// The client's own event-loop delay (µs): how late each worker's probe timer, due every
  /// RunnerOptions::loop_probe_period, ran — what a starved or overloaded worker thread does to every stamp.
  metrics::HdrHistogram loop_delay_us{metrics::interval_histogram_config()};
  /// Set with RunnerOptions::preconnect.
  std::optional<Preconnected> preconnected;
};

/// Runs a workload against a target. One Runner per run; run() blocks the calling thread.
class Runner final {
 public:
  Runner(Target target, RequestTemplate request, RunnerOptions options);
  /// Several targets (replicas without a router; at least one, at most config::kMaxTargets):
  /// each request goes to one, as options.balance says, on a connection pool of that target.
  Runner(std::vector<Target> targets, RequestTemplate request, RunnerOptions options);

  /// Sends specs[i] at bench_start + offsets[i] (offsets.size() == specs.size()) and returns
  /// every request's record. Failures are recorded per request, never thrown.
  RunOutput run(std::span<const workload::RequestSpec> specs,
                std::span<const core::Nanos> offsets);

  /// Sends one request to target `target` and returns its record (used for the ready check
  /// and accuracy mode).
  metrics::RequestRecord send_one(const workload::RequestSpec& spec, std::size_t target = 0);

 private:
  std::vector<Target> targets_;
  RequestTemplate request_;
  RunnerOptions options_;
};

/// Serialized request (head + JSON body) for one spec; exposed for tests. `history` holds
/// the earlier turns of a multi-turn conversation (chat only; empty otherwise).
std::string build_http_request(const Target& target, const RequestTemplate& request,
                               const workload::RequestSpec& spec, std::uint32_t index,
                               std::span<const api::ChatTurn> history = {});

}  // namespace llmload::runtime
