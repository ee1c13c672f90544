#include "llmload/schedule/arrival_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace llmload::schedule {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ArrivalSchedule, InfiniteRateSendsEverythingAtOnce) {
  auto offsets = make_arrival_offsets(5, {.request_rate = kInf});
  ASSERT_TRUE(offsets);
  EXPECT_EQ(*offsets, std::vector<core::Nanos>(5, 0));
}

TEST(ArrivalSchedule, FiniteRateEndsExactlyAtCountOverRate) {
  // vLLM normalises the cumulative gaps so the last request is due at count / rate.
  auto offsets = make_arrival_offsets(200, {.request_rate = 16, .seed = 7});
  ASSERT_TRUE(offsets);
  EXPECT_TRUE(std::is_sorted(offsets->begin(), offsets->end()));
  EXPECT_EQ(offsets->back(), 12'500'000'000);  // 200 / 16 s
  EXPECT_GT(offsets->front(), 0);              // the first request waits one gap, as in vLLM
}

TEST(ArrivalSchedule, SameSeedSameScheduleOtherSeedDifferent) {
  auto a = make_arrival_offsets(100, {.request_rate = 10, .seed = 1});
  auto b = make_arrival_offsets(100, {.request_rate = 10, .seed = 1});
  auto c = make_arrival_offsets(100, {.request_rate = 10, .seed = 2});
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(ArrivalSchedule, InfiniteBurstinessGivesConstantGaps) {
  auto offsets = make_arrival_offsets(4, {.request_rate = 2, .burstiness = kInf});
  ASSERT_TRUE(offsets);
  EXPECT_EQ(*offsets, (std::vector<core::Nanos>{500'000'000, 1'000'000'000, 1'500'000'000,
                                                2'000'000'000}));
}

// The gaps of a Poisson process have coefficient of variation 1; gamma(shape k) has 1/sqrt(k).
double gap_cv(const std::vector<core::Nanos>& offsets) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < offsets.size(); ++i) {
    gaps.push_back(static_cast<double>(offsets[i] - offsets[i - 1]));
  }
  const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / gaps.size();
  double var = 0;
  for (double g : gaps) var += (g - mean) * (g - mean);
  return std::sqrt(var / gaps.size()) / mean;
}

TEST(ArrivalSchedule, BurstinessShapesTheGapDistribution) {
  auto poisson = make_arrival_offsets(20000, {.request_rate = 100, .burstiness = 1, .seed = 3});
  auto bursty = make_arrival_offsets(20000, {.request_rate = 100, .burstiness = 0.25, .seed = 3});
  auto smooth = make_arrival_offsets(20000, {.request_rate = 100, .burstiness = 4, .seed = 3});
  ASSERT_TRUE(poisson && bursty && smooth);
  EXPECT_NEAR(gap_cv(*poisson), 1.0, 0.05);
  EXPECT_NEAR(gap_cv(*bursty), 2.0, 0.12);
  EXPECT_NEAR(gap_cv(*smooth), 0.5, 0.03);
}

TEST(ArrivalSchedule, LinearRampUpRaisesTheRate) {
  ArrivalOptions options{.request_rate = kInf,
                         .burstiness = kInf,
                         .ramp_up = RampUp{RampUp::Strategy::kLinear, 1, 10}};
  EXPECT_DOUBLE_EQ(rate_at(options, 0, 10), 1.0);
  EXPECT_DOUBLE_EQ(rate_at(options, 9, 10), 10.0);
  EXPECT_DOUBLE_EQ(rate_at(options, 3, 10), 4.0);
  auto offsets = make_arrival_offsets(10, options);
  ASSERT_TRUE(offsets);
  // No normalisation with a ramp: the gaps are exactly 1/rate_i.
  EXPECT_EQ((*offsets)[0], 1'000'000'000);
  EXPECT_EQ((*offsets)[1] - (*offsets)[0], 500'000'000);
  EXPECT_EQ((*offsets)[9] - (*offsets)[8], 100'000'000);
}

TEST(ArrivalSchedule, ExponentialRampUp) {
  ArrivalOptions options{.ramp_up = RampUp{RampUp::Strategy::kExponential, 1, 16}};
  EXPECT_DOUBLE_EQ(rate_at(options, 0, 5), 1.0);
  EXPECT_DOUBLE_EQ(rate_at(options, 2, 5), 4.0);
  EXPECT_DOUBLE_EQ(rate_at(options, 4, 5), 16.0);
}

TEST(ArrivalSchedule, RejectsBadParametersNamingTheFlag) {
  auto r1 = make_arrival_offsets(3, {.request_rate = 0});
  ASSERT_FALSE(r1);
  EXPECT_NE(r1.error().message.find("--request-rate"), std::string::npos);
  auto r2 = make_arrival_offsets(3, {.request_rate = 1, .burstiness = 0});
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("--burstiness"), std::string::npos);
  auto r3 = make_arrival_offsets(3, {.ramp_up = RampUp{RampUp::Strategy::kExponential, 0, 5}});
  ASSERT_FALSE(r3);
  EXPECT_NE(r3.error().message.find("exponential"), std::string::npos);
  auto r4 = make_arrival_offsets(3, {.ramp_up = RampUp{RampUp::Strategy::kLinear, 5, 1}});
  ASSERT_FALSE(r4);
}

}  // namespace
}  // namespace llmload::schedule
