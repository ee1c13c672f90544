// `llmload validate`: exit 0 with the resolved profile, exit 2 with every problem as
// file:line:column, overrides with --set.
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

struct Result {
  int exit_code;
  std::string out, err;
};

using llmload::testing_support::slurp;

Result validate(const std::string& args) {
  const auto dir = fs::temp_directory_path();
  const auto out = dir / ("llmload-validate-out-" + std::to_string(::getpid()));
  const auto err = dir / ("llmload-validate-err-" + std::to_string(::getpid()));
  const int status = std::system((std::string(LLMLOAD_BINARY) + " validate " + args + " >" +
                                  out.string() + " 2>" + err.string()).c_str());
  Result r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  fs::remove(out);
  fs::remove(err);
  return r;
}

TEST(ValidateCli, ReadyProfileIsOkAndOverridesApply) {
  const std::string profile = std::string(LLMLOAD_PROFILES_DIR) + "/vllm-ascend-qwen-vl-200-at-16rps.yaml";
  auto r = validate(profile);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("16/s (burstiness 1), until 200 requests"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("OK\n")) << r.out;
  EXPECT_NE(r.out.find("target: the built-in simulator, engine preset ascend-910b-qwen"), std::string::npos) << r.out;
  r = validate(profile + " --set load.stages.0.rate=8/s --set target.base_url=http://127.0.0.1:8000");
  EXPECT_EQ(r.exit_code, 2) << r.out;  // a preset applies to the built-in simulator only
  EXPECT_NE(r.err.find("'target.sim_preset' applies to the built-in simulator"), std::string::npos) << r.err;
  r = validate(profile + " --set load.stages.0.rate=8/s --set target.base_url=http://127.0.0.1:8000 "
               "--set 'target.sim_preset=\"\"'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("8/s (burstiness 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("target: http://127.0.0.1:8000"), std::string::npos) << r.out;
}

TEST(ValidateCli, ProblemsExitTwoWithPositions) {
  const auto file = fs::temp_directory_path() / ("llmload-bad-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file) << "load:\n  stages:\n    - {rate: 16/s, requests: 10, burst: 2}\n";
  const auto r = validate(file.string() + " --set load.stages.0.requests=none");
  fs::remove(file);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file.string() + ":3:34: unknown key 'burst' in 'load.stages.0'; did you mean 'burstiness'?"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--set: 'load.stages.0.requests' must be a whole number, not 'none'"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 problems found; nothing was run."), std::string::npos) << r.err;
}

TEST(ValidateCli, MissingFile) {
  const auto r = validate("/nonexistent/profile.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/profile.yaml: cannot read the profile"), std::string::npos) << r.err;
}

}  // namespace
