// Early stop as a pure function of the progress counters: synthetic series (a sample every
// half second) for each rule, the ones that must not fire (a run's start, a ramp the target
// keeps up with, a closed loop), and the stop_when settings of bench flags and profiles.
#include "llmload/runtime/early_stop.hpp"

#include "llmload/app/slo.hpp"
#include "llmload/config/bench_options.hpp"
#include "llmload/config/profile.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace llmload::runtime {
namespace {

using namespace std::chrono_literals;

constexpr core::Nanos kHalf = 500'000'000;  // one sample every 0.5 s, as the supervisor takes them

/// Feeds `samples` samples made by `at(i)` (elapsed = i × 0.5 s); returns the first decision
/// and the sample index it came at (-1: none).
std::pair<std::optional<StoppedEarly>, int> feed(EarlyStopJudge& judge, int samples,
                                                 const std::function<StopSample(int)>& at) {
  for (int i = 0; i < samples; ++i) {
    StopSample s = at(i);
    s.elapsed_ns = i * kHalf;
    if (auto d = judge.add(s)) return {d, i};
  }
  return {std::nullopt, -1};
}

/// A healthy open loop: 20 requests/s, each 1 s long, nothing fails.
StopSample healthy(int i) {
  const std::int64_t started = 10 * i, finished = std::max(0, 10 * (i - 2));
  return {0, started, finished, 0};
}

TEST(EarlyStop, ErrorsStopAtTheCount) {
  config::StopWhen rules;
  rules.errors = 25;
  EarlyStopJudge judge(rules);
  const auto [d, at] = feed(judge, 100, [](int i) { return StopSample{0, 10 * i, 10 * i, i >= 10 ? 5 * (i - 10) : 0}; });
  ASSERT_TRUE(d);
  EXPECT_EQ(at, 15);  // 25 failed at the 15th sample
  EXPECT_EQ(d->reason, "errors");
  EXPECT_EQ(d->at_ns, 15 * kHalf);
  EXPECT_EQ(d->message, "25 requests failed (limit 25)");
  EXPECT_EQ(d->figures.front(), (std::pair<std::string, double>{"failed", 25}));
  // Once decided, the decision stays.
  EXPECT_EQ(judge.add({100 * kHalf, 0, 0, 0})->at_ns, 15 * kHalf);
}

TEST(EarlyStop, ErrorRateOverTheSlidingWindow) {
  config::StopWhen rules;
  rules.error_rate = 0.5;
  rules.over = 2s;
  EarlyStopJudge judge(rules);
  // Healthy for 10 s (20 samples), then every request fails (a dead target refuses them).
  const auto [d, at] = feed(judge, 100, [](int i) {
    StopSample s = healthy(i);
    if (i > 20) s.failed = s.finished - healthy(20).finished;
    return s;
  });
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, "error_rate");
  // The window [t − 2 s, t] holds 4 half-second steps; more than half of them failing needs 3.
  EXPECT_EQ(at, 23);
  EXPECT_NEAR(d->figures[0].second, 0.75, 1e-12);
  EXPECT_EQ(d->figures[2], (std::pair<std::string, double>{"finished_in_window", 40}));
  EXPECT_NE(d->message.find("75.0% of the 40 requests that finished in the last 2.0 s failed (limit 50%)"),
            std::string::npos) << d->message;
}

TEST(EarlyStop, ErrorRateWaitsForAWholeWindowAndEnoughRequests) {
  config::StopWhen rules;
  rules.error_rate = 0.1;
  rules.over = 5s;
  EarlyStopJudge judge(rules);
  // Every request fails from the start, but slowly: 1 per second. The first full window
  // (at 5 s) holds 5 finished, the minimum.
  const auto [d, at] = feed(judge, 40, [](int i) { return StopSample{0, i / 2, i / 2, i / 2}; });
  ASSERT_TRUE(d);
  EXPECT_EQ(at, 10);
  EXPECT_EQ(config::kMinWindowRequests, 5);
  // Four failures in a window never decide anything.
  EarlyStopJudge few(rules);
  EXPECT_FALSE(feed(few, 40, [](int i) { return StopSample{0, std::min(i, 4), std::min(i, 4), std::min(i, 4)}; }).first);
}

TEST(EarlyStop, HealthyRunNeverStops) {
  config::StopWhen rules;
  rules.errors = 1;
  rules.error_rate = 0.01;
  rules.over = 2s;
  rules.saturation = 4s;
  EarlyStopJudge judge(rules);
  EXPECT_FALSE(feed(judge, 400, healthy).first);
}

TEST(EarlyStop, SaturationWhenInFlightGrowsAndThroughputIsFlat) {
  config::StopWhen rules;
  rules.saturation = 4s;
  EarlyStopJudge judge(rules);
  // Arrivals at 20/s; the target completes 20/s for 5 s, then only 8/s from there on: the
  // queue grows by 6 requests every half second while completions stay at 4 per half second.
  const auto [d, at] = feed(judge, 100, [](int i) {
    const std::int64_t started = 10 * i;
    const std::int64_t finished = i <= 10 ? 10 * i : 100 + 4 * (i - 10);
    return StopSample{0, started, std::min(started, finished), 0};
  });
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, "saturation");
  // In flight is 0 up to i = 10, then 6 × i − 60. At i = 14 the window's start (i = 6) and
  // middle (i = 10) both hold 0: no growth in the first half. At i = 15: a = 7 (0), m = 11 (6),
  // n = 15 (30), completions 34 then 16.
  EXPECT_EQ(at, 15);
  EXPECT_EQ(d->figures[0], (std::pair<std::string, double>{"in_flight_start", 0}));
  EXPECT_EQ(d->figures[2], (std::pair<std::string, double>{"in_flight_end", 30}));
  EXPECT_NE(d->message.find("over-saturated: requests in flight grew from 0 to 30 in 4.0 s while completions stayed "
                            "flat (17.00/s, then 8.00/s)"), std::string::npos)
      << d->message;
}

TEST(EarlyStop, SaturationIgnoresTheStartARampTheTargetFollowsAndAClosedLoop) {
  config::StopWhen rules;
  rules.saturation = 2s;
  // A run's start: long requests (10 s), nothing finished yet while in flight grows.
  EarlyStopJudge start(rules);
  EXPECT_FALSE(feed(start, 19, [](int i) { return StopSample{0, 10 * i, 0, 0}; }).first);
  // A linear ramp the target keeps up with (1 s latency): in flight grows, and so do completions.
  EarlyStopJudge ramp(rules);
  auto started = [](int i) { return static_cast<std::int64_t>(i) * (i + 1) / 2; };
  EXPECT_FALSE(feed(ramp, 200, [&](int i) { return StopSample{0, started(i), i >= 2 ? started(i - 2) : 0, 0}; }).first);
  // A closed loop at 32: in flight never exceeds 32, however slow the target.
  EarlyStopJudge closed(rules);
  EXPECT_FALSE(feed(closed, 200, [](int i) { return StopSample{0, 32 + i, i, 0}; }).first);
  // A hung target after a healthy start: in flight grows, nothing finishes: saturated.
  EarlyStopJudge hung(rules);
  const auto [d, at] = feed(hung, 100, [](int i) {
    return StopSample{0, 10 * i, i <= 10 ? std::max(0, 10 * (i - 2)) : 80, 0};
  });
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, "saturation");
  EXPECT_EQ(at, 13);  // a = 9 (in flight 20), m = 11 (30), n = 13 (50); completions 10, then 0
}

TEST(EarlyStop, NoRulesNeverStop) {
  EarlyStopJudge judge(config::StopWhen{});
  EXPECT_FALSE(config::StopWhen{}.any());
  EXPECT_FALSE(feed(judge, 50, [](int i) { return StopSample{0, 10 * i, 10 * i, 10 * i}; }).first);
}

TEST(EarlyStopSettings, BenchFlagsResolveAndBadOnesNameTheirFlag) {
  config::BenchOptions o;
  o.stop_on_errors = 50;
  o.stop_on_error_rate = 0.25;
  o.over_sec = 30;
  o.stop_on_saturation_sec = 60;
  auto plan = config::resolve(o);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->stop_when.errors, 50);
  EXPECT_EQ(plan->stop_when.error_rate, 0.25);
  EXPECT_EQ(plan->stop_when.over, 30s);
  EXPECT_EQ(plan->stop_when.saturation, 60s);
  EXPECT_NE(config::plan_to_json(*plan).find(R"("stop_when":{"errors":50,"error_rate":0.25,"over_s":30.0,"saturation_s":60.0})"),
            std::string::npos) << config::plan_to_json(*plan);
  EXPECT_EQ(config::describe_stop_when(plan->stop_when),
            "Early stop on: 50 failed requests; more than 25% failed over 30 s; over-saturated over 60 s");
  config::BenchOptions bad;
  bad.stop_on_error_rate = 1.5;
  bad.over_sec = 30;
  bad.stop_on_saturation_sec = 0.5;
  const auto error = config::resolve(bad);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("--stop-on-error-rate 1.5: expected a fraction above 0 and below 1"), std::string::npos);
  EXPECT_NE(error.error().message.find("--stop-on-saturation 0.5: expected a window of 1 to 86400 seconds"), std::string::npos);
  config::BenchOptions no_window;
  no_window.stop_on_error_rate = 0.5;
  EXPECT_NE(config::resolve(no_window).error().message.find("--over 0: --stop-on-error-rate needs a window"),
            std::string::npos);
}

TEST(EarlyStopSettings, ProfileStopWhenIsReadAndCheckedWithPositions) {
  const auto ok = config::parse_profile(
      "load:\n  stages:\n    - {rate: 5/s, duration: 1m, stop_when: {errors: 10, error_rate: 50%, over: 10s, saturation: 30s}}\n",
      "p.yaml");
  ASSERT_TRUE(ok.profile) << config::format_problems(ok.problems);
  const auto& s = ok.profile->stages[0].stop_when;
  EXPECT_EQ(s.errors, 10);
  EXPECT_EQ(s.error_rate, 0.5);
  EXPECT_EQ(s.over, 10s);
  EXPECT_EQ(s.saturation, 30s);
  const auto bad = config::parse_profile(R"(load:
  stages:
    - rate: 5/s
      duration: 1m
      stop_when: {errors: 0, error_rate: 50%, saturation: 200ms}
    - rate: 5/s
      duration: 1m
      stop_when: {eror: 3}
)", "p.yaml");
  EXPECT_EQ(config::format_problems(bad.problems),
            "p.yaml:5:18: 'load.stages.0.stop_when' needs error_rate and over together, e.g. {error_rate: 50%, over: 30s}\n"
            "p.yaml:5:27: 'load.stages.0.stop_when.errors' is 0; it must be at least 1\n"
            "p.yaml:5:59: 'load.stages.0.stop_when.saturation' must be at least 1s\n"
            "p.yaml:8:18: 'load.stages.1.stop_when' sets no rule; add errors: N, error_rate: R with over: S, or saturation: S\n"
            "p.yaml:8:19: unknown key 'eror' in 'load.stages.1.stop_when'; did you mean 'errors'?\n");
}

TEST(EarlyStopSettings, StageVerdictFailsWithTheReasonAndPassesWhenNoRuleHeld) {
  config::StopWhen rules;
  rules.errors = 3;
  EXPECT_FALSE(app::stop_when_verdict(config::StopWhen{}, std::nullopt));
  const auto passed = app::stop_when_verdict(rules, std::nullopt);
  ASSERT_TRUE(passed);
  EXPECT_TRUE(passed->passed);
  EXPECT_EQ(passed->slo, "ran to its end (stop_when)");
  StoppedEarly stop;
  stop.reason = "errors";
  stop.message = "3 requests failed (limit 3)";
  stop.at_ns = 12'340'000'000;
  const auto failed = app::stop_when_verdict(rules, stop);
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->passed);
  EXPECT_EQ(failed->detail, "stopped early after 12.3 s (errors): 3 requests failed (limit 3)");
}

}  // namespace
}  // namespace llmload::runtime
