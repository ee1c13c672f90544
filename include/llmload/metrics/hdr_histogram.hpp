#pragma once
/// HdrHistogram: a fixed-memory latency histogram with a configurable number of significant
/// decimal digits, laid out exactly as the reference implementations (Java, C, JS) lay it out
/// so that its V2 encoding is readable by them and theirs by us.
///
/// Layout. Values are non-negative integers in the caller's unit (llmload records
/// nanoseconds). With `significant_digits` = d, the sub-bucket count is the smallest power of
/// two >= 2·10^d (2048 for d = 3), so every value up to that count times the unit
/// (2^floor(log2(lowest_discernible_value))) has its own slot; each following bucket covers
/// twice the range of the one before with half its slots, so the width of a slot never
/// exceeds 10^-d of the values in it. At d = 3, values 0..2047 are exact, 2048..4095 share
/// slots of 2, 4096..8191 slots of 4, and so on: any two values that land in one slot are
/// "equivalent" and are reported as one of that slot's bounds.
///
/// Thread safety. An HdrHistogram is a plain value with no internal synchronisation: one
/// thread records into it (one instance per worker thread); const member functions may run
/// concurrently with each other but never with a writer. The aggregator merges a worker's
/// histogram only after a happens-before edge (the worker finished, or handed the histogram
/// over through a mutex or channel).

#include "llmload/core/error.hpp"
#include "llmload/metrics/sample_stats.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::metrics {

/// The requested shape of a histogram. Units are the caller's (nanoseconds in llmload).
struct HdrConfig {
  /// Smallest value that must be told apart from 0, >= 1. Values below it share slot 0;
  /// it is rounded down to a power of two internally (the "unit magnitude").
  std::int64_t lowest_discernible_value = 1;
  /// Largest value recorded as itself, >= 2 × lowest_discernible_value and <= 2^62 − 1.
  /// Larger values are recorded as this value and counted in HdrHistogram::clamped().
  /// The default is one hour in nanoseconds.
  std::int64_t highest_trackable_value = 3'600'000'000'000;
  /// Decimal digits of precision kept at every magnitude, 1..5 (llmload uses 3: 0.1 %).
  int significant_digits = 3;

  bool operator==(const HdrConfig&) const = default;
};

/// One point of a percentile spectrum (the rows of the reference's
/// outputPercentileDistribution).
struct HdrPercentileRow {
  std::int64_t value = 0;        ///< highest value equivalent to the slot that reached the level
  double percentile = 0;         ///< the percentile level iterated to, in [0, 100]
  std::int64_t total_count = 0;  ///< number of recorded values <= `value` (cumulative count)
};

/// One non-empty slot of the histogram.
struct HdrBucket {
  std::int64_t lowest_value = 0;   ///< lowest value equivalent to the slot
  std::int64_t highest_value = 0;  ///< highest value equivalent to the slot
  std::int64_t count = 0;          ///< values recorded in the slot (> 0)
};

/// A High Dynamic Range histogram of non-negative 64-bit integer values (see the file comment
/// for the layout and the thread-safety rules). Recording is O(1) and never allocates; the
/// counts array is allocated once, at construction, and sized by the config (about 270 KiB
/// for the default 1 ns .. 1 h at 3 digits). Copyable and movable.
class HdrHistogram final {
 public:
  /// Checks a config: lowest >= 1, highest >= 2 × lowest and <= 2^62 − 1, digits in 1..5, and
  /// the layout fits 64-bit arithmetic. The error names the field and the allowed range.
  static core::Result<void> validate(const HdrConfig& config);

  /// A histogram for `config`, or validate()'s error. Use this for configs from users.
  static core::Result<HdrHistogram> create(const HdrConfig& config);

  /// A histogram for a config known to be valid (a constant). An invalid config is a
  /// programming error: throws std::invalid_argument with validate()'s message.
  explicit HdrHistogram(const HdrConfig& config = {});

  // ---- recording (single writer) ---------------------------------------------------------

  /// Records one occurrence of `value`. Negative values are not recorded and are counted in
  /// rejected(); values above highest_trackable_value are recorded as it and counted in
  /// clamped(). O(1), no allocation, never fails.
  void record(std::int64_t value) noexcept { record(value, 1); }

  /// Records `count` occurrences of `value` (same rules as record(value); rejected() and
  /// clamped() grow by `count`). count == 0 does nothing; a negative count records nothing
  /// and adds 1 to rejected().
  void record(std::int64_t value, std::int64_t count) noexcept {
    if (count <= 0 || value < 0) [[unlikely]] {
      reject(value, count);
      return;
    }
    if (value > config_.highest_trackable_value) [[unlikely]] {
      clamped_ += count;
      value = config_.highest_trackable_value;
    }
    counts_[index_of(value)] += count;
    total_count_ += count;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }

  /// Adds everything `other` recorded (and its clamped() and rejected() counters). With the
  /// same layout (unit magnitude, sub-bucket count and bucket count) the counts are added
  /// slot by slot and the result equals having recorded both streams into this histogram.
  /// Otherwise each of `other`'s non-empty slots is recorded at its median equivalent value
  /// (the midpoint, rounded up), clamping as record() does. O(slots in use), no allocation.
  /// `other` may be *this (doubles every count). Returns false, and changes nothing, when the
  /// total count or rejected() would pass 2^63 − 1 (only with counts far beyond any run:
  /// decode() refuses a total above 2^53).
  bool merge(const HdrHistogram& other) noexcept;

  /// Forgets all recorded values and the clamped()/rejected() counters; keeps the layout
  /// and the memory. O(slots between min and max).
  void reset() noexcept;

  // ---- statistics (reference semantics: values are slot bounds, not raw samples) ---------

  /// Number of values recorded (clamped ones included, rejected ones not).
  std::int64_t total_count() const noexcept { return total_count_; }
  /// Values recorded above highest_trackable_value (recorded as it instead).
  std::int64_t clamped() const noexcept { return clamped_; }
  /// Values not recorded because they, or their count, were negative.
  std::int64_t rejected() const noexcept { return rejected_; }
  /// Lowest value equivalent to the smallest value recorded; 0 when empty (Java's getMinValue).
  std::int64_t min() const noexcept;
  /// Highest value equivalent to the largest value recorded; 0 when empty. May exceed
  /// highest_trackable_value by less than one slot width. Equals Java's getMaxValue except when
  /// only zeros were recorded with lowest_discernible_value > 1 (Java: 0; here: the top of
  /// slot 0, as Java itself reports after decoding such a histogram).
  std::int64_t max() const noexcept;
  /// Mean of the recorded values, each taken as its slot's median equivalent value; 0 when
  /// empty. Same arithmetic, in the same order, as the reference getMean.
  double mean() const noexcept;
  /// Population standard deviation on the same basis as mean(); 0 when empty.
  double stddev() const noexcept;

  /// The value below or at which `percentile` % of the recorded values lie, with the
  /// reference's getValueAtPercentile semantics: the count wanted is
  /// max(1, ceil(p/100 × total − ulp)), capped at the total (which only matters beyond 2^53
  /// values); the slots are walked from the lowest, and the result is the HIGHEST value
  /// equivalent to the slot where the running count reaches it, so p100 == max(). For p <= 0
  /// it is the LOWEST value equivalent to the first non-empty slot, == min(). `percentile` is
  /// clamped to [0, 100] (NaN counts as 0); 0 when empty. O(slots in use), no allocation.
  std::int64_t value_at_percentile(double percentile) const noexcept;

  /// Count recorded in the slot that `value` falls in (after clamping to [0, highest]).
  std::int64_t count_at_value(std::int64_t value) const noexcept;

  /// The percentile spectrum the reference's outputPercentileDistribution prints: levels start
  /// at 0 % and advance in steps of 100 / (ticks_per_half_distance × 2^k), the step halving
  /// each time the remaining distance to 100 % halves; a row is emitted whenever the
  /// cumulative count reaches the next level, and a final row at 100 %. Values are highest
  /// equivalent values. Empty when nothing was recorded. ticks_per_half_distance < 1 is
  /// treated as 1. Allocates the returned rows.
  std::vector<HdrPercentileRow> percentile_spectrum(int ticks_per_half_distance = 5) const;

  /// Calls `f(const HdrBucket&)` for every non-empty slot, lowest values first. No allocation.
  template <class F>
  void for_each_bucket(F&& f) const {
    if (total_count_ == 0) return;
    const std::size_t last = index_of(max_);
    for (std::size_t i = index_of(min_); i <= last; ++i) {
      if (counts_[i] == 0) continue;
      const std::int64_t lowest = value_from_index(i);
      f(HdrBucket{lowest, lowest + slot_size_at(i) - 1, counts_[i]});
    }
  }

  // ---- value equivalence (inputs are clamped to [0, highest_trackable_value]) ------------

  /// Lowest value counted in the same slot as `value`.
  std::int64_t lowest_equivalent_value(std::int64_t value) const noexcept;
  /// Highest value counted in the same slot as `value`.
  std::int64_t highest_equivalent_value(std::int64_t value) const noexcept;
  /// The first value above `value`'s slot.
  std::int64_t next_non_equivalent_value(std::int64_t value) const noexcept;
  /// Midpoint of `value`'s slot, rounded up: lowest + width / 2.
  std::int64_t median_equivalent_value(std::int64_t value) const noexcept;
  /// Width of `value`'s slot (a power of two).
  std::int64_t equivalent_range_size(std::int64_t value) const noexcept;
  /// True when `a` and `b` are counted in the same slot.
  bool values_are_equivalent(std::int64_t a, std::int64_t b) const noexcept {
    return lowest_equivalent_value(a) == lowest_equivalent_value(b);
  }

  // ---- layout -----------------------------------------------------------------------------

  /// The config this histogram was built (or decoded) with.
  const HdrConfig& config() const noexcept { return config_; }
  /// Number of power-of-two buckets (the reference's bucketCount).
  int bucket_count() const noexcept { return bucket_count_; }
  /// Slots per bucket, a power of two (the reference's subBucketCount).
  std::int64_t sub_bucket_count() const noexcept { return std::int64_t{1} << sub_bucket_count_magnitude(); }
  /// floor(log2(lowest_discernible_value)).
  int unit_magnitude() const noexcept { return unit_magnitude_; }
  /// Length of the counts array: (bucket_count + 1) × sub_bucket_count / 2.
  std::size_t counts_length() const noexcept { return counts_.size(); }
  /// True when `other` has the same slots (merge() then adds counts directly).
  bool same_layout(const HdrHistogram& other) const noexcept {
    return unit_magnitude_ == other.unit_magnitude_ &&
           sub_bucket_half_count_magnitude_ == other.sub_bucket_half_count_magnitude_ &&
           bucket_count_ == other.bucket_count_;
  }

  // ---- V2 encoding (the reference's encodeIntoByteBuffer / encodeIntoCompressedByteBuffer)

  /// The V2 encoding: a 40-byte big-endian header (cookie 0x1c849313, payload length,
  /// normalizing index offset 0, significant digits, lowest discernible value, highest
  /// trackable value, the double 1.0 as integer-to-double ratio) followed by the counts up to
  /// the slot of max() as ZigZag LEB128-64b9B varints, a run of n > 1 empty slots written as
  /// −n. Allocates the result.
  std::vector<std::uint8_t> encode() const;

  /// The V2 compressed encoding: cookie 0x1c849314, the length of the deflated bytes, then
  /// encode() deflated as a zlib stream at `compression_level` (0..9, −1 = zlib's default).
  /// Throws std::bad_alloc if zlib cannot allocate.
  std::vector<std::uint8_t> encode_compressed(int compression_level = -1) const;

  /// encode_compressed() in standard base64 with padding: the Interval_Compressed_Histogram
  /// field of interval logs (starts with "HISTF").
  std::string encode_compressed_base64() const;

  /// Decodes encode()'s format (any V2 cookie 0x1c8493?3). Bytes after the payload are
  /// ignored, the normalizing offset and conversion ratio are ignored (as by the JS
  /// reference). Counts in slots above highest_trackable_value's slot (which Java may
  /// produce) are folded into it and counted in clamped(). Never crashes on garbage: any
  /// malformed, truncated or unsupported input gives an Error saying what is wrong; so does a
  /// total count above 2^53 (a corrupt encoding: no run records that many values).
  static core::Result<HdrHistogram> decode(std::span<const std::uint8_t> bytes);

  /// Decodes encode_compressed()'s format (cookie 0x1c8493?4); inflates only as many bytes
  /// as the embedded header announces, so a hostile input cannot make it allocate more than
  /// the counts array of a valid layout. Errors as decode().
  static core::Result<HdrHistogram> decode_compressed(std::span<const std::uint8_t> bytes);

  /// Decodes encode_compressed_base64()'s format; surrounding ASCII whitespace is ignored,
  /// anything that is not padded standard base64 is an Error.
  static core::Result<HdrHistogram> decode_compressed_base64(std::string_view text);

  /// Same config and the same count in every slot (hence the same statistics). The
  /// clamped()/rejected() diagnostics, which the encoding does not carry, are not compared.
  friend bool operator==(const HdrHistogram& a, const HdrHistogram& b) noexcept;

 private:
  void reject(std::int64_t value, std::int64_t count) noexcept;
  /// Recomputes total, min and max from the counts (after decoding).
  void establish_totals() noexcept;

  int sub_bucket_count_magnitude() const noexcept { return sub_bucket_half_count_magnitude_ + 1; }

  // The slot of a value in [0, highest_trackable_value]; no range checks.
  std::size_t index_of(std::int64_t value) const noexcept {
    const auto v = static_cast<std::uint64_t>(value);
    const int bucket = leading_zero_count_base_ - std::countl_zero(v | sub_bucket_mask_);
    const auto sub = static_cast<std::int64_t>(v >> (bucket + unit_magnitude_));
    return static_cast<std::size_t>((std::int64_t{bucket + 1} << sub_bucket_half_count_magnitude_) +
                                    (sub - sub_bucket_half_count_));
  }
  // Lowest value of slot `index`.
  std::int64_t value_from_index(std::size_t index) const noexcept {
    auto bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude_) - 1;
    auto sub = static_cast<std::int64_t>(index & static_cast<std::size_t>(sub_bucket_half_count_ - 1)) +
               sub_bucket_half_count_;
    if (bucket < 0) {
      sub -= sub_bucket_half_count_;
      bucket = 0;
    }
    return sub << (bucket + unit_magnitude_);
  }
  // Width of slot `index`.
  std::int64_t slot_size_at(std::size_t index) const noexcept {
    const auto bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude_) - 1;
    return std::int64_t{1} << ((bucket < 0 ? 0 : bucket) + unit_magnitude_);
  }

  HdrConfig config_;
  int unit_magnitude_ = 0;
  int sub_bucket_half_count_magnitude_ = 0;
  std::int64_t sub_bucket_half_count_ = 0;
  std::uint64_t sub_bucket_mask_ = 0;
  int leading_zero_count_base_ = 0;
  int bucket_count_ = 0;
  std::vector<std::int64_t> counts_;
  std::int64_t total_count_ = 0;
  std::int64_t min_ = INT64_MAX;  // smallest raw value recorded (INT64_MAX when empty)
  std::int64_t max_ = 0;          // largest raw value recorded, <= highest_trackable_value
  std::int64_t clamped_ = 0;
  std::int64_t rejected_ = 0;
};

/// Statistics of a histogram of microseconds, in milliseconds: count, mean, min, max, median
/// and the given percentiles at the histogram's precision (stddev left 0).
SampleStats stats_ms_of_us(const HdrHistogram& us, std::span<const double> percentiles);

}  // namespace llmload::metrics
