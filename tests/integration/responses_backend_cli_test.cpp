// The Responses API backend (openai-responses) end to end against the built-in simulator's
// /v1/responses: every request completes, output tokens are the response.completed usage,
// TTFT and ITL come from the text deltas and equal the simulator's fixed timing, images go as
// input_image parts, and the continuous-batching engine mode answers it too.
#include "cli_support.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace llmload {
namespace {

using testing_support::CliResult;
using testing_support::slurp;

class ResponsesBackendCli : public testing_support::CliTest {
 protected:
  ResponsesBackendCli() : CliTest("llmload-responses") {}

  CliResult bench(const std::string& args) {
    return run("bench --backend openai-responses --num-prompts 8 --random-input-len 12 --random-output-len 5 "
               "--max-concurrency 4 --disable-tqdm --save-result --result-dir " + dir_.string() +
               " --result-filename r.json " + args);
  }
  boost::json::object saved() { return boost::json::parse(slurp(dir_ / "r.json")).as_object(); }
};

TEST_F(ResponsesBackendCli, FixedTimingRunCountsTheCompletedUsageAndTheSimulatorsTtft) {
  const auto r = bench("--sim-ttft-ms 40 --sim-itl-ms 4");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Successful requests:                     8 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total generated tokens:                  40 "), std::string::npos) << r.out;
  const auto doc = saved();
  EXPECT_EQ(doc.at("backend").as_string(), "openai-responses");
  EXPECT_EQ(doc.at("completed").as_int64(), 8);
  EXPECT_EQ(doc.at("failed").as_int64(), 0);
  EXPECT_EQ(doc.at("total_output_tokens").as_int64(), 8 * 5);  // response.completed's output_tokens
  // The simulator counts words: input tokens are its usage.input_tokens, 12 words a prompt.
  EXPECT_EQ(doc.at("total_input_tokens").as_int64(), 8 * 12);
  // TTFT is the first text delta's arrival: the simulator's 40 ms, never less.
  EXPECT_GE(doc.at("mean_ttft_ms").as_double(), 40.0);
  EXPECT_LT(doc.at("median_ttft_ms").as_double(), 40.0 + 60.0);
  EXPECT_GE(doc.at("median_itl_ms").as_double(), 3.0);
  EXPECT_EQ(doc.at("llmload").at("plan").at("endpoint").as_string(), "/v1/responses");
}

TEST_F(ResponsesBackendCli, ImagesGoAsInputImageParts) {
  const auto r = bench("--sim-ttft-ms 5 --sim-itl-ms 1 --dataset-name random-mm "
                       "--random-mm-bucket-config '{(64, 64, 1): 1.0}'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = saved();
  // The simulator checks each input_image's data URL (a bad one is a 400, a failed request).
  EXPECT_EQ(doc.at("completed").as_int64(), 8);
  EXPECT_EQ(doc.at("total_output_tokens").as_int64(), 8 * 5);
}

TEST_F(ResponsesBackendCli, EngineModeAnswersTheResponsesApi) {
  const auto r = bench("--sim-preset default --sim-time-scale 20");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = saved();
  EXPECT_EQ(doc.at("completed").as_int64(), 8);
  // The body sends no ignore_eos (the Responses API has none): the engine may stop a response
  // before max_output_tokens; the counts are what response.completed said.
  EXPECT_GT(doc.at("total_output_tokens").as_int64(), 0);
  EXPECT_LE(doc.at("total_output_tokens").as_int64(), 8 * 5);
}

TEST_F(ResponsesBackendCli, AWrongEndpointIsAUsageError) {
  const auto r = bench("--endpoint /v1/chat/completions");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the openai-responses backend needs a path ending in responses, e.g. --endpoint "
                       "/v1/responses"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace llmload
