#pragma once
/// A simulator server thread (its io_context, counters and exact-mode metrics share) and the
/// server state every session reads.

#include "llmload/sim/engine_metrics.hpp"
#include "llmload/sim/pacer.hpp"
#include "llmload/sim/sim_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

namespace llmload::sim {

class EngineHost;
class FailWindow;
class Session;

/// Exact mode's /metrics share of one server thread: written by that thread only, read by
/// whichever thread serves a scrape. Single-writer relaxed atomics (a load and a store, no
/// read-modify-write, no lock), so the pacer's per-chunk update costs plain stores.
struct ExactMetrics {
  using Counter = std::atomic<std::uint64_t>;
  std::atomic<std::int64_t> running{0};         ///< requests being answered
  Counter prompt_tokens{0}, generation_tokens{0};  ///< totals
  std::array<Counter, 3> success{};             ///< finished requests by FinishReason
  /// Speculative decoding (--spec-tokens): drafts, draft tokens, accepted tokens, and
  /// accepted tokens per draft position.
  Counter spec_drafts{0}, spec_draft_tokens{0}, spec_accepted{0};
  std::array<Counter, kMaxSpecTokens> spec_accepted_per_pos{};
  std::int64_t spec_positions = 0;  ///< K, set before the server starts (0: off)
  /// vLLM's latency histograms (seconds).
  SingleWriterPromHistogram ttft{ttft_buckets_s()}, itl{inter_token_buckets_s()},
      e2e{request_latency_buckets_s()}, queue{request_latency_buckets_s()},
      prefill{request_latency_buckets_s()}, decode{request_latency_buckets_s()};

  /// Owner thread only: adds `n` to `a` (a relaxed load and store).
  template <typename T>
  static void add(std::atomic<T>& a, T n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  /// Owner thread only: counts one finished request.
  void finished(FinishReason reason) { add(success[static_cast<std::size_t>(reason)], std::uint64_t{1}); }

  /// Any thread: adds this thread's share to `m`.
  void add_to(EngineMetrics& m) const;
};

/// One server thread: its own io_context, its own connections, its own counters.
struct Worker {
  /// This thread's context (concurrency hint 1); destroyed by SimServer::stop().
  std::unique_ptr<boost::asio::io_context> ioc = std::make_unique<boost::asio::io_context>(1);
  /// Keeps ioc->run() going while the thread has nothing to do.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
  std::thread thread;  ///< runs ioc
  // Each counter is written by this worker's thread only; alignment keeps two workers'
  // counters off one cache line.
  alignas(64) std::atomic<std::uint64_t> requests{0};  ///< HTTP requests fully read
  std::atomic<std::uint64_t> chunks{0};                ///< token chunks written
  std::uint64_t id_state = 0;  ///< response-id generator, this worker's thread only
  std::uint64_t ttft_state = 0;  ///< --ttft-jitter-ms draws (seeded), this worker's thread only
  Pacer pacer;                 ///< exact mode's streams, this worker's thread only
  ExactMetrics metrics;        ///< exact mode's share of /metrics, written by this worker's thread
  /// The open connections of this thread (a simulated restart shuts them down); this
  /// worker's thread only.
  std::unordered_set<Session*> sessions;

  /// This worker's thread only: the next value of its splitmix64 sequence.
  std::uint64_t next_id();
  /// This worker's thread only: the next request's exact-mode time to first token (o.ttft, or
  /// a uniform draw within o.ttft_jitter of it from the seeded ttft_state sequence).
  std::chrono::nanoseconds request_ttft(const SimOptions& o);
};

/// What every session reads: read-only after SimServer::start() (the engine host is used on
/// the engine thread only).
class SpanExporter;

struct ServerShared {
  SimOptions options;                                    ///< as given to SimServer
  std::shared_ptr<boost::asio::ssl::context> tls;        ///< set with --tls-cert/--tls-key
  std::string model_json;                                ///< the model name as a JSON string
  std::int64_t started_unix = 0;                         ///< for /v1/models
  EngineHost* host = nullptr;                            ///< engine mode only
  const std::vector<std::unique_ptr<Worker>>* workers = nullptr;  ///< exact mode's /metrics sums them
  std::vector<std::string_view> fault_kinds;             ///< --fault-kinds resolved (all when empty)
  core::Clock::time_point started;                       ///< start(): answers mode's time origin
  SpanExporter* spans = nullptr;                         ///< --otlp-traces-endpoint: a span per request
  SimServer* server = nullptr;                           ///< the control endpoint disrupts it
  const FailWindow* fail = nullptr;                      ///< a simulated fail's window (always set)
};

/// The current time in unix seconds.
std::int64_t unix_now();

}  // namespace llmload::sim
