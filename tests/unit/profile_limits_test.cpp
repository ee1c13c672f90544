// Bounds on what a profile (and the bench flags) may ask for: aliases expanded, nesting,
// duplicate keys, sweep points, document size, planned requests against memory, interval.
#include "llmload/config/bench_options.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/config/profile_limits.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace llmload::config {
namespace {

std::string messages(const ProfileLoad& r) { return format_problems(r.problems); }

constexpr const char* kLoad = "load: {stages: [{rate: 4/s, requests: 10}]}\n";

TEST(ProfileLimits, AliasBombIsRefusedQuicklyWithFileLine) {
  // Ten anchors, each referencing the previous one ten times: 10^10 values once expanded.
  std::string yaml = "request:\n  extra_body:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    yaml += fmt::format("    a{}: &a{} [", i, i);
    for (int j = 0; j < 10; ++j) yaml += fmt::format("{}*a{}", j == 0 ? "" : ", ", i - 1);
    yaml += "]\n";
  }
  yaml += kLoad;
  const auto start = std::chrono::steady_clock::now();
  const auto r = parse_profile(yaml, "bomb.yaml");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(r.profile);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_GT(r.problems[0].line, 0);
  EXPECT_NE(messages(r).find("bomb.yaml:"), std::string::npos) << messages(r);
  EXPECT_NE(messages(r).find("more than 100000 values once its aliases"), std::string::npos) << messages(r);
}

TEST(ProfileLimits, FewAliasesAreFine) {
  const auto r = parse_profile("request: {extra_body: {a: &v [1, 2], b: *v}}\n" + std::string(kLoad), "p.yaml");
  ASSERT_TRUE(r.profile) << messages(r);
  EXPECT_EQ(r.profile->request.extra_body_json, R"({"a":[1,2],"b":[1,2]})");
}

TEST(ProfileLimits, DeepNestingIsRefused) {
  std::string yaml = "request: {extra_body: {x: ";
  for (int i = 0; i < 100; ++i) yaml += "[";
  for (int i = 0; i < 100; ++i) yaml += "]";
  yaml += "}}\n" + std::string(kLoad);
  const auto r = parse_profile(yaml, "deep.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_NE(messages(r).find("nests deeper than 64 levels"), std::string::npos) << messages(r);
}

TEST(ProfileLimits, DuplicateKeyIsRefusedAtItsLine) {
  const auto r = parse_profile("load:\n  stages: [{rate: 4/s, requests: 10}]\nload:\n  stages: [{rate: 8/s, requests: 10}]\n",
                               "dup.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_EQ(messages(r), "dup.yaml:3:1: key 'load' is written twice in the same mapping; keep one\n");
  const auto nested = parse_profile("load: {stages: [{rate: 4/s, rate: 8/s, requests: 10}]}\n", "dup.yaml");
  ASSERT_FALSE(nested.profile);
  EXPECT_NE(messages(nested).find("key 'rate' is written twice"), std::string::npos) << messages(nested);
}

TEST(ProfileLimits, SweepOverTenThousandPointsIsRefusedAtOnce) {
  std::string yaml = std::string(kLoad) + "sweep:\n";
  const char* paths[] = {"request.temperature", "request.top_p", "request.top_k", "request.min_p",
                         "request.frequency_penalty", "request.presence_penalty", "request.repetition_penalty"};
  for (const char* path : paths) yaml += fmt::format("  {}: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]\n", path);
  const auto start = std::chrono::steady_clock::now();
  const auto r = parse_profile(yaml, "sweep.yaml");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(r.profile);
  EXPECT_NE(messages(r).find("sweep.yaml:3:3: the sweep has more than 10000 points"), std::string::npos) << messages(r);
  EXPECT_EQ(sweep_point_count({{"a", std::vector<std::string>(100, "1")}, {"b", std::vector<std::string>(100, "1")}}), 10000);
}

TEST(ProfileLimits, StageRequestsBeyondMemoryAreRefusedWithFileLine) {
  const auto r = parse_profile("load:\n  stages:\n    - {rate: 4/s, requests: 2000000000}\n", "big.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_NE(messages(r).find("big.yaml:3:29: 'load.stages.0': 2000000000 requests would need about"), std::string::npos)
      << messages(r);
  const auto timed = parse_profile("load: {stages: [{rate: 1000000000/s, duration: 100h}]}\n", "big.yaml");
  ASSERT_FALSE(timed.profile);
  EXPECT_NE(messages(timed).find("of memory"), std::string::npos) << messages(timed);
  EXPECT_TRUE(check_requests_fit(100000, 1024));
}

TEST(ProfileLimits, ZeroOutputsIntervalIsRefusedWithFileLine) {
  const auto r = parse_profile(std::string(kLoad) + "outputs:\n  interval: 0s\n", "iv.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_EQ(messages(r), "iv.yaml:3:13: 'outputs.interval' must be above 0, e.g. 5s\n");
}

TEST(ProfileLimits, DocumentOverOneMebibyteIsRefused) {
  const auto r = parse_profile(std::string(kLoad) + "# " + std::string(kMaxProfileBytes, 'x') + "\n", "huge.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_NE(messages(r).find("a profile may have at most 1048576 (1 MiB)"), std::string::npos) << messages(r);
}

TEST(ProfileLimits, BenchNumPromptsBeyondMemoryIsRefused) {
  BenchOptions o;
  o.num_prompts = 2000000000;
  const auto plan = resolve(o);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("--num-prompts 2000000000: 2000000000 requests would need about"),
            std::string::npos)
      << plan.error().message;
}

}  // namespace
}  // namespace llmload::config
