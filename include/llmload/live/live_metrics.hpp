#pragma once
/// llmload's own Prometheus metrics while a run lasts (--metrics-port, a profile's
/// outputs.metrics_port). LiveMetrics holds the figures, fed on the thread that supervises the
/// run (the Observer: progress snapshots every half second, interval reports) and never by a
/// request worker; render() writes the text exposition format for the HTTP server's thread.
/// Every series is labelled by stage and target. (Not in vLLM.)
///
/// Names:
///   llmload_requests_sent_total            counter    requests whose HTTP exchange began
///   llmload_requests_completed_total       counter    successful requests
///   llmload_requests_failed_total{reason}  counter    failed requests by outcome (interval data)
///   llmload_requests_in_flight             gauge      started and not finished
///   llmload_output_tokens_total            counter    output tokens of successful requests
///   llmload_{ttft,tpot,itl,e2el}_seconds   histogram  vLLM's definitions, buckets kLatencyBuckets

#include "llmload/metrics/interval_recorder.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace llmload::live {

/// Upper bounds (seconds) of the latency histograms' buckets (+Inf added).
std::span<const double> latency_buckets() noexcept;

/// A Prometheus histogram: cumulative-able bucket counts, sum and count.
struct LiveHistogram {
  std::vector<std::int64_t> buckets;  ///< per bound of latency_buckets(), not cumulative
  std::int64_t count = 0;             ///< every observation (the +Inf bucket)
  double sum_s = 0;

  /// Adds an interval's histogram (microseconds): each HdrHistogram slot goes to the first
  /// bucket whose bound is at or above the slot's lowest value; the sum uses slot midpoints.
  void add(const metrics::HdrHistogram& us);
};

/// The figures of every stage seen so far. Thread-safe: the supervising thread writes, the
/// server's thread renders.
class LiveMetrics final {
 public:
  /// Series from here on carry these labels; a stage seen before keeps counting up.
  void begin_stage(const std::string& stage, const std::string& target);
  /// A progress snapshot of the current stage's run (cumulative within that run).
  void progress(std::int64_t started, std::int64_t finished, std::int64_t failed);
  /// An interval report of the current stage's run.
  void interval(const metrics::IntervalRecorder& recorded);
  /// The text exposition format (version 0.0.4).
  std::string render() const;
  /// Times the figures changed (progress or interval).
  std::uint64_t updates() const;

 private:
  struct Series {
    std::string stage, target;
    // Totals of earlier runs of the stage, and the current run's snapshot.
    std::int64_t sent_base = 0, completed_base = 0, sent = 0, completed = 0, in_flight = 0;
    std::int64_t output_tokens = 0;
    std::array<std::int64_t, metrics::kOutcomeCount> failed_by{};
    std::array<LiveHistogram, 4> latency;  // ttft, tpot, itl, e2el
  };
  Series& current();

  mutable std::mutex mutex_;
  std::vector<Series> series_;
  std::size_t current_ = 0;
  std::uint64_t updates_ = 0;
};

}  // namespace llmload::live
