// A profile's `shards:` key (bench's --shard and its companions): its forms, its problems with
// file:line:column, and each stage's plan as one shard with its own rendezvous subfolder.
#include "llmload/config/profile.hpp"
#include "llmload/config/stage_plan.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace llmload::config {
namespace {

constexpr const char* kTwoStages = R"(
load:
  stages:
    - {name: warm, rate: 20/s, requests: 4, warmup: true}
    - {name: steady, rate: 20/s, requests: 8, concurrency: 4}
)";

Profile profile(const std::string& yaml) {
  auto loaded = parse_profile(yaml, "p.yaml");
  EXPECT_TRUE(loaded.profile) << format_problems(loaded.problems);
  return loaded.profile ? *loaded.profile : Profile{};
}

std::string problems_of(const std::string& yaml) {
  auto loaded = parse_profile(yaml, "p.yaml");
  EXPECT_FALSE(loaded.profile);
  return format_problems(loaded.problems);
}

TEST(ProfileShards, EveryFormReadsAsBenchsFlags) {
  const auto automatic = profile(std::string("shards: auto\n") + kTwoStages);
  ASSERT_TRUE(automatic.shards);
  EXPECT_EQ(automatic.shards->shard, "auto");
  EXPECT_EQ(automatic.shards->where, "p.yaml:1:9");
  EXPECT_EQ(profile(std::string("shards: \"1/4\"\n") + kTwoStages).shards->shard, "1/4");
  const auto mapping = profile(std::string("shards: {rank: 1, size: 4, rendezvous: /shared/rv, "
                                           "rendezvous_timeout: 30s}\n") + kTwoStages);
  ASSERT_TRUE(mapping.shards);
  EXPECT_EQ(mapping.shards->shard, "1/4");
  EXPECT_EQ(mapping.shards->rendezvous, "/shared/rv");
  EXPECT_EQ(mapping.shards->rendezvous_timeout, std::chrono::seconds(30));
  const auto indexed = profile("shards: {shard: auto, size: 3, start_at: \"2026-12-07T06:00:00Z\"}\n"
                               "load: {stages: [{rate: 4/s, requests: 9}]}\n");
  EXPECT_EQ(indexed.shards->shard, "auto");
  EXPECT_EQ(indexed.shards->size, 3);
  EXPECT_EQ(indexed.shards->start_at, "2026-12-07T06:00:00Z");
  EXPECT_NE(describe_profile(mapping).find("shards: 1/4, rendezvous in /shared/rv"), std::string::npos)
      << describe_profile(mapping);
}

TEST(ProfileShards, ProblemsNameTheKeyAndItsPlace) {
  EXPECT_EQ(problems_of(std::string("shards: \"4/4\"\n") + kTwoStages),
            "p.yaml:1:9: shards 4/4: rank 4 is not below the size 4 (ranks count from 0); write shards: auto, "
            "shards: \"0/4\" or shards: {rank: 0, size: 4}\n");
  EXPECT_NE(problems_of(std::string("shards: {rank: 1}\n") + kTwoStages)
                .find("p.yaml:1:16: 'shards.rank' needs 'shards.size'"),
            std::string::npos);
  EXPECT_NE(problems_of(std::string("shards: {rendezvous: rv, start_at: 1796623200}\n") + kTwoStages)
                .find("give 'shards.rendezvous' or 'shards.start_at', not both"),
            std::string::npos);
  EXPECT_NE(problems_of(std::string("shards: {start_at: tomorrow}\n") + "load: {stages: [{rate: 4/s, requests: 9}]}\n")
                .find("p.yaml:1:20: 'shards.start_at' 'tomorrow': expected an RFC 3339 time"),
            std::string::npos);
  EXPECT_NE(problems_of(std::string("shards: {rendezvus: rv}\n") + kTwoStages).find("did you mean 'rendezvous'?"),
            std::string::npos);
  // A start time serves one run; two stages need the rendezvous.
  EXPECT_NE(problems_of(std::string("shards: {start_at: 1796623200}\n") + kTwoStages)
                .find("p.yaml:1:20: 'shards.start_at' starts one run, but the profile runs 2"),
            std::string::npos);
  EXPECT_NE(problems_of("shards: auto\nload: {stages: [{rate: 4/s, requests: 9, stop_when: {errors: 3}}]}\n")
                .find("p.yaml:2:53: 'load.stages.0.stop_when' with 'shards'"),
            std::string::npos);
  EXPECT_NE(problems_of("shards: auto\nload: {stages: [{rate: 4/s, requests: 9}]}\n"
                        "slo: [{metric: ttft, stat: p99, max: 500ms}]\nsearch: {over: rate, from: 1/s, to: 8/s}\n")
                .find("p.yaml:4:9: 'search' with 'shards'"),
            std::string::npos);
}

TEST(ProfileShards, EachStageIsOneShardMeetingInItsOwnFolder) {
  const auto p = profile(std::string("shards: {rank: 1, size: 2, rendezvous: rv, rendezvous_timeout: 30s}\n") +
                         kTwoStages);
  const auto warm = resolve_stage(p, p.stages[0], {"out", "01-01-warm.json", "warm"});
  ASSERT_TRUE(warm) << warm.error().message;
  ASSERT_TRUE(warm->shard);
  EXPECT_EQ(warm->shard->rank, 1);
  EXPECT_EQ(warm->shard->size, 2);
  EXPECT_EQ(warm->start.rendezvous_dir, "rv/01-01-warm");
  EXPECT_EQ(warm->start.rendezvous_timeout, std::chrono::seconds(30));
  const auto steady = resolve_stage(p, p.stages[1], {"out", "01-02-steady.json", "steady"});
  ASSERT_TRUE(steady) << steady.error().message;
  EXPECT_EQ(steady->start.rendezvous_dir, "rv/01-02-steady");
  EXPECT_EQ(plan_hash(*warm), plan_hash(*warm));
  // A stage too small to give every shard a request is refused when it is resolved, at the key.
  auto small = p;
  small.stages[1].concurrency = 1;
  const auto refused = resolve_stage(small, small.stages[1], {"out", "01-02-steady.json", "steady"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "p.yaml:1:9: shards: the stage's concurrency 1 is split between 2 shards; give at least 2");
}

TEST(ProfileShards, AutoReadsTheLaunchersVariablesWhenTheStageResolves) {
  const auto p = profile(std::string("shards: auto\n") + kTwoStages);
  ::setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  const auto plan = resolve_stage(p, p.stages[1], {"out", "01-02-steady.json", "steady"});
  ::setenv("OMPI_COMM_WORLD_SIZE", "two", 1);
  const auto bad = resolve_stage(p, p.stages[1], {"out", "01-02-steady.json", "steady"});
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->shard->source, "open-mpi");
  EXPECT_EQ(plan->shard->rank, 1);
  EXPECT_TRUE(plan->start.rendezvous_dir.empty());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "p.yaml:1:9: shards auto: OMPI_COMM_WORLD_SIZE='two' is not a whole number (the "
                                 "open-mpi launcher sets OMPI_COMM_WORLD_SIZE with OMPI_COMM_WORLD_RANK)");
}

}  // namespace
}  // namespace llmload::config
