#pragma once
/// Per-interval latency histograms for soak runs: each worker thread records the requests that
/// finish on it into its own IntervalRecorder (single writer, no locks); at every interval
/// boundary the coordinating thread takes the filled recorder, hands the worker an empty one
/// and merges the workers' recorders into the interval's figures.

#include "llmload/metrics/hdr_histogram.hpp"
#include "llmload/metrics/answer_quality.hpp"
#include "llmload/metrics/request_record.hpp"

#include "llmload/core/clock.hpp"

#include <array>
#include <limits>
#include <cstdint>

namespace llmload::metrics {

/// The histogram shape of interval reports: microseconds, 1 µs .. 1 hour, 3 significant
/// digits (about 190 KiB per histogram).
HdrConfig interval_histogram_config() noexcept;

/// Outcomes there are (Outcome values are 0 .. kOutcomeCount − 1).
inline constexpr std::size_t kOutcomeCount = static_cast<std::size_t>(Outcome::kTlsError) + 1;

/// What finished in one interval on one or more workers. Latencies in microseconds with the
/// vLLM definitions (TTFT and E2EL from `st`, ITL = every gap between token chunks, TPOT only
/// for requests with more than one output token). Plain value, not thread-safe: one writer.
struct IntervalRecorder {
  HdrHistogram ttft_us{interval_histogram_config()};
  HdrHistogram tpot_us{interval_histogram_config()};
  HdrHistogram itl_us{interval_histogram_config()};
  HdrHistogram e2el_us{interval_histogram_config()};
  std::int64_t completed = 0;      ///< successful requests
  std::int64_t failed = 0;         ///< failed requests (not in the histograms)
  std::int64_t output_tokens = 0;  ///< usage.completion_tokens, else token chunks, of successes
  /// Output tokens as they streamed (llmload extension): the tokens of every token chunk whose
  /// arrival stamp is before `arrival_end_ns` (count_arrival), and of those stamped at or
  /// after it, which belong to the next interval (the worker had not yet handed its recorder
  /// over when they arrived). The harvester sets arrival_end_ns to the interval's end.
  std::int64_t arrived_tokens = 0, arrived_tokens_later = 0;
  core::Nanos arrival_end_ns = std::numeric_limits<core::Nanos>::max();
  /// Answers (llmload extension, record_answer): successful requests checked for degenerate
  /// output, how many were, requests scored and the sum of their scores.
  std::int64_t answers_checked = 0, degenerate = 0, scored = 0;
  double score_sum = 0;
  /// Failed requests by outcome (index: the Outcome's value), for live metrics.
  std::array<std::int64_t, kOutcomeCount> failed_by{};

  /// Counts `tokens` output tokens that arrived at `arrival_ns` (steady clock). One compare and
  /// one add: called on the worker's thread for every token chunk.
  void count_arrival(core::Nanos arrival_ns, std::int64_t tokens) noexcept {
    (arrival_ns < arrival_end_ns ? arrived_tokens : arrived_tokens_later) += tokens;
  }
  /// Records one finished request. O(token chunks), no allocation.
  void record(const RequestRecord& r) noexcept;
  /// Checks a successful request's answer (metrics::check_answer) and counts it; failed
  /// requests are skipped.
  void record_answer(const RequestRecord& r, const workload::RequestSpec& spec,
                     const std::optional<workload::ScoreSpec>& score);
  /// scored > 0: score_sum / scored.
  std::optional<double> accuracy() const noexcept {
    return scored > 0 ? std::optional<double>(score_sum / static_cast<double>(scored)) : std::nullopt;
  }
  /// Adds `other`'s counts and histograms (arrival_end_ns is kept).
  void merge(const IntervalRecorder& other) noexcept;
  /// Empties it, keeping the memory.
  void reset() noexcept;
};

}  // namespace llmload::metrics
