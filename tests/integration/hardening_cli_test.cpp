// Hostile and careless inputs through the binary: what `validate` refuses `run` refuses too,
// with file:line and exit 2, quickly; input files that are devices; a result directory that
// cannot be written is reported before the run; --insecure warns.
#include "cli_support.hpp"

#include <chrono>
#include <fstream>
#include <string>

namespace llmload {
namespace {

namespace fs = std::filesystem;

class HardeningCli : public testing_support::CliTest {
 protected:
  HardeningCli() : CliTest("llmload-harden") {}
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  /// validate and run of `profile` both exit 2 naming `where` (file:line:column) and `what`.
  void expect_both_refuse(const std::string& profile, const std::string& where, const std::string& what) {
    for (const char* command : {"validate ", "run "}) {
      const auto start = std::chrono::steady_clock::now();
      const auto r = run(command + profile);
      EXPECT_EQ(r.exit_code, 2) << command << r.out << r.err;
      EXPECT_NE(r.err.find(where), std::string::npos) << command << r.err;
      EXPECT_NE(r.err.find(what), std::string::npos) << command << r.err;
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10)) << command;
    }
  }
};

TEST_F(HardeningCli, ZeroOutputsIntervalIsRefusedByValidateAndRun) {
  const auto p = write("iv.yaml", "load: {stages: [{rate: 4/s, requests: 3}]}\noutputs:\n  interval: 0s\n");
  expect_both_refuse(p, p + ":3:13:", "'outputs.interval' must be above 0");
}

TEST_F(HardeningCli, RequestsBeyondMemoryAreRefusedByValidateAndRun) {
  const auto p = write("big.yaml", "load:\n  stages:\n    - {rate: 4/s, requests: 2000000000}\n");
  expect_both_refuse(p, p + ":3:29:", "2000000000 requests would need about");
}

TEST_F(HardeningCli, AliasBombAndDuplicateKeysAreRefusedByValidateAndRun) {
  std::string bomb = "request:\n  extra_body:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "    a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j == 0 ? "*a" : ", *a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  const auto p = write("bomb.yaml", bomb + "load: {stages: [{rate: 4/s, requests: 3}]}\n");
  expect_both_refuse(p, p + ":", "once its aliases (*name) are expanded");
  const auto d = write("dup.yaml", "load: {stages: [{rate: 4/s, requests: 3}]}\nload: {stages: [{rate: 8/s, requests: 3}]}\n");
  expect_both_refuse(d, d + ":2:1:", "key 'load' is written twice");
}

TEST_F(HardeningCli, SweepOfTenMillionPointsIsRefusedAtOnce) {
  std::string sweep = "load: {stages: [{rate: 4/s, requests: 3}]}\nsweep:\n";
  for (const char* key : {"temperature", "top_p", "top_k", "min_p", "frequency_penalty", "presence_penalty",
                          "repetition_penalty"}) {
    sweep += std::string("  request.") + key + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  }
  const auto p = write("sweep.yaml", sweep);
  expect_both_refuse(p, p + ":3:3:", "the sweep has more than 10000 points");
}

TEST_F(HardeningCli, DevicesAsInputFilesAreRefusedAtOnce) {
  for (const std::string args : {"validate /dev/zero", "report /dev/zero --md r.md", "bench --tokenizer /dev/zero --num-prompts 2",
                                 "bench --dataset-name custom --dataset-path /dev/zero --num-prompts 2"}) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = run(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.exit_code, 3) << args << r.err;
    EXPECT_NE(r.err.find("/dev/zero: not a regular file"), std::string::npos) << args << ": " << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10)) << args;
  }
}

TEST_F(HardeningCli, UnwritableResultDirectoryIsReportedBeforeTheRun) {
  const auto file = write("plain-file", "x");
  const auto r = run("bench --num-prompts 5 --save-result --result-dir " + file + "/results");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--result-dir " + file + "/results: " + file + " is not a directory"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Serving Benchmark Result"), std::string::npos) << r.out;  // nothing was run
}

TEST_F(HardeningCli, InsecureWarnsOnce) {
  const auto r = run("bench --base-url https://127.0.0.1:1 --model m --insecure --num-prompts 1 --ready-check-timeout-sec 0");
  const auto first = r.err.find("warning: --insecure: the server's TLS certificate is not verified");
  EXPECT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("warning: --insecure", first + 1), std::string::npos) << r.err;
}

TEST_F(HardeningCli, MaxResponseBytesFailsLongAnswersAsResponseTooLarge) {
  const auto r = run("bench --num-prompts 4 --random-input-len 8 --random-output-len 200 --sim-ttft-ms 1 "
                     "--sim-itl-ms 0 --max-response-bytes 2000 --ready-check-timeout-sec 5 --save-result --result-filename r.json "
                     "--result-dir " +
                     dir_.string());
  // Every answer is longer, the first (vLLM's initial test run) too: the run stops there.
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("the response body passed 2000 bytes (--max-response-bytes) (response_too_large)"),
            std::string::npos) << r.err;
}

}  // namespace
}  // namespace llmload
