#pragma once
/// The engine simulator's server-side statistics and their Prometheus text exposition with
/// vLLM's metric names (`vllm:*`, label `model_name`), so that a scraper written for vLLM reads
/// the simulator unchanged. Pure data plus formatting: no clock, no lock. Single writer (the
/// engine, or in exact mode each server thread for its own copy); read it on that thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::sim {

/// A Prometheus histogram with fixed upper bounds (seconds). Not thread-safe.
class PromHistogram final {
 public:
  /// `bounds` are the finite upper bounds in increasing order; +Inf is implicit.
  explicit PromHistogram(std::span<const double> bounds);

  /// Adds one observation (seconds; negative values count in the first bucket).
  void observe(double value_s);
  /// Adds `times` observations of the same value.
  void observe(double value_s, std::uint64_t times);
  /// Adds another histogram's observations; its bounds must be these (false otherwise, and
  /// nothing is added).
  bool merge(const PromHistogram& other);
  /// Adds raw per-bucket counts (not cumulative, size bounds().size() + 1) and their sum;
  /// false when the size does not match (nothing added).
  bool add_counts(std::span<const std::uint64_t> bucket_counts, double sum);

  std::span<const double> bounds() const { return bounds_; }
  /// Observations per bucket (not cumulative); size bounds().size() + 1, last is +Inf.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

/// A PromHistogram that one thread writes while others read: relaxed single-writer atomics
/// (a load and a store each, no read-modify-write, no lock), so the writer's hot path costs what
/// plain stores cost. A reader may see an observation's bucket before its sum; Prometheus
/// scrapes tolerate that (vLLM's own counters are not snapshots either).
class SingleWriterPromHistogram final {
 public:
  explicit SingleWriterPromHistogram(std::span<const double> bounds);

  /// Writer thread only: adds `times` observations of `value_s`.
  void observe(double value_s, std::uint64_t times = 1);
  /// Any thread: adds what has been observed so far to `into` (same bounds).
  void add_to(PromHistogram& into) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

/// vLLM's bucket bounds (seconds) for its latency histograms.
std::span<const double> ttft_buckets_s();
std::span<const double> inter_token_buckets_s();
std::span<const double> request_latency_buckets_s();

/// Why a request left the engine (vLLM's `finished_reason` label values).
enum class FinishReason { kStop, kLength, kAbort };

/// "stop", "length" or "abort".
std::string_view finish_reason_name(FinishReason reason) noexcept;

/// Everything /metrics reports. Counters only grow; gauges are set by the engine after each
/// step. Times are the engine's simulated seconds (not divided by any time scale).
struct EngineMetrics {
  // gauges
  std::int64_t num_requests_running = 0;
  std::int64_t num_requests_waiting = 0;
  double kv_cache_usage_perc = 0;  ///< used blocks / all blocks, in [0, 1] (vLLM's unit)

  // counters
  std::uint64_t prefix_cache_queries = 0;  ///< prompt tokens looked up in the prefix cache
  std::uint64_t prefix_cache_hits = 0;     ///< ... of which found cached
  std::uint64_t prompt_tokens = 0;         ///< prompt tokens of requests that were admitted
  std::uint64_t generation_tokens = 0;     ///< output tokens produced
  std::uint64_t num_preemptions = 0;       ///< sequences preempted (recompute)
  std::uint64_t engine_steps = 0;          ///< scheduler steps run (simulator's own metric)
  /// Finished requests per FinishReason (indexed by the enum value).
  std::array<std::uint64_t, 3> request_success{};
  /// Speculative decoding (exact mode's --spec-tokens): vLLM's spec-decode counters, shown
  /// only when spec_positions (the draft length K) > 0.
  std::int64_t spec_positions = 0;
  std::uint64_t spec_drafts = 0, spec_draft_tokens = 0, spec_accepted = 0;
  std::vector<std::uint64_t> spec_accepted_per_pos;  ///< size spec_positions

  // histograms (seconds)
  PromHistogram time_to_first_token{ttft_buckets_s()};
  PromHistogram inter_token_latency{inter_token_buckets_s()};
  PromHistogram e2e_request_latency{request_latency_buckets_s()};
  PromHistogram request_queue_time{request_latency_buckets_s()};
  PromHistogram request_prefill_time{request_latency_buckets_s()};
  PromHistogram request_decode_time{request_latency_buckets_s()};
};

/// Adds `from` to `into`: counters, request gauges and histograms summed, the KV-cache usage
/// the larger of the two (the exact mode keeps one EngineMetrics per server thread and sums
/// them for /metrics).
void merge_metrics(EngineMetrics& into, const EngineMetrics& from);

/// Appends the Prometheus text exposition (version 0.0.4) of `m`: `# HELP` and `# TYPE` lines
/// then samples labelled {engine="0",model_name="<model>"}; counters as `<name>_total`,
/// histograms as cumulative `_bucket{le=...}`, `_sum` and `_count`. `model` is escaped.
void append_prometheus(std::string& out, const EngineMetrics& m, std::string_view model);

}  // namespace llmload::sim
