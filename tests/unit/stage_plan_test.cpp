// A profile stage resolved into a RunPlan on typed values: no number goes through text.
#include "llmload/config/stage_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace llmload::config {
namespace {

Profile profile(const std::string& yaml) {
  auto loaded = parse_profile(yaml, "test.yaml");
  EXPECT_TRUE(loaded.profile) << format_problems(loaded.problems);
  return loaded.profile ? *loaded.profile : Profile{};
}

TEST(StagePlan, RatesAndThresholdsKeepEveryBit) {
  auto p = profile(R"(
load:
  stages:
    - {name: steady, rate: 2/s, requests: 30, concurrency: 7, burstiness: 0.5}
slo:
  - {metric: ttft, stat: p99.9, max: 500ms}
  - {metric: goodput, min: 1/s, ttft: 250ms, tpot: 40ms}
)");
  // A capacity-search probe changes one number of the stage; the plan must carry it exactly.
  p.stages[0].rate = 3.14159265358979;
  p.slos[1].good_ttft_ms = 123.456789012345;
  const auto plan = resolve_stage(p, p.stages[0], {"out", "01-01-steady.json", "steady"});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->arrivals.request_rate, 3.14159265358979);
  EXPECT_EQ(plan->arrivals.burstiness, 0.5);
  EXPECT_EQ(plan->max_concurrency, 7);
  EXPECT_EQ(plan->num_prompts, 30);
  EXPECT_EQ(plan->results.goodput_ttft_ms, 123.456789012345);
  EXPECT_EQ(plan->results.goodput_tpot_ms, 40.0);
  EXPECT_EQ(plan->results.percentiles, (std::vector<double>{50, 90, 99, 99.9}));
  EXPECT_EQ(plan->results.result_filename, "01-01-steady.json");
  EXPECT_EQ(plan->results.label, "steady");
  EXPECT_TRUE(plan->results.save_result);
  EXPECT_TRUE(plan->use_simulator);
}

TEST(StagePlan, HeadersRampsAndClosedLoopsForATime) {
  const auto p = profile(R"(
target: {base_url: "http://127.0.0.1:9", headers: {X-Tenant: "a=b c"}}
load:
  stages:
    - {name: ramp, ramp: {from: 1/s, to: 9/s}, duration: 10s}
    - {name: closed, concurrency: 4, duration: 30s}
)");
  const auto ramp = resolve_stage(p, p.stages[0], {"out", "a.json", "ramp"});
  ASSERT_TRUE(ramp) << ramp.error().message;
  ASSERT_TRUE(ramp->arrivals.ramp_up);
  EXPECT_EQ(ramp->arrivals.ramp_up->start_rps, 1);
  EXPECT_EQ(ramp->arrivals.ramp_up->end_rps, 9);
  EXPECT_EQ(ramp->num_prompts, 50);  // mean rate 5/s for 10 s
  ASSERT_EQ(ramp->headers.size(), 1u);
  EXPECT_EQ(ramp->headers[0].second, "a=b c");
  const auto closed = resolve_stage(p, p.stages[1], {"out", "b.json", "closed"});
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_EQ(closed->duration, std::chrono::seconds(30));
  EXPECT_EQ(closed->num_prompts, 12000);  // 100 per second per slot
  EXPECT_TRUE(std::isinf(closed->arrivals.request_rate));
}

}  // namespace
}  // namespace llmload::config
