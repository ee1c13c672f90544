// Sharded runs: the rank and size from --shard and the launchers' variables, the start time,
// the plan hash, each shard's share of the workload, the records' rows and the rendezvous.

#include "llmload/config/bench_options.hpp"
#include "llmload/config/shard.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/shard_records.hpp"
#include "llmload/runtime/sharding.hpp"
#include "llmload/workload/conversations.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

namespace llmload {
namespace {

config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ShardResolve, ExplicitRankAndSize) {
  const auto shard = config::resolve_shard("2/4", 0, env_of({}));
  ASSERT_TRUE(shard) << shard.error().message;
  EXPECT_EQ(shard->rank, 2);
  EXPECT_EQ(shard->size, 4);
  EXPECT_EQ(shard->source, "flag");
}

TEST(ShardResolve, BadFormsAndRanks) {
  for (const char* text : {"4/4", "5/4", "-1/4", "1/0", "a/4", "1-4", "1/", "/4", "0/5000"}) {
    const auto shard = config::resolve_shard(text, 0, env_of({}));
    ASSERT_FALSE(shard) << text;
    EXPECT_NE(shard.error().message.find("--shard"), std::string::npos) << shard.error().message;
  }
  const auto rank = config::resolve_shard("4/4", 0, env_of({}));
  EXPECT_NE(rank.error().message.find("rank 4 is not below the size 4"), std::string::npos) << rank.error().message;
  const auto disagree = config::resolve_shard("1/4", 3, env_of({}));
  ASSERT_FALSE(disagree);
  EXPECT_NE(disagree.error().message.find("--shards 3 disagrees"), std::string::npos);
}

TEST(ShardResolve, SlurmThenOpenMpiThenPmi) {
  auto slurm = config::resolve_shard("auto", 0, env_of({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"},
                                                        {"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "4"}}));
  ASSERT_TRUE(slurm) << slurm.error().message;
  EXPECT_EQ(slurm->rank, 1);
  EXPECT_EQ(slurm->size, 2);
  EXPECT_EQ(slurm->source, "slurm");
  auto mpi = config::resolve_shard("auto", 0, env_of({{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "4"}}));
  ASSERT_TRUE(mpi);
  EXPECT_EQ(mpi->rank, 3);
  EXPECT_EQ(mpi->source, "open-mpi");
  auto pmi = config::resolve_shard("auto", 0, env_of({{"PMI_RANK", "0"}, {"PMI_SIZE", "8"}}));
  ASSERT_TRUE(pmi);
  EXPECT_EQ(pmi->size, 8);
  EXPECT_EQ(pmi->source, "pmi");
}

TEST(ShardResolve, LauncherErrorsNameTheVariable) {
  auto missing = config::resolve_shard("auto", 0, env_of({{"SLURM_PROCID", "1"}}));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("SLURM_NTASKS is not set"), std::string::npos) << missing.error().message;
  auto bad = config::resolve_shard("auto", 0, env_of({{"PMI_RANK", "x"}, {"PMI_SIZE", "2"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("PMI_RANK='x'"), std::string::npos) << bad.error().message;
  auto over = config::resolve_shard("auto", 0, env_of({{"OMPI_COMM_WORLD_RANK", "4"}, {"OMPI_COMM_WORLD_SIZE", "4"}}));
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("rank 4 is not below the size 4"), std::string::npos);
  auto none = config::resolve_shard("auto", 0, env_of({}));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no launcher's rank"), std::string::npos);
}

TEST(ShardResolve, KubernetesIndexNeedsShards) {
  auto k8s = config::resolve_shard("auto", 3, env_of({{"JOB_COMPLETION_INDEX", "2"}}));
  ASSERT_TRUE(k8s) << k8s.error().message;
  EXPECT_EQ(k8s->rank, 2);
  EXPECT_EQ(k8s->size, 3);
  EXPECT_EQ(k8s->source, "kubernetes");
  auto no_size = config::resolve_shard("auto", 0, env_of({{"JOB_COMPLETION_INDEX", "2"}}));
  ASSERT_FALSE(no_size);
  EXPECT_NE(no_size.error().message.find("--shards N"), std::string::npos);
  auto beyond = config::resolve_shard("auto", 2, env_of({{"JOB_COMPLETION_INDEX", "2"}}));
  ASSERT_FALSE(beyond);
}

TEST(ShardStartTime, Rfc3339AndUnixSeconds) {
  EXPECT_EQ(config::parse_start_time("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(config::parse_start_time("2026-12-07T06:00:00Z").value(), 1796623200LL * 1'000'000'000);
  EXPECT_EQ(config::parse_start_time("2026-12-07T08:00:00.25+02:00").value(), 1796623200LL * 1'000'000'000 + 250'000'000);
  EXPECT_EQ(config::parse_start_time("1796623200").value(), 1796623200LL * 1'000'000'000);
  EXPECT_EQ(config::parse_start_time("1796623200.5").value(), 1796623200LL * 1'000'000'000 + 500'000'000);
  for (const char* bad : {"", "tomorrow", "2026-12-07T06:00:00", "2026-13-07T06:00:00Z", "12x", "-5",
                          "2026-12-07T06:00:00Zjunk"}) {
    const auto t = config::parse_start_time(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_NE(t.error().message.find("--start-at"), std::string::npos);
  }
}

TEST(ShardFlags, ResolveIntoThePlanAndCheckTheShare) {
  config::BenchOptions o;
  o.num_prompts = 10;
  o.sharding.shard = "1/4";
  o.sharding.rendezvous = "/tmp/somewhere";
  auto plan = config::resolve(o);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->shard);
  EXPECT_EQ(plan->shard->rank, 1);
  EXPECT_EQ(plan->start.rendezvous_dir, "/tmp/somewhere");
  EXPECT_TRUE(plan->results.save_result);

  o.num_prompts = 3;  // fewer requests than shards
  o.max_concurrency = 2;
  auto small = config::resolve(o);
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("4 shards for 3 requests"), std::string::npos) << small.error().message;
  EXPECT_NE(small.error().message.find("--max-concurrency 2 is split between 4 shards"), std::string::npos);

  config::BenchOptions r;
  r.sharding.rendezvous = "/tmp/x";
  r.sharding.shards = 2;
  auto alone = config::resolve(r);
  ASSERT_FALSE(alone);
  EXPECT_NE(alone.error().message.find("--rendezvous needs --shard"), std::string::npos);
  EXPECT_NE(alone.error().message.find("--shards needs --shard auto"), std::string::npos);
}

TEST(ShardPlanHash, SameAcrossShardsAndThreadsDifferentForAnotherPlan) {
  config::BenchOptions o;
  o.num_prompts = 8;
  o.threads = 2;
  o.sharding.shard = "0/2";
  const auto a = config::resolve(o).value();
  o.sharding.shard = "1/2";
  o.threads = 7;
  const auto b = config::resolve(o).value();
  EXPECT_EQ(config::plan_hash(a), config::plan_hash(b));
  EXPECT_EQ(config::plan_hash(a).size(), 16u);
  o.num_prompts = 9;
  EXPECT_NE(config::plan_hash(a), config::plan_hash(config::resolve(o).value()));
}

TEST(ShardFileName, SuffixBeforeJson) {
  EXPECT_EQ(config::shard_file_name("run.json", {1, 4, "flag"}), "run.shard-1-of-4.json");
  EXPECT_EQ(config::shard_file_name("run", {0, 2, "flag"}), "run.shard-0-of-2.json");
}

std::vector<workload::RequestSpec> numbered_specs(std::size_t n) {
  std::vector<workload::RequestSpec> specs(n);
  for (std::size_t i = 0; i < n; ++i) specs[i].prompt = std::to_string(i);
  return specs;
}

TEST(ShardShare, EveryRequestOnceAndTheOffsetsUnchanged) {
  const std::size_t n = 11;
  std::vector<core::Nanos> all_offsets;
  for (std::size_t i = 0; i < n; ++i) all_offsets.push_back(static_cast<core::Nanos>(i * 1000 + 7));
  std::vector<core::Nanos> union_offsets;
  std::vector<int> seen(n, 0);
  for (std::int32_t rank = 0; rank < 3; ++rank) {
    auto specs = numbered_specs(n);
    auto offsets = all_offsets;
    std::vector<api::TraceParent> parents(n);
    const auto global = runtime::take_shard_share({rank, 3, "flag"}, {specs, offsets, parents});
    ASSERT_EQ(global.size(), specs.size());
    ASSERT_EQ(offsets.size(), specs.size());
    for (std::size_t i = 0; i < global.size(); ++i) {
      EXPECT_EQ(global[i] % 3, static_cast<std::uint32_t>(rank));
      EXPECT_EQ(specs[i].prompt, std::to_string(global[i]));
      EXPECT_EQ(offsets[i], all_offsets[global[i]]);
      ++seen[global[i]];
      union_offsets.push_back(offsets[i]);
    }
  }
  for (const int s : seen) EXPECT_EQ(s, 1);
  std::sort(union_offsets.begin(), union_offsets.end());
  EXPECT_EQ(union_offsets, all_offsets);
}

TEST(ShardShare, ConversationsStayWholeWithTurnsRenumbered) {
  auto all = numbered_specs(9);  // 3 conversations of 3 turns
  workload::link_conversations(all, 3, 0);
  for (std::int32_t rank = 0; rank < 2; ++rank) {
    auto specs = all;
    std::vector<core::Nanos> offsets(9, 0);
    std::vector<api::TraceParent> parents;
    const auto global = runtime::take_shard_share({rank, 2, "flag"}, {specs, offsets, parents});
    ASSERT_EQ(specs.size(), rank == 0 ? 6u : 3u);  // conversations 0 and 2, then 1
    for (std::size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(specs[i].conversation % 2, rank);
      if (specs[i].turn == 0) {
        EXPECT_EQ(specs[i].previous_turn, -1);
      } else {
        ASSERT_GE(specs[i].previous_turn, 0);
        EXPECT_EQ(global[static_cast<std::size_t>(specs[i].previous_turn)] + 1, global[i]);
      }
    }
  }
}

TEST(ShardShare, DurationPoolSpecsMaterialized) {
  auto specs = numbered_specs(3);
  std::vector<core::Nanos> offsets(10, 0);
  std::vector<api::TraceParent> parents;
  const auto global = runtime::take_shard_share({1, 2, "flag"}, {specs, offsets, parents});
  ASSERT_EQ(global, (std::vector<std::uint32_t>{1, 3, 5, 7, 9}));
  ASSERT_EQ(specs.size(), 5u);
  EXPECT_EQ(specs[1].prompt, "0");  // send position 3 sends pool spec 3 % 3
  EXPECT_EQ(specs[4].prompt, "0");  // 9 % 3
}

TEST(ShardRecords, RoundTripExactly) {
  std::vector<workload::RequestSpec> specs(2);
  specs[1].category = "math";
  specs[1].model = "lora-a";
  metrics::RequestRecord r;
  const core::Nanos origin = 5'000'000'000;
  r.index = 1;
  r.scheduled_ns = origin + 10;
  r.dispatch_ns = origin + 11;
  r.start_ns = origin + 12;
  r.connect_ns = 300;
  r.sent_ns = origin + 400;
  r.first_byte_ns = origin + 900;
  r.end_ns = origin + 5000;
  r.chunk_ns = {origin + 1000, origin + 2000, origin + 4999};
  r.chunk_tokens = {1, 2, 1};
  r.receive_delay_ns = {17, 18};
  r.dataset_prompt_len = 32;
  r.usage_prompt_tokens = 33;
  r.usage_completion_tokens = 4;
  r.saw_done = true;
  r.finish_reason = "length";
  r.generated_text = "hi";
  r.target = 3;  // the fourth replica
  metrics::RequestRecord failed;
  failed.index = 0;
  failed.outcome = metrics::Outcome::kHttpStatus;
  failed.http_status = 503;
  failed.error = "busy";
  failed.scheduled_ns = origin;
  const std::vector<metrics::RequestRecord> records{failed, r};
  const std::vector<std::uint32_t> global{6, 9};
  const auto json = report::shard_records_json({records, specs, global, origin, true});
  const core::Nanos base = 77;
  auto back = report::read_shard_records(boost::json::parse(json), base, "x.json");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->records.size(), 2u);
  const auto& f = back->records[0];
  EXPECT_EQ(f.index, 6u);
  EXPECT_EQ(f.outcome, metrics::Outcome::kHttpStatus);
  EXPECT_EQ(f.http_status, 503);
  EXPECT_EQ(f.error, "busy");
  EXPECT_EQ(f.scheduled_ns, base);
  EXPECT_EQ(f.start_ns, 0);
  const auto& b = back->records[1];
  EXPECT_EQ(b.index, 9u);
  EXPECT_EQ(b.target, 3);
  EXPECT_EQ(f.target, 0);
  EXPECT_EQ(b.scheduled_ns, base + 10);
  EXPECT_EQ(b.start_ns, base + 12);
  EXPECT_EQ(b.connect_ns, 300);
  EXPECT_EQ(b.end_ns, base + 5000);
  EXPECT_EQ(b.chunk_ns, (std::vector<core::Nanos>{base + 1000, base + 2000, base + 4999}));
  EXPECT_EQ(b.chunk_tokens, r.chunk_tokens);
  EXPECT_EQ(b.receive_delay_ns, r.receive_delay_ns);
  EXPECT_EQ(b.usage_prompt_tokens, 33);
  EXPECT_EQ(b.usage_completion_tokens, 4);
  EXPECT_TRUE(b.saw_done);
  EXPECT_EQ(b.finish_reason, "length");
  EXPECT_EQ(b.generated_text, "hi");
  EXPECT_EQ(back->labels[1].category, "math");
  EXPECT_EQ(back->labels[1].model, "lora-a");

  auto broken = report::read_shard_records(boost::json::parse(R"({"fields":[],"rows":[]})"), base, "y.json");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("y.json"), std::string::npos);
}

config::RunPlan rendezvous_plan(std::int32_t rank, std::int32_t size, const std::string& dir, double timeout_s) {
  config::RunPlan plan;
  plan.shard = config::Shard{rank, size, "flag"};
  plan.start.rendezvous_dir = dir;
  plan.start.rendezvous_timeout = std::chrono::nanoseconds(static_cast<std::int64_t>(timeout_s * 1e9));
  plan.start.margin = std::chrono::milliseconds(200);
  return plan;
}

std::string fresh_dir(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("llmload-{}-{}", name, ::getpid());
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(ShardRendezvous, EveryShardGetsTheSameStart) {
  const std::string dir = fresh_dir("rendezvous");
  std::vector<core::Result<runtime::StartTiming>> got(3, core::fail("not run"));
  std::vector<std::thread> threads;
  for (std::int32_t r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] { got[static_cast<std::size_t>(r)] = runtime::wait_for_common_start(rendezvous_plan(r, 3, dir, 10), "h"); });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) {
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->how, "rendezvous");
    EXPECT_EQ(g->start_unix_ns, got[0]->start_unix_ns);
    EXPECT_GE(core::now_ns(), g->origin_ns - 100'000'000);  // slept until shortly before the start
  }
  std::filesystem::remove_all(dir);
}

TEST(ShardRendezvous, TimeoutNamesTheMissingRanks) {
  const std::string dir = fresh_dir("rendezvous-missing");
  const auto got = runtime::wait_for_common_start(rendezvous_plan(0, 4, dir, 1), "h");
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("rank(s) 1, 2, 3 of 4 never wrote a ready file"), std::string::npos)
      << got.error().message;
  std::filesystem::remove_all(dir);
}

TEST(ShardRendezvous, AnotherSizeOrPlanIsRefused) {
  const std::string dir = fresh_dir("rendezvous-size");
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(core::write_file_atomic(std::filesystem::path(dir) / "ready-1",
                                      runtime::ready_file_text({1, 3, "flag"}, "h", runtime::unix_now_ns())));
  const auto size = runtime::wait_for_common_start(rendezvous_plan(0, 2, dir, 5), "h");
  ASSERT_FALSE(size);
  EXPECT_NE(size.error().message.find("says 3 shards, this shard 2"), std::string::npos) << size.error().message;
  ASSERT_TRUE(core::write_file_atomic(std::filesystem::path(dir) / "ready-1",
                                      runtime::ready_file_text({1, 2, "flag"}, "other", runtime::unix_now_ns())));
  const auto plan = runtime::wait_for_common_start(rendezvous_plan(0, 2, dir, 5), "h");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("runs another plan"), std::string::npos) << plan.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace llmload
