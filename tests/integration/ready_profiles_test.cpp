// The ready profiles under profiles/ run against the built-in simulator as written; the ones
// that take minutes in real time run here with the simulated engine sped up
// (target.sim_time_scale) and their results written to a scratch folder. (Every profile is
// also validated by the unit test Profile.EveryReadyProfileValidates.)
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"

#include <string>

namespace {

using llmload::testing_support::slurp;

class ReadyProfiles : public llmload::testing_support::CliTest {
 protected:
  ReadyProfiles() : CliTest("llmload-ready") {}

  llmload::testing_support::CliResult run_profile(const std::string& name, const std::string& overrides) {
    // The test machine is shared (and the simulator is sped up): the self-check has its own tests.
    return run("run " + std::string(LLMLOAD_PROFILES_DIR) + "/" + name + " --set outputs.dir=" +
               (dir_ / "out").string() + " --set allow_saturated_client=true " + overrides);
  }
};

TEST_F(ReadyProfiles, SingleImageFixedLength) {
  const auto r = run_profile("single-image-fixed-length.yaml", "--set target.sim_time_scale=20");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = boost::json::parse(slurp(dir_ / "out" / "01-02-fixed-length-512.json")).as_object();
  EXPECT_EQ(doc.at("completed").as_int64(), 10);
  EXPECT_EQ(doc.at("total_output_tokens").as_int64(), 10 * 512);  // ignore_eos: exactly max_tokens
  // The image's tokens are part of the input: far more than the 64 text tokens.
  EXPECT_GT(doc.at("total_input_tokens").as_int64(), 10 * 64 * 5);
}

TEST_F(ReadyProfiles, MultimodalScenarioSuite) {
  const auto r = run_profile("multimodal-scenario-suite.yaml", "--set target.sim_time_scale=50");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Each scenario by its name: file, label, the console's runs table.
  const char* names[] = {"short-qa", "long-answer", "one-image", "document-3-pages", "math"};
  for (int point = 1; point <= 5; ++point) {
    const std::string name = names[point - 1];
    const auto file = dir_ / "out" / ("0" + std::to_string(point) + "-" + name + "-01-scenario.json");
    const auto doc = boost::json::parse(slurp(file)).as_object();
    EXPECT_EQ(doc.at("completed").as_int64(), 12) << file;
    EXPECT_EQ(doc.at("label").as_string(), name);
    EXPECT_EQ(doc.at("llmload").at("run").at("name").as_string(), name);
    EXPECT_NE(r.out.find("\n" + name + "  "), std::string::npos) << "runs table row " << name << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("== Runs =="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dataset_path: data/math.jsonl"), std::string::npos) << r.out;
  // The multi-turn point: 12 conversations of 4 turns, reported per turn.
  const auto dialogue = boost::json::parse(slurp(dir_ / "out" / "06-dialogue-4-turns-01-scenario.json")).as_object();
  EXPECT_EQ(dialogue.at("completed").as_int64(), 48);
  const auto& per_turn = dialogue.at("llmload").at("per_turn").as_object();
  ASSERT_EQ(per_turn.size(), 4u);
  EXPECT_GT(per_turn.at("turn 4").at("total_input_tokens").as_int64(),
            per_turn.at("turn 1").at("total_input_tokens").as_int64());
  EXPECT_NE(r.out.find("Mean TTFT, turn 4 (ms):"), std::string::npos) << r.out;
}

TEST_F(ReadyProfiles, SamplingParameterStudy) {
  const auto r = run_profile("sampling-parameter-study.yaml",
                             "--set target.sim_time_scale=20 --set load.stages.0.requests=4");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("point 24/24 'temperature=1.0, top_p=1.0, top_k=-1, max_tokens=256' (request.temperature=1.0, "
                       "request.top_p=1.0, request.top_k=-1, request.max_tokens=256)"),
            std::string::npos) << r.out;
  // Accuracy per point, printed and charted (the simulator answers right with probability 0.8).
  EXPECT_NE(r.out.find("== Accuracy per point (not in vLLM) =="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ntemperature=1.0, top_p=1.0, top_k=-1, max_tokens=256: accuracy "), std::string::npos) << r.out;
  // 24 runs in one table at the end, a row each by name.
  EXPECT_NE(r.out.find("== Runs ==\nRun "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ntemperature=0, top_p=0.9, top_k=20, max_tokens=64  "), std::string::npos) << r.out;
}

}  // namespace
