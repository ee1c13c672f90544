// The capacity search as a pure object, driven by a fake oracle: no run, no clock.
#include "llmload/app/capacity_search.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

namespace llmload::app {
namespace {

config::ProfileSearch search(std::string over, double from, double to, std::int64_t max_runs = 8,
                             double tolerance = 0.05) {
  config::ProfileSearch s;
  s.over = std::move(over);
  s.from = from;
  s.to = to;
  s.max_runs = max_runs;
  s.tolerance = tolerance;
  return s;
}

/// Runs the search against `passes` and returns the values probed, in order.
std::vector<double> drive(CapacitySearch& s, const std::function<bool(double)>& passes) {
  std::vector<double> probed;
  while (const auto v = s.next()) {
    probed.push_back(*v);
    s.record(*v, passes(*v));
    if (probed.size() > 100) break;  // a search that never ends fails below
  }
  return probed;
}

TEST(CapacitySearch, RateBisectsGeometricallyWithinTheTolerance) {
  CapacitySearch s(search("rate", 1, 64, 20, 0.05));
  const double capacity = 13.7;
  const auto probed = drive(s, [&](double v) { return v <= capacity; });
  ASSERT_GE(probed.size(), 3u);
  EXPECT_EQ(probed[0], 1);
  EXPECT_EQ(probed[1], 64);
  EXPECT_DOUBLE_EQ(probed[2], 8);  // sqrt(1 * 64)
  ASSERT_TRUE(s.highest_passing() && s.lowest_failing());
  EXPECT_LE(*s.highest_passing(), capacity);
  EXPECT_GT(*s.lowest_failing(), capacity);
  EXPECT_LE((*s.lowest_failing() - *s.highest_passing()) / *s.highest_passing(), 0.05);
  EXPECT_EQ(s.probes(), static_cast<std::int64_t>(probed.size()));
}

TEST(CapacitySearch, ConcurrencyBisectsOnIntegersToOneStream) {
  CapacitySearch s(search("concurrency", 12, 48));
  const auto probed = drive(s, [](double v) { return v <= 27; });
  EXPECT_EQ(probed[2], 30);  // floor((12 + 48) / 2)
  EXPECT_EQ(s.highest_passing(), 27);
  EXPECT_EQ(s.lowest_failing(), 28);
  for (const double v : probed) EXPECT_EQ(v, std::floor(v));
}

TEST(CapacitySearch, StopsAfterMaxRuns) {
  CapacitySearch s(search("rate", 1, 1000, 4, 0.0001));
  const auto probed = drive(s, [](double v) { return v < 77; });
  EXPECT_EQ(probed.size(), 4u);
}

TEST(CapacitySearch, FromFailingEndsAtOnce) {
  CapacitySearch s(search("rate", 2, 64));
  const auto probed = drive(s, [](double) { return false; });
  EXPECT_EQ(probed, std::vector<double>{2});
  EXPECT_FALSE(s.highest_passing());
  EXPECT_EQ(s.lowest_failing(), 2);
}

TEST(CapacitySearch, ToPassingEndsAfterTwoRuns) {
  CapacitySearch s(search("concurrency", 4, 32));
  const auto probed = drive(s, [](double) { return true; });
  EXPECT_EQ(probed, (std::vector<double>{4, 32}));
  EXPECT_EQ(s.highest_passing(), 32);
  EXPECT_FALSE(s.lowest_failing());
}

}  // namespace
}  // namespace llmload::app
