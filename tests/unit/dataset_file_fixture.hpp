#pragma once
// A test fixture for dataset sources that read files: a temporary folder per test, files
// written into it, DatasetOptions for a dataset and the error a bad file gives.
#include "llmload/workload/dataset.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <utility>

namespace llmload::workload {

class DatasetFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("llmload-ds-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  /// Writes `text` to `name` (folders made as needed) and returns its path.
  std::string write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  DatasetOptions options(const std::string& name, const std::string& path, std::size_t n) {
    DatasetOptions o;
    o.name = name;
    o.path = path;
    o.num_prompts = n;
    return o;
  }
  /// The error make_dataset gives (a failed expectation when it gives none).
  std::string error_of(const DatasetOptions& o) {
    auto r = make_dataset(o, nullptr);
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().message;
  }
  /// Each case: the file's text, written to `file`, and a part of the error it must give.
  void expect_errors(DatasetOptions o, const std::string& file,
                     std::span<const std::pair<std::string, std::string>> cases) {
    for (const auto& [text, expected] : cases) {
      o.path = write(file, text);
      const auto message = error_of(o);
      EXPECT_NE(message.find(expected), std::string::npos) << message;
    }
  }
  std::filesystem::path dir_;
};

}  // namespace llmload::workload
