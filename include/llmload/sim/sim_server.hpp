#pragma once
/// The built-in simulated OpenAI-compatible server (`llmload sim`, and `llmload bench`'s
/// default target). In the fixed-timing ("exact") mode, the default, every stream gets its
/// first token chunk `ttft` after its request was fully read and each later token `itl` after
/// the previous one (absolute steady-clock deadlines), whatever the load; each server thread
/// writes all the chunks due at one timer wake-up (SimOptions::batch_writes). It is the
/// ground truth for the client's own measurement error.
///
/// With SimOptions::mode = kEngine it is instead a continuous-batching engine (engine.hpp):
/// one scheduler steps on its own clock and every running stream gets its token at the end of
/// each step, so latencies depend on the load; /metrics then reports the engine's state.
///
/// Wire behaviour (vLLM-shaped): POST /v1/completions and /v1/chat/completions (streaming and
/// not), GET /v1/models, GET /health, POST /tokenize and /detokenize, GET /metrics (the
/// engine's state, or in exact mode what the threads sent); HTTP/1.1 keep-alive; faults on demand through the `x-llmload-fault` request header
/// (see faults.hpp, FaultPlan). Prompt tokens are counted as whitespace-separated words
/// (count_words) plus image tokens (and, in engine mode, chat-template tokens); in exact mode
/// the output length is always max_tokens.

#include "llmload/core/error.hpp"
#include "llmload/sim/answer_key.hpp"
#include "llmload/sim/disruption.hpp"
#include "llmload/sim/engine.hpp"
#include "llmload/sim/faults.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmload::sim {

/// How the simulator times its streams.
enum class SimMode {
  kExact,   ///< fixed TTFT and ITL per stream, whatever the load (ground truth)
  kEngine,  ///< a continuous-batching engine model (engine.hpp)
};

/// Settings of one simulated server. Plain data.
/// Most draft tokens per step in speculative mode (SimOptions::spec_tokens).
inline constexpr std::int64_t kMaxSpecTokens = 16;

struct SimOptions {
  /// Address to listen on: an IP literal or a resolvable name.
  std::string host = "127.0.0.1";
  /// 0 = any free port (read the chosen one with SimServer::port()).
  std::uint16_t port = 0;
  /// Server threads, each with its own io_context (share-nothing); >= 1. The acceptor hands
  /// connections round-robin to them; in exact mode each thread writes all the chunks due at
  /// one timer wake-up (see docs/simulator.md, "Threads, batched writes and capacity").
  int threads = 1;
  /// The served model name (/v1/models; requests naming another model get 404).
  std::string model = "llmload-sim";
  /// LoRA adapter names also served (requests may name them; vLLM's --lora-modules).
  std::vector<std::string> lora_modules;
  /// Exact mode, streamed responses: speculative decoding with this many draft tokens per
  /// step (0: off; at most kMaxSpecTokens). Each step after the first token emits one token
  /// plus an accepted prefix of the drafts, whose length is Binomial(spec_tokens,
  /// spec_acceptance), so vLLM's acceptance rate is spec_acceptance and its acceptance
  /// length 1 + spec_tokens × spec_acceptance; /metrics carries vLLM's spec-decode counters.
  std::int64_t spec_tokens = 0;
  double spec_acceptance = 0.7;  ///< in [0, 1]
  /// Fixed time to first token, from the moment the request was fully read.
  std::chrono::nanoseconds ttft{std::chrono::milliseconds(50)};
  /// Exact mode: each request's time to first token is drawn uniformly from
  /// [ttft - ttft_jitter, ttft + ttft_jitter] (so its mean stays ttft), from a sequence seeded
  /// by engine.seed per server thread; 0 (the default): every request gets ttft. At most ttft.
  std::chrono::nanoseconds ttft_jitter{0};
  /// Fixed gap between consecutive token chunks.
  std::chrono::nanoseconds itl{std::chrono::milliseconds(20)};
  /// Output tokens when the request names no max_tokens / max_completion_tokens.
  std::int64_t default_max_tokens = 128;
  /// Put "llmload_send_ns" (steady-clock ns, taken just before the write) in each SSE chunk.
  bool stamp_send_time = true;
  /// Exact mode: write streamed chunks through each thread's pacer (all chunks due at one
  /// timer wake-up, non-blocking sends). Off: one timer wait and one asynchronous write per
  /// chunk from each stream's coroutine (kept for comparison in benchmarks).
  bool batch_writes = true;
  /// PEM certificate chain and private key: serve https instead of http (both or neither).
  std::string tls_cert_file, tls_key_file;
  /// Largest request body accepted (413 above it).
  std::size_t max_body_bytes = 64 << 20;
  /// A connection with no byte of a next request for this long is closed (uvicorn's default
  /// keep-alive timeout, 5 s); so is one whose request (header and body) has not arrived whole
  /// within request_read_timeout of the read's start. Both > 0.
  std::chrono::nanoseconds keep_alive_timeout{std::chrono::seconds(5)};
  std::chrono::nanoseconds request_read_timeout{std::chrono::seconds(30)};
  /// Exact (default) or engine timing. In engine mode `ttft` and `itl` are unused, and every
  /// connection is served on one thread (the engine's), whatever `threads` says.
  SimMode mode = SimMode::kExact;
  /// Engine mode: scheduler, cache and cost model (see engine.hpp and docs/simulator.md).
  EngineConfig engine;
  /// Engine mode: every simulated duration is divided by this factor in real time (10 runs a
  /// 45 s scenario in 4.5 s); /metrics still reports simulated (unscaled) seconds. > 0.
  double time_scale = 1.0;
  /// Probability in [0, 1] that a generation request without an `x-llmload-fault` header
  /// gets a random fault (kind drawn uniformly from fault_kinds; see fault_of_kind()).
  double fault_rate = 0;
  /// Fault kinds for fault_rate (names from sim::fault_kinds()); empty = all of them.
  std::vector<std::string> fault_kinds;
  /// Answers mode (--answers FILE and its companions, answer_key.hpp): answers.path empty =
  /// off, the usual text.
  AnswerSettings answers;
  /// The loaded key of `answers`; start() loads it when it is null and answers.path is set.
  std::shared_ptr<const AnswerKey> answer_key;
  /// Export a vLLM-shaped `llm_request` span per finished generation request to this OTLP
  /// endpoint (empty: none), over gRPC or, with otlp_http_protobuf, OTLP/HTTP protobuf; batched
  /// every otlp_schedule_delay (see span_exporter.hpp).
  std::string otlp_traces_endpoint;
  bool otlp_http_protobuf = false;
  std::chrono::milliseconds otlp_schedule_delay{5000};
};

/// A running simulated server. Start once; stop() (or the destructor) ends it. start(),
/// stop() and the destructor must not race each other; port(), base_url() and stats() are
/// thread-safe after start().
/// Checks `o` (the error names the option); SimServer::start() checks it too.
core::Result<void> validate_options(const SimOptions& o);

class SimServer final {
 public:
  /// Stores the options; nothing is bound until start().
  explicit SimServer(SimOptions options);
  /// Calls stop().
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  /// Binds and listens on host:port and starts the server threads. The error names host:port
  /// and the reason (address in use, cannot resolve, ...). Calling it twice is an error.
  core::Result<void> start();
  /// The port actually bound (meaningful after a successful start()).
  std::uint16_t port() const;
  /// "http://HOST:PORT" (https with TLS) to connect to: IPv6 hosts in brackets; a wildcard listen address
  /// (0.0.0.0, ::) is replaced by the loopback address of its family.
  std::string base_url() const;
  /// Stops accepting, closes every connection (streams in flight end abruptly) and joins the
  /// threads; returns promptly. Idempotent; safe before start().
  void stop();

  /// Disrupts the running server (see disruption.hpp): a pause freezes every server thread
  /// for the duration, a fail answers 503 to the generation requests arriving in it, a
  /// restart shuts down every connection and refuses new ones for the duration. Returns at
  /// once (the disruption runs on the server's threads). Thread-safe; not concurrent with
  /// stop(). Errors: a bad disruption (check_disruption), or a server not running.
  core::Result<void> disrupt(const SimDisruption& d);

  /// Counters summed over threads: requests = HTTP requests fully read (any path);
  /// chunks = token chunks written (role, usage and [DONE] events not counted).
  struct Stats {
    std::uint64_t requests = 0;
    std::uint64_t chunks = 0;
  };
  /// A snapshot (relaxed atomic reads; thread-safe, may lag by in-flight writes).
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmload::sim
