#pragma once
/// The engine simulator's core: a continuous-batching scheduler modelled on vLLM's V1
/// scheduler, stepping on a clock the caller supplies. Pure and synchronous: no sockets, no
/// timers, no threads, so it is unit-tested on a virtual clock and driven in the server by a
/// thin coroutine (engine_host.hpp) that sleeps until each step's end.
///
/// One step: running sequences first (FCFS), each taking its next tokens from a per-step token
/// budget (a decode takes 1, a prefill chunk up to the rest of the budget); then waiting
/// requests FCFS while the batch has fewer than max_num_seqs sequences, budget is left and the
/// KV cache has blocks (prefix-cache hits first). When a running sequence needs a block and
/// none is free, the most recently admitted running sequence is preempted (its blocks freed,
/// recomputed later from scratch) and no new request is admitted in that step. The step's
/// duration comes from CostModel; every sequence whose computed tokens reach its length emits
/// one token at the step's end.

#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/sim/engine_metrics.hpp"
#include "llmload/sim/api_error.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmload::sim {

/// Step time = step_overhead + per_prefill_token × prefill tokens + per_decode_seq × decoding
/// sequences + per_context_token × context tokens, where "context tokens" are the tokens
/// already in the KV cache of every scheduled sequence (what attention reads). Prefill tokens
/// include recomputed tokens after a preemption and image tokens (the vision encoder's cost is
/// folded into per_prefill_token). All in microseconds; plain data.
struct CostModel {
  double step_overhead_us = 5000;
  double per_prefill_token_us = 50;
  double per_decode_seq_us = 100;
  double per_context_token_us = 0.001;
};

/// Scheduler, cache and cost settings of one simulated engine. Plain data; check with
/// validate_engine_config().
struct EngineConfig {
  std::int64_t max_num_seqs = 256;              ///< sequences in one step (vLLM --max-num-seqs)
  std::int64_t max_num_batched_tokens = 2048;   ///< token budget of one step
  std::int64_t kv_cache_tokens = 262144;        ///< KV-cache capacity in tokens
  std::int64_t block_size = 16;                 ///< tokens per KV-cache block
  std::int64_t max_model_len = 32768;           ///< prompt + output limit per request (400 above)
  std::int64_t max_waiting = 0;                 ///< waiting-queue limit (429 beyond); 0 = none
  bool prefix_caching = true;                   ///< reuse full prompt blocks by hash
  /// Mean of the output-length distribution for requests without ignore_eos: a geometric
  /// length with this mean, cut at max_tokens ("length") and otherwise ending in "stop".
  double mean_output_tokens = 128;
  std::uint64_t seed = 0;                       ///< seeds the output-length draws
  CostModel cost;
};

/// Checks every field; the error lists all problems, each naming the flag.
core::Result<void> validate_engine_config(const EngineConfig& config);

/// A named calibrated configuration (see docs/simulator.md for how each was fitted).
struct EnginePreset {
  std::string_view name;
  std::string_view description;
  EngineConfig config;
};

/// The built-in presets: "ascend-910b-qwen" (200 requests at 16 RPS on vllm-ascend), "h100-qwen2-vl-7b" (one image chat request on an H100),
/// "default".
std::span<const EnginePreset> engine_presets();

/// The preset called `name`; the error lists the known names.
core::Result<EngineConfig> find_engine_preset(std::string_view name);

/// One request handed to the engine.
struct EngineRequest {
  std::uint64_t id = 0;  ///< caller-chosen, unique among the engine's live requests
  /// Prompt token ids (text and image tokens; see prompt_token_ids()); their count is the
  /// prompt length, and full blocks of them are what the prefix cache matches.
  std::vector<std::uint64_t> prompt;
  std::int64_t max_tokens = 1;  ///< >= 1
  bool ignore_eos = false;      ///< run to max_tokens
};

/// What the engine decided at admission.
struct SubmitInfo {
  std::int64_t output_tokens = 0;      ///< tokens this request will produce
  FinishReason finish_reason = FinishReason::kLength;
};

/// One generated token, due at the step's end.
struct TokenEvent {
  std::uint64_t id = 0;     ///< EngineRequest::id
  std::int64_t index = 0;   ///< 0-based output token index
  bool last = false;        ///< the request finished with this token
  /// With `last`: when the request arrived and was first scheduled (engine clock).
  core::Nanos arrival_ns = 0, scheduled_ns = 0;
};

/// The outcome of one scheduler step.
struct StepResult {
  core::Nanos start_ns = 0;
  core::Nanos end_ns = 0;               ///< start + the cost model's duration
  std::int64_t num_seqs = 0;            ///< sequences scheduled
  std::int64_t prefill_tokens = 0;
  std::int64_t decode_seqs = 0;
  std::int64_t context_tokens = 0;
  std::int64_t preempted = 0;           ///< sequences preempted in this step
  std::vector<TokenEvent> events;       ///< tokens emitted at end_ns, in running order
};

/// The continuous-batching engine. Not thread-safe: one owner drives it. Times are the
/// engine's clock in nanoseconds (any origin) and must not go backwards between calls.
class Engine final {
 public:
  /// `config` must pass validate_engine_config().
  explicit Engine(EngineConfig config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Queues a request arriving at `now_ns`. Errors: 400 if prompt + max_tokens exceeds
  /// max_model_len or the whole KV cache, or the prompt is empty; 429 if the waiting queue is
  /// full; 400 if the id is in use.
  ApiResult<SubmitInfo> submit(EngineRequest request, core::Nanos now_ns);

  /// Drops a request (client gone): frees its blocks; counted as "abort". Unknown ids are
  /// ignored.
  void abort(std::uint64_t id, core::Nanos now_ns);

  /// Whether any request is running or waiting.
  bool has_work() const noexcept;

  /// Runs one step starting at `now_ns`: schedules, advances every scheduled sequence and
  /// returns the tokens due at the step's end (finished requests are gone from the engine when
  /// this returns). With nothing to do it returns a step with no sequences and end == start.
  /// The reference stays valid until the next call.
  const StepResult& step(core::Nanos now_ns);

  /// Prometheus-ready statistics; gauges as of the last call.
  const EngineMetrics& metrics() const noexcept { return metrics_; }
  std::int64_t num_running() const noexcept;
  std::int64_t num_waiting() const noexcept;
  std::int64_t num_free_blocks() const noexcept;
  std::int64_t num_blocks() const noexcept;
  const EngineConfig& config() const noexcept { return config_; }

 private:
  struct Seq;
  struct BlockPool;

  // A sequence in this step's batch and the tokens it computes in the step.
  struct Scheduled {
    Seq* seq;
    std::int64_t tokens;
  };

  // The phases of step(). Each scheduling phase adds to batch_ and returns the token budget
  // left; price_batch() fills the step's counts and returns its end time.
  std::int64_t schedule_running(std::int64_t budget);
  std::int64_t admit_waiting(std::int64_t budget, core::Nanos now_ns);
  core::Nanos price_batch(core::Nanos now_ns);
  void advance_batch(core::Nanos end_ns);
  // Blocks of `seq`'s leading full prompt blocks found in the prefix cache.
  std::vector<std::int32_t> cached_prefix(const Seq& seq) const;
  void register_full_blocks(Seq& seq);

  bool allocate_for(Seq& seq, std::int64_t tokens);
  void free_blocks(Seq& seq);
  void preempt(Seq& seq);
  void finish(Seq& seq, FinishReason reason, core::Nanos now_ns);
  void update_gauges();

  EngineConfig config_;
  std::unique_ptr<BlockPool> pool_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Seq>> seqs_;
  std::vector<Seq*> running_;
  std::deque<Seq*> waiting_;
  EngineMetrics metrics_;
  StepResult step_;
  std::vector<Scheduled> batch_;  // this step's batch (reused)
};

}  // namespace llmload::sim
