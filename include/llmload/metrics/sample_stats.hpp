#pragma once
/// Exact-sample statistics with numpy's semantics (what `vllm bench serve` reports): mean,
/// median, population standard deviation and "linear" percentiles, bit-for-bit as numpy 1.22+
/// computes them on a float64 array.

#include <cstddef>
#include <span>
#include <vector>

namespace llmload::metrics {

/// One requested percentile and its value (same unit as the samples).
struct PercentileValue {
  double percentile = 0;  ///< in [0, 100], e.g. 99 or 99.9
  double value = 0;
};

/// Summary of one sample set. Plain value; the unit is whatever the caller's samples were in
/// (the run summary passes milliseconds). With no samples every field is 0, as vLLM's
/// `np.mean(x or 0)` gives.
struct SampleStats {
  std::size_t count = 0;  ///< number of samples
  double mean = 0;        ///< numpy.mean (pairwise summation, then division by count)
  double median = 0;      ///< numpy.median (mean of the two middle values for even count)
  double stddev = 0;      ///< numpy.std with ddof=0 (population)
  double min = 0;         ///< smallest sample (extension; vLLM does not report it)
  double max = 0;         ///< largest sample (extension)
  std::vector<PercentileValue> percentiles;  ///< one per requested percentile, in request order

  /// Value of percentile `p` if it was computed, else `fallback`. Exact match on p.
  double percentile_or(double p, double fallback) const noexcept;
};

/// Computes the statistics of `values` (any order; not modified) for the given percentiles
/// (each in [0, 100]; out-of-range values are clamped). O(n log n): one sorted copy.
/// NaN samples are not expected (latencies); they would propagate as numpy's would not.
SampleStats compute_stats(std::span<const double> values, std::span<const double> percentiles);

/// numpy.percentile(sorted, p) with method="linear" on an ascending, non-empty span.
double percentile_sorted(std::span<const double> sorted, double p) noexcept;

/// The sum numpy's add.reduce computes for a contiguous float64 array (pairwise summation in
/// blocks of 128 with an 8-way unrolled inner loop), so means match numpy to the last bit.
double numpy_sum(std::span<const double> values) noexcept;

}  // namespace llmload::metrics
