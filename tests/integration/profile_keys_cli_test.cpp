// Bench's client options from a profile, end to end: a profile using every newly accepted key
// runs against the built-in simulator, and what each key asks for shows in the output and the
// result (cold start, threads, timeouts, request ids, extra metrics URL, detailed texts with
// their prompts, answers shown). Bench's --skip-initial-request says the same.
#include "cli_support.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace llmload {
namespace {

using testing_support::slurp;

class ProfileKeysCli : public testing_support::CliTest {
 protected:
  ProfileKeysCli() : CliTest("llmload-profile-keys") {}
};

TEST_F(ProfileKeysCli, EveryNewKeyRunsFromAProfile) {
  const auto out = dir_ / "out";
  std::ofstream(dir_ / "p.yaml") << R"(target:
  metrics_url: "http://127.0.0.1:9/metrics"   # nothing listens: a note, not a failure
  scrape_interval: 200ms
  request_timeout: 30s
  connect_timeout: 5s
workload: {input_len: 8, output_len: 4}
request: {request_id_prefix: "keys-"}
load:
  initial_request: false
  threads: 2
  stages:
    - {name: cold, rate: 20/s, requests: 6}
allow_saturated_client: true
outputs: {dir: )" << out.string() << R"(, formats: [json, md], save_detailed: true, show_answers: 1}
)";
  const auto validated = run("validate " + (dir_ / "p.yaml").string());
  ASSERT_EQ(validated.exit_code, 0) << validated.out << validated.err;
  EXPECT_NE(validated.out.find("client: no initial test request (the stages start cold), 2 threads, request timeout "),
            std::string::npos) << validated.out;
  const auto r = run("run " + (dir_ / "p.yaml").string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("initial test request skipped"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Starting initial single prompt test run"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Answers (first 1"), std::string::npos) << r.out;
  const auto result = boost::json::parse(slurp(out / "01-01-cold.json")).as_object();
  const auto& x = result.at("llmload").as_object();
  EXPECT_TRUE(x.at("started_cold").as_bool());
  const auto& plan = x.at("plan").as_object();
  EXPECT_TRUE(plan.at("skip_initial_request").as_bool());
  EXPECT_EQ(plan.at("threads").as_int64(), 2);
  const auto seconds = [&](const char* key) {
    const auto& v = plan.at(key);
    return v.is_double() ? v.as_double() : static_cast<double>(v.as_int64());
  };
  EXPECT_EQ(seconds("request_timeout_s"), 30.0);
  EXPECT_EQ(seconds("connect_timeout_s"), 5.0);
  // save_detailed: the texts, and the prompts beside them for the Markdown examples.
  ASSERT_EQ(result.at("generated_texts").as_array().size(), 6u);
  ASSERT_EQ(x.at("prompts").as_array().size(), 6u);
  EXPECT_FALSE(x.at("prompts").as_array()[0].as_string().empty());
  const std::string md = slurp(out / "01-01-cold.md");
  EXPECT_NE(md.find("**Input** ("), std::string::npos) << md;
}

TEST_F(ProfileKeysCli, BenchSkipsTheInitialRequestAndSaysTheRunStartedCold) {
  const auto r = run("bench --num-prompts 2 --random-input-len 8 --random-output-len 2 --sim-ttft-ms 1 "
                     "--sim-itl-ms 1 --ready-check-timeout-sec 5 --skip-initial-request --disable-tqdm "
                     "--scrape-interval 0 --save-result --result-dir " + dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("initial test request skipped (--skip-initial-request"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Waiting for endpoint"), std::string::npos) << r.out;
  const auto result = boost::json::parse(slurp(dir_ / "r.json")).as_object();
  EXPECT_TRUE(result.at("llmload").at("started_cold").as_bool());
  // With the test request sent, the run did not start cold.
  const auto warm = run("bench --num-prompts 2 --random-input-len 8 --random-output-len 2 --sim-ttft-ms 1 "
                        "--sim-itl-ms 1 --ready-check-timeout-sec 5 --disable-tqdm --scrape-interval 0 "
                        "--save-result --result-dir " + dir_.string() + " --result-filename w.json");
  ASSERT_EQ(warm.exit_code, 0) << warm.out << warm.err;
  EXPECT_FALSE(boost::json::parse(slurp(dir_ / "w.json")).at("llmload").at("started_cold").as_bool());
}

// vLLM users type --max-tokens / --max_tokens: the error names llmload's flag.
TEST_F(ProfileKeysCli, VllmUsersFlagsGetADidYouMean) {
  const auto r = run("bench --max_tokens 100");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean --output-len (llmload's name for --max-tokens)?"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace llmload
