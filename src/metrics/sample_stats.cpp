#include "llmload/metrics/sample_stats.hpp"

#include <algorithm>
#include <cmath>

namespace llmload::metrics {

namespace {

// numpy's pairwise_sum for float64 (loops_utils.h.src): below 8 elements a plain loop, up to
// 128 elements eight interleaved accumulators combined as a tree, above that a split at a
// multiple of 8 near the middle. The order of additions is what makes results bit-identical.
double pairwise_sum(const double* a, std::size_t n) noexcept {
  if (n < 8) {
    double res = 0.0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

// numpy's reduction iterator hands the inner loop at most one buffer (8192 elements) at a
// time and accumulates the partial sums into the output, starting from the identity 0.0.
constexpr std::size_t kNumpyBufferSize = 8192;

// numpy's _lerp: a + (b - a)·t, but computed from b when t >= 0.5 so that t = 1 gives b exactly.
double numpy_lerp(double a, double b, double t) noexcept {
  const double diff = b - a;
  if (t >= 0.5) return b - diff * (1.0 - t);
  return a + diff * t;
}

double numpy_median_sorted(std::span<const double> sorted) noexcept {
  const std::size_t n = sorted.size();
  const std::size_t half = n / 2;
  if (n % 2 == 1) return sorted[half];
  // np.median takes np.mean of the two middle values: (0 + a + b) / 2.
  return (sorted[half - 1] + sorted[half]) / 2.0;
}

}  // namespace

double numpy_sum(std::span<const double> values) noexcept {
  double acc = 0.0;
  for (std::size_t i = 0; i < values.size(); i += kNumpyBufferSize) {
    const std::size_t len = std::min(kNumpyBufferSize, values.size() - i);
    acc += pairwise_sum(values.data() + i, len);
  }
  return acc;
}

double percentile_sorted(std::span<const double> sorted, double p) noexcept {
  const std::size_t n = sorted.size();
  if (n == 0) return 0.0;
  const double q = std::clamp(p, 0.0, 100.0) / 100.0;
  const double virtual_index = static_cast<double>(n - 1) * q;
  if (virtual_index >= static_cast<double>(n - 1)) return sorted[n - 1];
  const double below = std::floor(virtual_index);
  const auto lo = static_cast<std::size_t>(below);
  return numpy_lerp(sorted[lo], sorted[lo + 1], virtual_index - below);
}

double SampleStats::percentile_or(double p, double fallback) const noexcept {
  for (const auto& pv : percentiles) {
    if (pv.percentile == p) return pv.value;
  }
  return fallback;
}

SampleStats compute_stats(std::span<const double> values, std::span<const double> percentiles) {
  SampleStats stats;
  stats.count = values.size();
  stats.percentiles.reserve(percentiles.size());
  if (values.empty()) {
    for (double p : percentiles) stats.percentiles.push_back({p, 0.0});
    return stats;
  }
  const auto n = static_cast<double>(values.size());
  // Mean and deviations use the input order, as numpy does on the unsorted list.
  stats.mean = numpy_sum(values) / n;
  std::vector<double> work(values.begin(), values.end());
  for (double& x : work) {
    const double d = x - stats.mean;
    x = d * d;
  }
  stats.stddev = std::sqrt(numpy_sum(work) / n);

  work.assign(values.begin(), values.end());
  std::sort(work.begin(), work.end());
  stats.min = work.front();
  stats.max = work.back();
  stats.median = numpy_median_sorted(work);
  for (double p : percentiles) stats.percentiles.push_back({p, percentile_sorted(work, p)});
  return stats;
}

}  // namespace llmload::metrics
