#include "llmload/metrics/sample_stats.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::metrics {
namespace {

// Expected values are numpy 1.24's (np.mean, np.median, np.std, np.percentile) printed with
// repr(), i.e. exact doubles: the comparisons are bit-for-bit, not approximate.
struct StatsCase {
  std::string name;
  std::vector<double> values;
  std::vector<double> percentiles;
  double mean;
  double median;
  double stddev;
  std::vector<double> expected_percentiles;
};

class NumpyReference : public testing::TestWithParam<StatsCase> {};

TEST_P(NumpyReference, MatchesNumpy) {
  const auto& c = GetParam();
  const SampleStats s = compute_stats(c.values, c.percentiles);
  EXPECT_EQ(s.count, c.values.size());
  EXPECT_EQ(s.mean, c.mean);
  EXPECT_EQ(s.median, c.median);
  EXPECT_EQ(s.stddev, c.stddev);
  ASSERT_EQ(s.percentiles.size(), c.expected_percentiles.size());
  for (std::size_t i = 0; i < c.percentiles.size(); ++i) {
    EXPECT_EQ(s.percentiles[i].percentile, c.percentiles[i]);
    EXPECT_EQ(s.percentiles[i].value, c.expected_percentiles[i]) << "p" << c.percentiles[i];
  }
}

INSTANTIATE_TEST_SUITE_P(
    SampleStats, NumpyReference,
    testing::Values(
        // The brief's example: p99 interpolates 97% of the way from 3 to 4.
        StatsCase{"FourValues", {1, 2, 3, 4}, {50, 99}, 2.5, 2.5, 1.118033988749895,
                  {2.5, 3.9699999999999998}},
        StatsCase{"SingleValue", {42.5}, {0, 50, 99, 100}, 42.5, 42.5, 0.0,
                  {42.5, 42.5, 42.5, 42.5}},
        StatsCase{"UnsortedOdd",
                  {5.5, 1.25, 4.0, 2.0, 3.0, 9.75, 0.5},
                  {0, 25, 50, 90, 99.9, 100},
                  3.7142857142857144,
                  3.0,
                  2.9167881412993455,
                  {0.5, 1.625, 3.0, 7.200000000000001, 9.724500000000003, 9.75}},
        // Even count: the median is the mean of the two middle values (3 and 7).
        StatsCase{"EvenUnsortedWithDuplicates",
                  {7.0, 3.0, 3.0, 10.0, 1.0, 8.0},
                  {10, 33.3, 50, 75, 99},
                  5.333333333333333,
                  5.0,
                  3.197221015541813,
                  {2.0, 3.0, 5.0, 7.75, 9.9}},
        StatsCase{"SeedLatencies",
                  {11300.73, 8246.29, 7706.34, 8501.95, 23844.70, 17224.27, 16479.20, 16959.75,
                   45.5},
                  {50, 90, 95, 99, 99.9},
                  12256.525555555556,
                  11300.73,
                  6665.177142970789,
                  {11300.73, 18548.356, 21196.528, 23315.0656, 23791.736560000005}}),
    [](const testing::TestParamInfo<StatsCase>& info) { return info.param.name; });

// 20000 samples cross numpy's 8192-element reduction buffer and its pairwise-summation
// recursion; a naive left-to-right sum gives 81.35664285714304 for the mean instead.
TEST(SampleStats, LongSeriesMatchesNumpySummationOrder) {
  std::vector<double> v;
  for (int i = 0; i < 20000; ++i) v.push_back(((i * 7919) % 1000) / 7.0 + i * 1e-3);
  const double ps[] = {50, 90, 99, 99.9};
  const SampleStats s = compute_stats(v, ps);
  EXPECT_EQ(s.mean, 81.35664285714286);
  EXPECT_EQ(s.median, 81.35971428571429);
  EXPECT_EQ(s.stddev, 41.64135278567963);
  EXPECT_EQ(s.percentiles[0].value, 81.35971428571429);
  EXPECT_EQ(s.percentiles[1].value, 138.49448571428576);
  EXPECT_EQ(s.percentiles[2].value, 155.21359285714283);
  EXPECT_EQ(s.percentiles[3].value, 160.39164028571454);
}

TEST(SampleStats, EmptyInputIsAllZeroLikeVllm) {
  const double ps[] = {50, 99};
  const SampleStats s = compute_stats({}, ps);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.mean, 0.0);
  EXPECT_EQ(s.median, 0.0);
  EXPECT_EQ(s.stddev, 0.0);
  EXPECT_EQ(s.min, 0.0);
  EXPECT_EQ(s.max, 0.0);
  ASSERT_EQ(s.percentiles.size(), 2u);
  EXPECT_EQ(s.percentiles[0].percentile, 50.0);
  EXPECT_EQ(s.percentiles[0].value, 0.0);
  EXPECT_EQ(s.percentiles[1].value, 0.0);
}

TEST(SampleStats, MinMaxAndInputUntouched) {
  const std::vector<double> v{3, -1, 7, 2};
  const std::vector<double> copy = v;
  const SampleStats s = compute_stats(v, {});
  EXPECT_EQ(s.min, -1.0);
  EXPECT_EQ(s.max, 7.0);
  EXPECT_TRUE(s.percentiles.empty());
  EXPECT_EQ(v, copy);
}

TEST(SampleStats, PercentileLookup) {
  const double ps[] = {99, 99.9};
  const SampleStats s = compute_stats(std::vector<double>{1, 2, 3, 4}, ps);
  EXPECT_EQ(s.percentile_or(99, -1), 3.9699999999999998);
  EXPECT_EQ(s.percentile_or(99.9, -1), 3.9970000000000003);
  EXPECT_EQ(s.percentile_or(50, -1), -1.0);
}

TEST(SampleStats, PercentileEdgesAndClamping) {
  const std::vector<double> sorted{10, 20, 30};
  EXPECT_EQ(percentile_sorted(sorted, 0), 10.0);
  EXPECT_EQ(percentile_sorted(sorted, 100), 30.0);
  EXPECT_EQ(percentile_sorted(sorted, 50), 20.0);
  EXPECT_EQ(percentile_sorted(sorted, 25), 15.0);
  EXPECT_EQ(percentile_sorted(sorted, 150), 30.0);
  EXPECT_EQ(percentile_sorted(sorted, -5), 10.0);
  EXPECT_EQ(percentile_sorted({}, 50), 0.0);
}

TEST(SampleStats, NumpySumUsesPairwiseBlocks) {
  // Below 8 elements numpy adds left to right: (1e16 + 1) + 1 loses both ones.
  const std::vector<double> small{1e16, 1.0, 1.0};
  EXPECT_EQ(numpy_sum(small), 1e16);
  // With 8 accumulators, the ones meet each other before meeting 1e16.
  std::vector<double> eight{1e16, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  double left_to_right = 0.0;
  for (double x : eight) left_to_right += x;
  EXPECT_EQ(left_to_right, 1e16);
  // numpy: accumulators [1e16, 1 x7] combine as ((1e16+1)+2) + 4 = 1e16+6 (doubles are 2
  // apart there), then the ninth element: 1e16+7 rounds to even, 1e16+8.
  EXPECT_EQ(numpy_sum(eight), 1e16 + 8.0);
  EXPECT_EQ(numpy_sum({}), 0.0);
}

}  // namespace
}  // namespace llmload::metrics
