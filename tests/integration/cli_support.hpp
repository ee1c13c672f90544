#pragma once
// What the integration tests that run the llmload binary share: a per-test scratch folder,
// running the binary with its output captured, and reading files back.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace llmload::testing_support {

/// The whole content of a file ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// How one run of the binary ended.
struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

/// A fixture with a fresh folder per test (removed afterwards) and run(): the llmload binary
/// with `args` (shell words), stdin closed, stdout and stderr captured.
class CliTest : public ::testing::Test {
 protected:
  explicit CliTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix_ + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CliResult run(const std::string& args) { return run_under(std::string(LLMLOAD_BINARY) + " " + args); }

  /// A whole command line (e.g. the binary under strace), run as run() runs the binary.
  CliResult run_under(const std::string& command_line) {
    const auto out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = command_line + " >" + out.string() + " 2>" + err.string() + " </dev/null";
    const int status = std::system(command.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace llmload::testing_support
