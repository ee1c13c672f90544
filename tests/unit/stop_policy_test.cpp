// The run's stop rules with an injected clock: the duration limit, the first stop request and
// its grace period, the second stop request. No sleeping: every instant is an argument.
#include "llmload/runtime/stop_policy.hpp"

#include <gtest/gtest.h>

namespace llmload::runtime {
namespace {

using namespace std::chrono_literals;

constexpr core::Nanos kPolicyOrigin = 1'000'000'000'000;  // any steady-clock stamp
constexpr core::Nanos kMs = 1'000'000;

TEST(StopPolicy, RunsUntilAskedWhenThereIsNoDuration) {
  StopPolicy policy(kPolicyOrigin, 0ns, 10s);
  EXPECT_EQ(policy.update(kPolicyOrigin, 0), StopLevel::kRunning);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'000'000 * kMs, 0), StopLevel::kRunning);  // 1000 s later
  EXPECT_FALSE(policy.stop_sending());
  EXPECT_FALSE(policy.duration_reached());
  EXPECT_EQ(policy.next_deadline_ns(), StopPolicy::kNever);
}

TEST(StopPolicy, ReachingTheDurationStopsSendingAndLetsRequestsFinish) {
  StopPolicy policy(kPolicyOrigin, 300ms, 10s);
  EXPECT_EQ(policy.next_deadline_ns(), kPolicyOrigin + 300 * kMs);
  EXPECT_EQ(policy.update(kPolicyOrigin + 299 * kMs, 0), StopLevel::kRunning);
  EXPECT_EQ(policy.update(kPolicyOrigin + 300 * kMs, 0), StopLevel::kStopping);
  EXPECT_TRUE(policy.stop_sending());
  EXPECT_TRUE(policy.duration_reached());
  // No grace period runs after the duration: what is in flight finishes, however long.
  EXPECT_EQ(policy.next_deadline_ns(), StopPolicy::kNever);
  EXPECT_EQ(policy.update(kPolicyOrigin + 3'600'000 * kMs, 0), StopLevel::kStopping);
}

TEST(StopPolicy, FirstStopRequestStopsSendingForTheGracePeriod) {
  StopPolicy policy(kPolicyOrigin, 0ns, 10s);
  const core::Nanos asked = kPolicyOrigin + 2'000 * kMs;
  EXPECT_EQ(policy.update(asked, 1), StopLevel::kStopping);
  EXPECT_TRUE(policy.stop_sending());
  EXPECT_FALSE(policy.duration_reached());
  EXPECT_EQ(policy.next_deadline_ns(), asked + 10'000 * kMs);
  EXPECT_EQ(policy.update(asked + 9'999 * kMs, 1), StopLevel::kStopping);
  // The grace period is over: what is still in flight is cancelled.
  EXPECT_EQ(policy.update(asked + 10'000 * kMs, 1), StopLevel::kCancelling);
  EXPECT_EQ(policy.next_deadline_ns(), StopPolicy::kNever);
}

TEST(StopPolicy, SecondStopRequestCancelsAtOnce) {
  StopPolicy policy(kPolicyOrigin, 0ns, 10s);
  EXPECT_EQ(policy.update(kPolicyOrigin + 100 * kMs, 1), StopLevel::kStopping);
  EXPECT_EQ(policy.update(kPolicyOrigin + 101 * kMs, 2), StopLevel::kCancelling);
}

TEST(StopPolicy, TwoStopRequestsSeenTogetherGoStraightToCancelling) {
  StopPolicy policy(kPolicyOrigin, 0ns, 10s);
  EXPECT_EQ(policy.update(kPolicyOrigin, 2), StopLevel::kCancelling);
  EXPECT_TRUE(policy.stop_sending());
}

TEST(StopPolicy, ZeroGracePeriodCancelsOnTheFirstRequest) {
  StopPolicy policy(kPolicyOrigin, 0ns, 0ns);
  EXPECT_EQ(policy.update(kPolicyOrigin + 5 * kMs, 1), StopLevel::kCancelling);
}

TEST(StopPolicy, AStopRequestAfterTheDurationStartsTheGracePeriod) {
  StopPolicy policy(kPolicyOrigin, 1s, 5s);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'000 * kMs, 0), StopLevel::kStopping);
  const core::Nanos asked = kPolicyOrigin + 4'000 * kMs;
  EXPECT_EQ(policy.update(asked, 1), StopLevel::kStopping);
  EXPECT_TRUE(policy.duration_reached());  // still the duration's stop
  EXPECT_EQ(policy.next_deadline_ns(), asked + 5'000 * kMs);
  EXPECT_EQ(policy.update(asked + 4'999 * kMs, 1), StopLevel::kStopping);
  EXPECT_EQ(policy.update(asked + 5'000 * kMs, 1), StopLevel::kCancelling);
}

TEST(StopPolicy, ASecondRequestAfterTheDurationCancels) {
  StopPolicy policy(kPolicyOrigin, 1s, 5s);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'000 * kMs, 0), StopLevel::kStopping);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'500 * kMs, 1), StopLevel::kStopping);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'600 * kMs, 2), StopLevel::kCancelling);
}

TEST(StopPolicy, TheDurationAndAStopRequestTogetherCountAsTheDurationsStop) {
  // Both seen in one update: the duration stops the sending, the request starts the grace.
  StopPolicy policy(kPolicyOrigin, 1s, 5s);
  const core::Nanos now = kPolicyOrigin + 1'200 * kMs;
  EXPECT_EQ(policy.update(now, 1), StopLevel::kStopping);
  EXPECT_TRUE(policy.duration_reached());
  EXPECT_EQ(policy.next_deadline_ns(), now + 5'000 * kMs);
}

TEST(StopPolicy, AStopRequestBeforeTheDurationIsNotTheDurations) {
  StopPolicy policy(kPolicyOrigin, 1s, 5s);
  EXPECT_EQ(policy.update(kPolicyOrigin + 500 * kMs, 1), StopLevel::kStopping);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'500 * kMs, 1), StopLevel::kStopping);  // past the duration
  EXPECT_FALSE(policy.duration_reached());
}

TEST(StopPolicy, LevelsNeverGoBack) {
  StopPolicy policy(kPolicyOrigin, 0ns, 10s);
  EXPECT_EQ(policy.update(kPolicyOrigin, 2), StopLevel::kCancelling);
  EXPECT_EQ(policy.update(kPolicyOrigin + kMs, 0), StopLevel::kCancelling);
  EXPECT_EQ(policy.update(kPolicyOrigin - kMs, 1), StopLevel::kCancelling);  // a clock read out of order
  EXPECT_EQ(policy.level(), StopLevel::kCancelling);
}

TEST(StopPolicy, HugeLimitsDoNotWrapIntoThePast) {
  StopPolicy policy(kPolicyOrigin, std::chrono::nanoseconds::max(), std::chrono::nanoseconds::max());
  EXPECT_EQ(policy.next_deadline_ns(), StopPolicy::kNever);
  EXPECT_EQ(policy.update(kPolicyOrigin + 1'000 * kMs, 0), StopLevel::kRunning);
  EXPECT_EQ(policy.update(kPolicyOrigin + 2'000 * kMs, 1), StopLevel::kStopping);
  EXPECT_EQ(policy.next_deadline_ns(), StopPolicy::kNever);
  EXPECT_EQ(policy.update(kPolicyOrigin + 3'000 * kMs, 1), StopLevel::kStopping);
}

TEST(StopPolicy, LevelNumbersAreTheProgressSnapshots) {
  EXPECT_EQ(stop_level_number(StopLevel::kRunning), 0);
  EXPECT_EQ(stop_level_number(StopLevel::kStopping), 1);
  EXPECT_EQ(stop_level_number(StopLevel::kCancelling), 2);
}

}  // namespace
}  // namespace llmload::runtime
