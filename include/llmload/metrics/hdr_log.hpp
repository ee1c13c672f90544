#pragma once
/// HdrHistogram interval logs (format version 1.3), the text files jHiccup, wrk2 and
/// HdrHistogram's own tools read and plot: a header, then one line per interval carrying the
/// interval's histogram in the V2 compressed encoding, base64.
///
///     #[Histogram log format version 1.3]
///     #[StartTime: 1718030712.345 (seconds since epoch), Mon Jun 10 14:45:12 UTC 2024]
///     "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
///     0.000,1.000,12.543,HISTFAAAAC...
///     Tag=ttft,0.000,1.000,8.112,HISTFAAAAB...
///
/// Interval start times are seconds after StartTime; readers add StartTime to get absolute
/// times (offsets are far smaller than StartTime, which is how they tell).

#include "llmload/core/error.hpp"
#include "llmload/metrics/hdr_histogram.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

namespace llmload::metrics {

/// How interval lines are written.
struct HdrLogOptions {
  /// Interval_Max is the histogram's max() divided by this: 1e6 prints milliseconds for
  /// nanosecond values (the reference's maxValueUnitRatio). Must be positive and finite.
  double max_value_unit_ratio = 1e6;
};

/// Builds an interval log in memory; the caller writes text() to a file (atomically, with
/// core::write_file_atomic). No I/O, no clock: the output depends only on the arguments, so it
/// is golden-testable. Not thread-safe: one writer per log (the aggregator thread).
class HdrLogWriter final {
 public:
  explicit HdrLogWriter(HdrLogOptions options = {}) : options_(options) {}

  /// Appends the header: the format version line, the StartTime comment (`start_time` in
  /// seconds since the epoch with 3 decimals, then the same instant as a UTC date in Java's
  /// Date.toString layout) and the column legend. `start_time` is the wall-clock instant that
  /// interval offset 0 stands for.
  void write_header(std::chrono::system_clock::time_point start_time);

  /// Appends `comment` as comment lines, one "#" line per line of `comment`.
  void write_comment(std::string_view comment);

  /// Appends one interval line: `Tag=<tag>,` when `tag` is not empty, the start offset and
  /// the length in seconds (3 decimals), max() / max_value_unit_ratio (3 decimals) and
  /// histogram.encode_compressed_base64(). Errors (nothing appended): a tag containing a
  /// comma, whitespace or a control character (readers split on those), a negative offset or
  /// length, or an invalid max_value_unit_ratio.
  core::Result<void> write_interval(const HdrHistogram& histogram,
                                    std::chrono::nanoseconds start_offset,
                                    std::chrono::nanoseconds length, std::string_view tag = {});

  /// The log so far.
  const std::string& text() const noexcept { return text_; }

  /// Moves the log out, leaving the writer empty (ready for a new log).
  std::string take() noexcept { return std::exchange(text_, std::string()); }

 private:
  HdrLogOptions options_;
  std::string text_;
};

}  // namespace llmload::metrics
