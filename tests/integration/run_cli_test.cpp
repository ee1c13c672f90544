// `llmload run PROFILE.yaml` against the built-in simulator: stages (a warm-up is run but not
// checked), result files per stage, SLO verdicts with exit codes 0 / 1 / 2 / 3, JUnit XML.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

using llmload::testing_support::slurp;

class RunCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("llmload-run-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "p.yaml") << R"(workload: {input_len: 8, output_len: 4}
load:
  stages:
    - {name: warm, rate: inf, requests: 3, warmup: true}
    - {name: steady, rate: 200/s, requests: 12, concurrency: 4}
allow_saturated_client: true  # a shared test machine; the self-check has its own tests
slo:
  - {metric: ttft, stat: p99, max: 2s}
  - {metric: error_rate, max: 1%}
outputs: {dir: )" << (dir_ / "out").string() << R"(, formats: [json, junit]}
)";
  }
  void TearDown() override { fs::remove_all(dir_); }

  int run(const std::string& args) {
    const std::string command = std::string(LLMLOAD_BINARY) + " run " + (dir_ / "p.yaml").string() +
                                " " + args + " >" + (dir_ / "out.txt").string() + " 2>" +
                                (dir_ / "err.txt").string();
    const int status = std::system(command.c_str());
    out_ = slurp(dir_ / "out.txt");
    err_ = slurp(dir_ / "err.txt");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  fs::path dir_;
  std::string out_, err_;
};

TEST_F(RunCli, ACoolDownStageRunsButIsNotChecked) {
  std::ofstream(dir_ / "p.yaml") << R"(workload: {input_len: 8, output_len: 4}
load:
  stages:
    - {name: steady, rate: 200/s, requests: 6}
    - {name: drain, rate: 50/s, requests: 3, cooldown: true}
allow_saturated_client: true  # a shared test machine; the self-check has its own tests
slo:
  - {metric: ttft, stat: p99, max: 2s}
outputs: {dir: )" << (dir_ / "out").string() << R"(, formats: [json]}
)";
  ASSERT_EQ(run(""), 0) << out_ << err_;
  EXPECT_NE(out_.find("stage 'drain': 50/s (burstiness 1), until 3 requests (cool-down, not measured)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("stage 2/2 'drain' (cool-down, not checked)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("PASS steady:"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("PASS drain"), std::string::npos) << out_;
  EXPECT_EQ(boost::json::parse(slurp(dir_ / "out" / "01-02-drain.json")).at("completed").as_int64(), 3);
}

TEST_F(RunCli, StagesRunAndSlosPass) {
  ASSERT_EQ(run(""), 0) << out_ << err_;
  EXPECT_NE(out_.find("stage 1/2 'warm' (warm-up, not checked)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("PASS steady: ttft p99 <= 2000 ms (measured"), std::string::npos) << out_;
  EXPECT_NE(out_.find("PASS steady: error_rate <= 1%"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("PASS warm"), std::string::npos) << out_;
  const auto doc = boost::json::parse(slurp(dir_ / "out" / "01-02-steady.json")).as_object();
  EXPECT_EQ(doc.at("completed").as_int64(), 12);
  EXPECT_EQ(doc.at("max_concurrency").as_int64(), 4);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "01-01-warm.json"));
  const auto junit = slurp(dir_ / "out" / "junit.xml");
  EXPECT_NE(junit.find("<testsuites tests=\"2\" failures=\"0\">"), std::string::npos) << junit;
}

TEST_F(RunCli, AClosedLoopStageRunsForItsDuration) {
  std::ofstream(dir_ / "p.yaml") << R"(workload: {input_len: 8, output_len: 4}
target: {sim_preset: h100-qwen2-vl-7b}
load:
  stages:
    - {name: loop, concurrency: 4, duration: 1s}
allow_saturated_client: true  # a shared test machine; the self-check has its own tests
slo:
  - {metric: error_rate, max: 0%}
outputs: {dir: )" << (dir_ / "out").string() << R"(, formats: [json]}
)";
  ASSERT_EQ(run(""), 0) << out_ << err_;
  EXPECT_NE(out_.find("Duration limit reached after 1.0 s: "), std::string::npos) << out_;
  EXPECT_NE(out_.find("PASS loop: error_rate <= 0%"), std::string::npos) << out_;
  const auto doc = boost::json::parse(slurp(dir_ / "out" / "01-01-loop.json")).as_object();
  EXPECT_GT(doc.at("completed").as_int64(), 4);
  EXPECT_EQ(doc.at("failed").as_int64(), 0);
  EXPECT_EQ(doc.at("max_concurrency").as_int64(), 4);
  EXPECT_EQ(doc.at("num_prompts").as_int64(), 1000);  // 100 per second per slot, at least 1000
  EXPECT_LE(doc.at("llmload").at("peak_concurrency_exact").as_int64(), 4);
}

TEST_F(RunCli, PrefixRepetitionTakesItsOwnOptions) {
  std::ofstream(dir_ / "p.yaml") << R"(workload: {dataset: prefix_repetition, num_prefixes: 2, prefix_len: 16, suffix_len: 8, output_len: 4}
load:
  stages:
    - {name: shared, rate: inf, requests: 6}
outputs: {dir: )" << (dir_ / "out").string() << R"(, formats: [json]}
)";
  ASSERT_EQ(run(""), 0) << out_ << err_;
  const auto doc = boost::json::parse(slurp(dir_ / "out" / "01-01-shared.json")).as_object();
  EXPECT_EQ(doc.at("completed").as_int64(), 6);
  EXPECT_EQ(doc.at("total_output_tokens").as_int64(), 24);
  EXPECT_EQ(doc.at("llmload").at("dataset_input_tokens").as_int64(), 6 * (16 + 8));
}

TEST_F(RunCli, FailedSloExitsOneWithTheMargin) {
  ASSERT_EQ(run("--set slo.0.max=1ms"), 1) << out_ << err_;
  EXPECT_NE(out_.find("FAIL steady: ttft p99 <= 1 ms (measured"), std::string::npos) << out_;
  EXPECT_NE(out_.find("over the limit"), std::string::npos) << out_;
  EXPECT_NE(slurp(dir_ / "out" / "junit.xml").find("<failure message=\"measured"), std::string::npos);
}

TEST_F(RunCli, ConfigurationErrorsExitTwo) {
  EXPECT_EQ(run("--set load.stages.1.rate=fast"), 2);
  EXPECT_NE(err_.find("--set: 'load.stages.1.rate': 'fast' is not a rate"), std::string::npos) << err_;
  EXPECT_EQ(run("--set slo.1.max_drift=10%"), 2);  // drift applies to latencies, not error_rate
  EXPECT_NE(err_.find("--set: 'slo.1.max_drift' applies to latency metrics"), std::string::npos) << err_;
}

TEST_F(RunCli, UnreachableTargetExitsThree) {
  EXPECT_EQ(run("--set target.base_url=http://127.0.0.1:1 --set target.model=m --set target.ready_check_timeout=1s"), 3) << out_ << err_;
  EXPECT_NE(err_.find("could not complete"), std::string::npos) << err_;
}

}  // namespace
