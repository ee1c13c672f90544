// Profiles run sharded, end to end: `llmload run` of a two-stage profile with `shards:` under
// mpirun (Open MPI) and with Slurm's variables set by hand, against one simulator on loopback;
// each stage's shard files merge (`llmload merge`) into what a one-process run of the same
// profile gives; and a sharded profile refused at its key (exit 2).

#include "sim_cli_fixture.hpp"

#include "llmload/sim/sim_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace llmload {
namespace {

using testing_support::CliResult;
using testing_support::slurp;

class RunShards : public testing_support::FixedSimCliTest {
 protected:
  RunShards() : FixedSimCliTest("llmload-run-shards") {}

  /// Two measured stages (an open loop, then a capped one), optionally sharded; results in
  /// dir_/OUT. Returns the profile's path.
  std::string write_profile(const std::string& name, const std::string& out, const std::string& shards) const {
    const auto path = dir_ / name;
    std::ofstream(path) << "target: {base_url: \"" << server_->base_url()
                        << "\", model: llmload-sim, scrape_interval: 0s}\n"
                           "workload: {dataset: random, input_len: 16, output_len: 6, seed: 7}\n"
                           "load:\n"
                           "  threads: 1\n"
                           "  stages:\n"
                           "    - {name: first, rate: 100/s, requests: 20}\n"
                           "    - {name: second, rate: 60/s, requests: 12, concurrency: 4}\n"
                           "outputs: {dir: \""
                        << (dir_ / out).string() << "\"}\n"
                        << shards;
    return path.string();
  }

  boost::json::object read(const std::string& name) const {
    return boost::json::parse(slurp(dir_ / name)).as_object();
  }

  /// `llmload merge` of one stage's two shards into OUT/STAGE.json.
  void merge_stage(const std::string& out, const std::string& stage) {
    const auto base = (dir_ / out / stage).string();
    const CliResult merged =
        run("merge " + base + ".shard-0-of-2.json " + base + ".shard-1-of-2.json -o " + base + ".json");
    ASSERT_EQ(merged.exit_code, 0) << merged.out << merged.err;
    EXPECT_NE(merged.out.find("Merged 2 shards (common start)"), std::string::npos) << merged.out;
  }

};

std::vector<double> scheduled_ms(const boost::json::object& result) {
  std::vector<double> out;
  for (const auto& row : result.at("llmload").at("requests").as_array()) out.push_back(row.as_array()[0].to_number<double>());
  std::sort(out.begin(), out.end());
  return out;
}

void expect_same_stage(const boost::json::object& merged, const boost::json::object& single, const std::string& stage) {
  for (const char* key : {"completed", "failed", "total_input_tokens", "total_output_tokens", "num_prompts"}) {
    EXPECT_EQ(merged.at(key).to_number<double>(), single.at(key).to_number<double>()) << stage << " " << key;
  }
  EXPECT_EQ(scheduled_ms(merged), scheduled_ms(single)) << stage;
  EXPECT_NEAR(merged.at("median_ttft_ms").to_number<double>(), single.at("median_ttft_ms").to_number<double>(), 5.0)
      << stage;
}

TEST_F(RunShards, MpirunTwoShardsOfATwoStageProfileMergeLikeOneProcess) {
  const std::string rendezvous = (dir_ / "rv").string();
  const auto sharded = write_profile("sharded.yaml", "out", "shards: {shard: auto, rendezvous: \"" + rendezvous + "\"}\n");
  const CliResult mpi =
      run_under("mpirun --allow-run-as-root --oversubscribe -np 2 " + std::string(LLMLOAD_BINARY) + " run " + sharded);
  ASSERT_EQ(mpi.exit_code, 0) << "mpirun (Debian openmpi-bin) must run:\n" << mpi.out << mpi.err;
  EXPECT_NE(mpi.out.find("This process ran one shard of each stage"), std::string::npos) << mpi.out;
  for (const char* stage : {"01-01-first", "01-02-second"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ / "rv" / stage / "start")) << stage;  // a rendezvous per stage
    for (int r = 0; r < 2; ++r) {
      const auto shard = read(std::string("out/") + stage + ".shard-" + std::to_string(r) + "-of-2.json")
                             .at("llmload").at("shard").as_object();
      EXPECT_EQ(shard.at("source").as_string(), "open-mpi");
      EXPECT_EQ(shard.at("start").at("how").as_string(), "rendezvous");
    }
    merge_stage("out", stage);
  }
  EXPECT_EQ(read("out/01-01-first.shard-1-of-2.json").at("llmload").at("shard").at("requests_planned").as_int64(), 10);
  const auto single = write_profile("single.yaml", "single", "");
  const CliResult one = run("run " + single);
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;
  for (const char* stage : {"01-01-first", "01-02-second"}) {
    expect_same_stage(read(std::string("out/") + stage + ".json"), read(std::string("single/") + stage + ".json"), stage);
  }
}

TEST_F(RunShards, SlurmVariablesByHand) {
  const auto sharded =
      write_profile("slurm.yaml", "out", "shards: {rendezvous: \"" + (dir_ / "rv").string() + "\", rendezvous_timeout: 60s}\n");
  const std::string one = std::string(LLMLOAD_BINARY) + " run " + sharded;
  const CliResult both = run_under("sh -c 'SLURM_PROCID=1 SLURM_NTASKS=2 " + one + " > " + (dir_ / "r1.txt").string() +
                                   " 2>&1 & SLURM_PROCID=0 SLURM_NTASKS=2 " + one + "; a=$?; wait $!; b=$?; exit $((a+b))'");
  ASSERT_EQ(both.exit_code, 0) << both.out << both.err << slurp(dir_ / "r1.txt");
  EXPECT_EQ(read("out/01-02-second.shard-1-of-2.json").at("llmload").at("shard").at("source").as_string(), "slurm");
  merge_stage("out", "01-02-second");
  EXPECT_EQ(read("out/01-02-second.json").at("completed").to_number<double>(), 12);
}

TEST_F(RunShards, RefusedAtTheKey) {
  const auto path = write_profile("bad.yaml", "out", "shards: {start_at: 1796623200}\n");
  const CliResult start = run("run " + path);
  EXPECT_EQ(start.exit_code, 2);
  EXPECT_NE(start.err.find(path + ":9:20: 'shards.start_at' starts one run, but the profile runs 2"), std::string::npos)
      << start.err;
  const auto automatic = write_profile("auto.yaml", "out", "shards: auto\n");
  const CliResult none = run_under("env -u SLURM_PROCID -u OMPI_COMM_WORLD_RANK -u PMI_RANK -u JOB_COMPLETION_INDEX " +
                                   std::string(LLMLOAD_BINARY) + " run " + automatic);
  EXPECT_EQ(none.exit_code, 2) << none.out << none.err;
  EXPECT_NE(none.err.find(automatic + ":9:9: shards auto: no launcher's rank found"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace llmload
