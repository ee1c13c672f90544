// core::Rng: the same (seed, stream) gives the same sequence, other seeds and streams give
// other ones; every distribution stays in its range, and its sample mean and variance fall
// within five standard errors of the exact values (bounds computed from the sample size; the
// draws are seeded, so the test is deterministic and the bounds only say how far off a broken
// generator would have to be to pass).
#include "llmload/core/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <vector>

namespace llmload::core {
namespace {

constexpr int kSamples = 200'000;

struct Moments {
  double mean = 0;
  double variance = 0;  // population variance of the sample
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

Moments moments_of(const std::function<double()>& draw, int n = kSamples) {
  Moments m;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sum_sq += x * x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean = sum / n;
  m.variance = sum_sq / n - m.mean * m.mean;
  return m;
}

/// Five standard errors of a sample mean of `n` draws with standard deviation `sd`.
double mean_bound(double sd, int n = kSamples) { return 5 * sd / std::sqrt(static_cast<double>(n)); }

/// Five standard errors of a sample variance of `n` draws with variance `var` and excess
/// kurtosis `excess_kurtosis`: Var(s^2) ~ var^2 (excess_kurtosis + 2) / n.
double variance_bound(double var, double excess_kurtosis, int n = kSamples) {
  return 5 * var * std::sqrt((excess_kurtosis + 2) / n);
}

std::vector<std::uint64_t> first_values(Rng rng, int n = 16) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(rng.next_u64());
  return out;
}

TEST(Rng, SameSeedAndStreamGiveTheSameSequence) {
  EXPECT_EQ(first_values(Rng(42, "schedule")), first_values(Rng(42, "schedule")));
  Rng a(7, "dataset"), b(7, "dataset");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.uniform01(), b.uniform01()) << i;
    ASSERT_EQ(a.uniform_int(-5, 1000), b.uniform_int(-5, 1000)) << i;
    ASSERT_EQ(a.normal(), b.normal()) << i;
    ASSERT_EQ(a.gamma(0.7, 2.0), b.gamma(0.7, 2.0)) << i;
    ASSERT_EQ(a.exponential(3.0), b.exponential(3.0)) << i;
  }
}

TEST(Rng, OtherSeedsAndStreamsGiveOtherSequences) {
  const auto base = first_values(Rng(42, "schedule"));
  EXPECT_NE(base, first_values(Rng(43, "schedule")));
  EXPECT_NE(base, first_values(Rng(42, "dataset")));
  EXPECT_NE(base, first_values(Rng(42)));
  EXPECT_NE(first_values(Rng(0)), first_values(Rng(1)));
  // The stream name is not simply xor-ed into the seed: seeds 0 and 1 with streams that
  // differ in one bit still differ.
  EXPECT_NE(first_values(Rng(0, "a")), first_values(Rng(1, "`")));
}

// The sequence is part of what a seed means: a saved profile with --seed 42 must send the
// same requests with a later build. A change here changes every seeded workload and schedule.
TEST(Rng, SequenceOfAFixedSeedIsPinned) {
  Rng rng(42, "schedule");
  EXPECT_EQ(rng.next_u64(), 12060056783544434015ULL);
  EXPECT_EQ(rng.next_u64(), 11573206327323978965ULL);
  Rng derived(42, "schedule");
  EXPECT_EQ(derived.uniform01(), 0.65377698825087094);
  EXPECT_EQ(derived.uniform_int(1, 1000), 966);
  EXPECT_DOUBLE_EQ(derived.exponential(1.0), 0.53149907272786479);  // through std::log: within 4 ulps
}

TEST(Rng, Uniform01StaysInItsRangeWithTheRightMoments) {
  Rng rng(1, "uniform");
  const auto m = moments_of([&] { return rng.uniform01(); });
  EXPECT_GE(m.min, 0.0);
  EXPECT_LT(m.max, 1.0);
  const double var = 1.0 / 12;
  EXPECT_NEAR(m.mean, 0.5, mean_bound(std::sqrt(var)));
  EXPECT_NEAR(m.variance, var, variance_bound(var, -1.2));  // uniform: excess kurtosis -6/5
  EXPECT_LT(m.min, 1e-3);  // with 200000 draws both ends are reached
  EXPECT_GT(m.max, 1 - 1e-3);
}

TEST(Rng, UniformIntCoversItsInclusiveRangeEvenly) {
  Rng rng(2, "int");
  std::map<std::int64_t, int> counts;
  for (int i = 0; i < kSamples; ++i) ++counts[rng.uniform_int(-3, 3)];
  ASSERT_EQ(counts.size(), 7u);
  EXPECT_EQ(counts.begin()->first, -3);
  EXPECT_EQ(counts.rbegin()->first, 3);
  const double p = 1.0 / 7, expected = kSamples * p;
  const double bound = 5 * std::sqrt(kSamples * p * (1 - p));  // binomial count, five SDs
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, expected, bound) << value;
}

TEST(Rng, UniformIntHandlesDegenerateAndExtremeRanges) {
  Rng rng(3, "int");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.uniform_int(17, 17), 17);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.uniform_int(-9, -9), -9);
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  // The full 64-bit range: both signs turn up.
  int negative = 0;
  for (int i = 0; i < 1000; ++i) negative += rng.uniform_int(kMin, kMax) < 0 ? 1 : 0;
  EXPECT_NEAR(negative, 500, 5 * std::sqrt(1000 * 0.25));
  // Ranges at the ends of int64_t do not overflow.
  for (int i = 0; i < 1000; ++i) {
    const auto hi = rng.uniform_int(kMax - 2, kMax);
    EXPECT_GE(hi, kMax - 2);
    const auto lo = rng.uniform_int(kMin, kMin + 2);
    EXPECT_LE(lo, kMin + 2);
  }
  // A span that is not a power of two, near 2^63, stays inside its bounds (rejection sampling).
  const std::int64_t top = (std::int64_t{1} << 62) + (std::int64_t{1} << 61);
  for (int i = 0; i < 1000; ++i) {
    const auto v = rng.uniform_int(0, top);
    EXPECT_GE(v, 0);
    EXPECT_LE(v, top);
  }
}

TEST(Rng, NormalHasMeanZeroAndVarianceOne) {
  Rng rng(4, "normal");
  const auto m = moments_of([&] { return rng.normal(); });
  EXPECT_NEAR(m.mean, 0.0, mean_bound(1.0));
  EXPECT_NEAR(m.variance, 1.0, variance_bound(1.0, 0.0));
  EXPECT_TRUE(std::isfinite(m.min) && std::isfinite(m.max));
  EXPECT_LT(m.min, -3.5);  // P(x < -3.5) = 2.3e-4: about 46 of 200000 draws
  EXPECT_GT(m.max, 3.5);
}

TEST(Rng, ExponentialIsPositiveWithItsMean) {
  Rng rng(5, "exp");
  const double mean = 2.5;
  const auto m = moments_of([&] { return rng.exponential(mean); });
  EXPECT_GT(m.min, 0.0);
  EXPECT_NEAR(m.mean, mean, mean_bound(mean));
  EXPECT_NEAR(m.variance, mean * mean, variance_bound(mean * mean, 6.0));  // excess kurtosis 6
}

// Gamma(k, theta): mean k theta, variance k theta^2, excess kurtosis 6/k. Shapes below 1 take
// the boosted path; 1 is the exponential; large shapes approach a normal.
TEST(Rng, GammaHasItsMeanAndVarianceForShapesAboveAndBelowOne) {
  for (const double shape : {0.25, 0.5, 1.0, 2.5, 9.0}) {
    const double scale = 1.5;
    Rng rng(6, "gamma");
    const auto m = moments_of([&] { return rng.gamma(shape, scale); });
    const double var = shape * scale * scale;
    EXPECT_GE(m.min, 0.0) << shape;
    EXPECT_TRUE(std::isfinite(m.max)) << shape;
    EXPECT_NEAR(m.mean, shape * scale, mean_bound(std::sqrt(var))) << shape;
    EXPECT_NEAR(m.variance, var, variance_bound(var, 6.0 / shape)) << shape;
  }
}

}  // namespace
}  // namespace llmload::core
