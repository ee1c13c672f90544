#pragma once
/// Interval reports of soak runs as text: one CSV row and one console line per interval, from
/// the interval's HdrHistograms (microseconds). Pure formatting, golden-testable.

#include "llmload/core/clock.hpp"
#include "llmload/metrics/interval_recorder.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmload::report {

/// The figures of one interval. Latencies in ms from the HdrHistograms (3 significant digits,
/// the highest value equivalent to the percentile's slot); 0 when nothing finished.
struct IntervalRow {
  double start_s = 0, end_s = 0;  ///< offsets from the stage's origin
  std::int64_t completed = 0, failed = 0, in_flight = 0;
  double request_rate = 0;        ///< completed / interval length, per second
  /// Output tokens as they streamed: tokens whose chunks arrived in the interval (by their
  /// arrival stamps, IntervalRecorder::arrived_tokens), and that count / interval length.
  std::int64_t output_tokens = 0;
  double output_token_rate = 0;
  /// Output tokens of the requests that completed in the interval, and / interval length.
  std::int64_t completed_output_tokens = 0;
  double completed_output_token_rate = 0;
  double ttft_p50_ms = 0, ttft_p99_ms = 0, itl_p50_ms = 0, itl_p99_ms = 0, e2el_p99_ms = 0;
  /// Answers (llmload extension): requests scored and their mean score (unset when none),
  /// successful requests checked for degenerate output and how many were degenerate.
  std::int64_t scored = 0;
  std::optional<double> accuracy;
  std::int64_t answers_checked = 0, degenerate = 0;
};

/// The answers part of a row, as the result keeps it (llmload.accuracy.per_interval).
metrics::IntervalAnswers interval_answers(const IntervalRow& row);

/// The row for what `recorded` holds over [start_ns, end_ns) (offsets in ns).
IntervalRow interval_row(const metrics::IntervalRecorder& recorded, core::Nanos start_ns,
                         core::Nanos end_ns, std::int64_t in_flight);

/// The CSV header line (with "\n"): interval_start_s, interval_end_s, completed, failed,
/// request_throughput, output_throughput, ttft_p50_ms, ttft_p99_ms, itl_p50_ms, itl_p99_ms,
/// e2el_p99_ms, in_flight, scored, accuracy (empty when nothing was scored), degenerate,
/// output_tokens, completed_output_tokens, completed_output_throughput. output_throughput and
/// output_tokens count tokens when their chunks arrived; the completed_ ones count a request's
/// tokens in the interval in which it finished.
std::string interval_csv_header();

/// One CSV line (with "\n") in the header's column order.
std::string interval_csv_line(const IntervalRow& row);

/// One console line (with "\n"), prefixed with `label` in brackets when it is not empty: the
/// tokens/s as they arrived, then "(N completed)", the completion-based figure;
/// "accuracy A (N scored)" and "degenerate D" are added when there were any.
std::string interval_console_line(const IntervalRow& row, std::string_view label);

}  // namespace llmload::report
