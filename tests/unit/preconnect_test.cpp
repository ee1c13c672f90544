// --preconnect: the flag and the profile key reach the plan (off by default, vLLM's
// definition), a bad value names its line, and how many connections are opened before the clock.
#include "bench_flags_fixture.hpp"
#include "llmload/config/bench_options.hpp"
#include "llmload/config/stage_plan.hpp"
#include "llmload/runtime/runner.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <utility>

namespace llmload {
namespace {

config::BenchOptions parse(std::vector<std::string> args) {
  return testing_support::parse_bench_flags(std::move(args));
}

TEST(PreconnectConfig, BenchFlagIsOffUnlessGiven) {
  const auto off = config::resolve(parse({}));
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->preconnect);
  EXPECT_EQ(config::describe_plan(*off).find("--preconnect"), std::string::npos);
  const auto on = config::resolve(parse({"--preconnect", "--max-concurrency", "4"}));
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->preconnect);
  EXPECT_NE(config::describe_plan(*on).find("opened before the clock starts (--preconnect; not in vLLM)"),
            std::string::npos);
}

TEST(PreconnectConfig, ProfileLoadKeyReachesEveryStagePlan) {
  const auto loaded = config::parse_profile(
      "load:\n  preconnect: true\n  stages: [{concurrency: 4, requests: 8}, {rate: 2/s, requests: 4}]\n", "p.yaml");
  ASSERT_TRUE(loaded.profile) << config::format_problems(loaded.problems);
  for (const auto& stage : loaded.profile->stages) {
    const auto plan = config::resolve_stage(*loaded.profile, stage, {"out", "s.json", "s"});
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_TRUE(plan->preconnect);
  }
  const auto unset = config::parse_profile("load: {stages: [{rate: 1/s, requests: 2}]}\n", "u.yaml");
  ASSERT_TRUE(unset.profile);
  EXPECT_FALSE(unset.profile->preconnect);
  const auto bad = config::parse_profile("load:\n  preconnect: sometimes\n  stages: [{rate: 1/s, requests: 2}]\n", "b.yaml");
  ASSERT_FALSE(bad.profile);
  const auto text = config::format_problems(bad.problems);
  EXPECT_NE(text.find("b.yaml:2:15: 'load.preconnect' must be true or false"), std::string::npos) << text;
}

TEST(PreconnectConfig, CountIsTheMaxConcurrencyElseTheFirstSecondsRequests) {
  const std::vector<core::Nanos> offsets{0, 0, 400'000'000, 999'999'999, 1'000'000'000, 5'000'000'000};
  EXPECT_EQ(runtime::preconnect_count(std::nullopt, offsets), 4);  // due before 1 s
  EXPECT_EQ(runtime::preconnect_count(3, offsets), 3);             // a closed loop's streams
  EXPECT_EQ(runtime::preconnect_count(100, offsets), 6);           // never more than the requests
  const std::vector<core::Nanos> at_once(50, 0);
  EXPECT_EQ(runtime::preconnect_count(std::nullopt, at_once), 50);  // an infinite rate: every request
  EXPECT_EQ(runtime::preconnect_count(std::nullopt, {}), 0);
}

}  // namespace
}  // namespace llmload
