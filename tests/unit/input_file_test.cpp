// Input files are checked before they are read: devices, FIFOs and directories are refused,
// and so is a file over its stated limit, by every reader of outside files.
#include "llmload/config/profile.hpp"
#include "llmload/core/input_file.hpp"
#include "llmload/report/result_reader.hpp"
#include "llmload/tokenizer/tokenizer.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/file_datasets.hpp"
#include "llmload/workload/trace_dataset.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

namespace llmload::core {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("llmload_input_file_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

TEST(InputFile, RegularFileWithinTheLimitIsRead) {
  TempDir dir;
  const auto file = (dir.path / "a.txt").string();
  std::ofstream(file) << "hello";
  const auto text = read_input_file(file, 5, "dataset");
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "hello");
  EXPECT_TRUE(check_input_file(file, 5, "dataset"));
}

TEST(InputFile, OverTheLimitIsRefusedNamingTheLimit) {
  TempDir dir;
  const auto file = (dir.path / "big.json").string();
  std::ofstream(file) << std::string(3 * 1024 * 1024, 'x');
  const auto text = read_input_file(file, 2 * kMiB, "tokenizer");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message, "tokenizer " + file + ": 3.0 MiB is over the limit of 2.0 MiB for a tokenizer");
  EXPECT_FALSE(check_input_file(file, 2 * kMiB, "tokenizer"));
}

TEST(InputFile, DevicesFifosAndDirectoriesAreRefusedAtOnce) {
  TempDir dir;
  const auto fifo = (dir.path / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& path : {std::string("/dev/zero"), fifo}) {
    const auto text = read_input_file(path, kMaxDatasetBytes, "dataset");
    ASSERT_FALSE(text) << path;
    EXPECT_EQ(text.error().message, "dataset " + path + ": not a regular file (a device, FIFO or socket); give a file");
    EXPECT_FALSE(check_input_file(path, kMaxDatasetBytes, "dataset"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));  // no wait for a writer
  EXPECT_EQ(read_input_file(dir.path.string(), 10, "profile").error().message,
            "profile " + dir.path.string() + ": is a directory, not a file");
  EXPECT_NE(read_input_file((dir.path / "none").string(), 10, "profile").error().message.find("No such file"),
            std::string::npos);
}

TEST(InputFile, EveryReaderOfOutsideFilesRefusesDevZero) {
  const auto profile = config::load_profile("/dev/zero");
  ASSERT_FALSE(profile.profile);
  EXPECT_NE(config::format_problems(profile.problems).find("not a regular file"), std::string::npos);
  const auto tokenizer = tokenizer::Tokenizer::load("/dev/zero");
  ASSERT_FALSE(tokenizer);
  EXPECT_NE(tokenizer.error().message.find("not a regular file"), std::string::npos) << tokenizer.error().message;
  const auto result = report::read_report_run("/dev/zero");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("not a regular file"), std::string::npos) << result.error().message;
  workload::DatasetOptions options;
  options.path = "/dev/zero";
  options.num_prompts = 3;
  for (auto make : {workload::make_custom_dataset, workload::make_sonnet_dataset, workload::make_burstgpt_dataset,
                    workload::make_mooncake_dataset, workload::make_sharegpt_dataset}) {
    const auto dataset = make(options, nullptr);
    ASSERT_FALSE(dataset);
    EXPECT_NE(dataset.error().message.find("not a regular file"), std::string::npos) << dataset.error().message;
  }
}

}  // namespace
}  // namespace llmload::core
