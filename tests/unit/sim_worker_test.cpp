// A simulator thread's seeded draws: exact mode's per-request time to first token.
#include "llmload/sim/sim_worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace llmload::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(SimWorker, WithoutJitterEveryRequestGetsTheFixedTtft) {
  Worker w;
  SimOptions o;
  o.ttft = milliseconds(50);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(w.request_ttft(o), milliseconds(50));
}

TEST(SimWorker, JitteredTtftsAreUniformAroundTheFixedOneAndRepeatWithTheSeed) {
  SimOptions o;
  o.ttft = milliseconds(50);
  o.ttft_jitter = milliseconds(20);
  Worker a, b;
  a.ttft_state = b.ttft_state = 42;
  constexpr int kDraws = 100000;
  double sum = 0, below_40 = 0;
  nanoseconds lowest = milliseconds(1000), highest{0};
  for (int i = 0; i < kDraws; ++i) {
    const nanoseconds t = a.request_ttft(o);
    ASSERT_EQ(t, b.request_ttft(o));  // the same seed gives the same sequence
    lowest = std::min(lowest, t), highest = std::max(highest, t);
    const double ms = std::chrono::duration<double, std::milli>(t).count();
    sum += ms;
    if (ms < 40) ++below_40;
  }
  EXPECT_GE(lowest, milliseconds(30));
  EXPECT_LT(highest, milliseconds(70));
  EXPECT_LT(lowest, milliseconds(31));   // the whole range is reached
  EXPECT_GT(highest, milliseconds(69));
  // Uniform over 30..70 ms: mean 50 ms (standard error 11.5 / sqrt(1e5) = 0.04 ms), a quarter below 40.
  EXPECT_NEAR(sum / kDraws, 50.0, 0.2);
  EXPECT_NEAR(below_40 / kDraws, 0.25, 0.01);
  Worker c;
  c.ttft_state = 43;
  EXPECT_NE(c.request_ttft(o), Worker{.ttft_state = 42}.request_ttft(o));
}

}  // namespace
}  // namespace llmload::sim
