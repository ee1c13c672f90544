// Several replicas as targets: the balance choices (pure), the per-target figures from the
// records, and the flags and profile keys that name the targets.
#include "bench_flags_fixture.hpp"
#include "llmload/config/bench_options.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/config/stage_plan.hpp"
#include "llmload/metrics/per_target.hpp"
#include "llmload/runtime/target_balance.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <utility>

#include <array>
#include <vector>

namespace llmload {
namespace {

using metrics::Outcome;
using metrics::RequestRecord;

TEST(TargetBalance, RoundRobinCountsFirstTurnsOnly) {
  EXPECT_EQ(runtime::round_robin_target(0, 3), 0);
  EXPECT_EQ(runtime::round_robin_target(4, 3), 1);
  // Single requests: target i mod N.
  const std::vector<std::int32_t> singles(7, -1);
  EXPECT_EQ(runtime::round_robin_targets(singles, 3), (std::vector<std::uint16_t>{0, 1, 2, 0, 1, 2, 0}));
  // Conversations of 3 turns: every turn where its first turn went, conversations in turn.
  const std::vector<std::int32_t> turns{-1, 0, 1, -1, 3, 4, -1, 6, 7};
  EXPECT_EQ(runtime::round_robin_targets(turns, 2), (std::vector<std::uint16_t>{0, 0, 0, 1, 1, 1, 0, 0, 0}));
}

TEST(TargetBalance, LeastInFlightTakesTheSmallestAndSpreadsTies) {
  const std::array<std::int64_t, 3> loads{4, 1, 2};
  EXPECT_EQ(runtime::least_in_flight_target(loads, 0), 1);
  EXPECT_EQ(runtime::least_in_flight_target(loads, 2), 1);
  const std::array<std::int64_t, 3> ties{2, 2, 2};
  EXPECT_EQ(runtime::least_in_flight_target(ties, 0), 0);
  EXPECT_EQ(runtime::least_in_flight_target(ties, 1), 1);
  EXPECT_EQ(runtime::least_in_flight_target(ties, 5), 2);  // start mod N
  const std::array<std::int64_t, 4> two_low{3, 0, 5, 0};
  EXPECT_EQ(runtime::least_in_flight_target(two_low, 2), 3);  // the first low one from 2 on
  EXPECT_EQ(runtime::least_in_flight_target(two_low, 0), 1);
}

TEST(TargetBalance, TargetLoadCountsStartsAndEnds) {
  runtime::TargetLoad load(3);
  EXPECT_EQ(load.least_loaded(0), 0);
  load.started(0);
  load.started(1);
  EXPECT_EQ(load.least_loaded(0), 2);
  load.started(2);
  load.started(2);
  load.finished(1);
  EXPECT_EQ(load.least_loaded(0), 1);
  runtime::TargetLoad many(100);  // beyond the counts read on the stack
  for (std::uint16_t t = 0; t < 100; ++t) {
    if (t != 77) many.started(t);
  }
  EXPECT_EQ(many.least_loaded(3), 77);
}

RequestRecord ok_record(std::uint16_t target, core::Nanos start, std::vector<core::Nanos> chunks,
                        std::int32_t usage_tokens = -1) {
  RequestRecord r;
  r.target = target;
  r.start_ns = start;
  r.chunk_ns = std::move(chunks);
  r.end_ns = r.chunk_ns.back();
  r.usage_completion_tokens = usage_tokens;
  return r;
}

TEST(PerTarget, FiguresFollowVllmsDefinitionsPerTarget) {
  std::vector<RequestRecord> records;
  records.push_back(ok_record(0, 1'000'000, {11'000'000, 13'000'000, 17'000'000}));  // TTFT 10, E2EL 16 ms
  records.push_back(ok_record(1, 1'000'000, {21'000'000, 31'000'000}, 5));            // TTFT 20, E2EL 30 ms
  records.push_back(ok_record(0, 1'000'000, {31'000'000}));                            // one token: no TPOT
  RequestRecord refused;
  refused.target = 1;
  refused.start_ns = 5;
  refused.outcome = Outcome::kConnectError;
  records.push_back(refused);
  RequestRecord never_sent;  // a dropped later turn: no target's
  never_sent.target = 1;
  never_sent.outcome = Outcome::kCancelled;
  records.push_back(never_sent);
  RequestRecord stray = ok_record(7, 1'000'000, {2'000'000});  // outside the URLs: left out
  records.push_back(stray);

  const std::vector<std::string> urls{"http://a:1", "http://b:2"};
  const auto t = metrics::target_breakdown(records, urls, 2.0);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].url, "http://a:1");
  EXPECT_EQ(t[0].requests, 2);
  EXPECT_EQ(t[0].completed, 2);
  EXPECT_EQ(t[0].failed, 0);
  EXPECT_EQ(t[0].output_tokens, 4);  // 3 chunks + 1 chunk
  EXPECT_DOUBLE_EQ(t[0].output_throughput, 2.0);
  EXPECT_EQ(t[0].ttft_ms.count, 2u);
  EXPECT_DOUBLE_EQ(t[0].ttft_ms.percentile_or(50, -1), 20.0);  // numpy linear of {10, 30}
  EXPECT_DOUBLE_EQ(t[0].ttft_ms.percentile_or(99, -1), 29.8);
  EXPECT_EQ(t[0].tpot_ms.count, 1u);
  EXPECT_DOUBLE_EQ(t[0].tpot_ms.percentile_or(50, -1), 3.0);  // (16 - 10) / 2
  EXPECT_EQ(t[0].itl_ms.count, 2u);                            // 2 and 4 ms
  EXPECT_DOUBLE_EQ(t[0].itl_ms.percentile_or(50, -1), 3.0);
  EXPECT_DOUBLE_EQ(t[0].e2el_ms.percentile_or(99, -1), 16 + 0.99 * 14);

  EXPECT_EQ(t[1].requests, 2);
  EXPECT_EQ(t[1].completed, 1);
  EXPECT_EQ(t[1].failed, 1);
  ASSERT_EQ(t[1].failures.size(), 1u);
  EXPECT_EQ(t[1].failures[0], (std::pair<std::string, std::int64_t>{"connect_error", 1}));
  EXPECT_EQ(t[1].output_tokens, 5);  // usage first
  EXPECT_DOUBLE_EQ(t[1].tpot_ms.percentile_or(50, -1), 2.5);  // (30 - 20) / 4
}

config::BenchOptions parse_bench(std::vector<std::string> args) {
  return testing_support::parse_bench_flags(std::move(args));
}

TEST(TargetFlags, RepeatedBaseUrlListsTheReplicas) {
  const auto plan = config::resolve(parse_bench({"--base-url", "http://127.0.0.1:8001", "--base-url", "http://127.0.0.1:8002/v",
                                           "--balance", "least-in-flight", "--model", "m"}));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->replicas.size(), 2u);
  EXPECT_EQ(plan->base.to_string(), "http://127.0.0.1:8001");
  EXPECT_EQ(plan->replicas[1].to_string(), "http://127.0.0.1:8002/v");
  EXPECT_EQ(plan->balance, config::Balance::kLeastInFlight);
  EXPECT_FALSE(plan->use_simulator);
  const auto json = config::plan_to_json(*plan, "m");
  EXPECT_NE(json.find(R"("targets":["http://127.0.0.1:8001","http://127.0.0.1:8002/v"],"balance":"least-in-flight")"),
            std::string::npos) << json;

  const auto one = config::resolve(parse_bench({"--base-url", "http://127.0.0.1:8001", "--model", "m"}));
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_TRUE(one->replicas.empty());  // one target: as before
  EXPECT_EQ(one->balance, config::Balance::kRoundRobin);
}

TEST(TargetFlags, BadReplicaListsNameTheFlag) {
  const auto bad = config::resolve(parse_bench({"--base-url", "http://127.0.0.1:8001", "--base-url", "gpu-02:8000",
                                          "--base-url", "http://127.0.0.1:8001", "--port", "9"}));
  ASSERT_FALSE(bad);
  const auto& m = bad.error().message;
  EXPECT_NE(m.find("--base-url #2"), std::string::npos) << m;
  EXPECT_NE(m.find("--base-url #3 http://127.0.0.1:8001 is given twice"), std::string::npos) << m;
  EXPECT_NE(m.find("--host/--port name one target"), std::string::npos) << m;
  const auto mixed = config::resolve(parse_bench({"--base-url", "http://127.0.0.1:8001", "--base-url", "https://127.0.0.1:8002"}));
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message.find("mix of http and https"), std::string::npos) << mixed.error().message;
  EXPECT_THROW(parse_bench({"--balance", "random"}), CLI::ValidationError);
}

TEST(TargetProfile, BaseUrlsAndBalanceReachThePlan) {
  const auto loaded = config::parse_profile(R"(target:
  base_urls: [http://127.0.0.1:8001, http://127.0.0.1:8002]
  balance: least-in-flight
  model: m
load: {stages: [{rate: 4/s, requests: 8}]}
)", "replicas.yaml");
  ASSERT_TRUE(loaded.profile) << config::format_problems(loaded.problems);
  const auto& p = *loaded.profile;
  const auto plan = config::resolve_stage(p, p.stages[0], {"out", "a.json", "s"});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->replicas.size(), 2u);
  EXPECT_EQ(plan->replicas[1].to_string(), "http://127.0.0.1:8002");
  EXPECT_EQ(plan->balance, config::Balance::kLeastInFlight);
  EXPECT_NE(config::describe_profile(p).find("2 replicas, least-in-flight"), std::string::npos);
}

TEST(TargetProfile, BadBaseUrlsArePlacedGolden) {
  const auto r = config::parse_profile(R"(target:
  base_url: http://127.0.0.1:8000
  base_urls: [http://127.0.0.1:8001, gpu-02:8000, [x]]
  balance: random
load: {stages: [{rate: 4/s, requests: 8}]}
)", "bad.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_EQ(config::format_problems(r.problems),
            "bad.yaml:3:14: give either 'target.base_url' or 'target.base_urls', not both\n"
            "bad.yaml:3:38: 'target.base_urls.1' is 'gpu-02:8000'; write http://HOST:PORT or https://HOST:PORT\n"
            "bad.yaml:3:51: 'target.base_urls.2' must be a URL, e.g. http://gpu-01:8000\n"
            "bad.yaml:4:12: 'target.balance' is 'random'; choose one of round-robin, least-in-flight\n");
  const auto empty = config::parse_profile("target: {base_urls: []}\nload: {stages: [{rate: 4/s, requests: 8}]}\n", "e.yaml");
  ASSERT_FALSE(empty.profile);
  EXPECT_NE(config::format_problems(empty.problems).find("e.yaml:1:21: 'target.base_urls' must be a list of 1 to 256 URLs"),
            std::string::npos) << config::format_problems(empty.problems);
}

}  // namespace
}  // namespace llmload
