#include "llmload/core/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace llmload::core {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("llmload_atomic_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Only the named files: no temporary left behind.
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir_)) ++n;
    return n;
  }

  fs::path dir_;
};

TEST_F(AtomicFile, WritesAndReplaces) {
  const auto path = dir_ / "result.json";
  ASSERT_TRUE(write_file_atomic(path, "{\"a\":1}"));
  EXPECT_EQ(read(path), "{\"a\":1}");
  ASSERT_TRUE(write_file_atomic(path, "{}"));
  EXPECT_EQ(read(path), "{}");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, CreatesParentDirectories) {
  const auto path = dir_ / "a" / "b" / "result.json";
  ASSERT_TRUE(write_file_atomic(path, "x"));
  EXPECT_EQ(read(path), "x");
}

TEST_F(AtomicFile, WritesEmptyAndLargeContent) {
  ASSERT_TRUE(write_file_atomic(dir_ / "empty", ""));
  EXPECT_TRUE(fs::exists(dir_ / "empty"));
  EXPECT_EQ(fs::file_size(dir_ / "empty"), 0u);
  const std::string big(3 * 1024 * 1024 + 7, 'z');
  ASSERT_TRUE(write_file_atomic(dir_ / "big", big));
  EXPECT_EQ(read(dir_ / "big"), big);
}

TEST_F(AtomicFile, KeepsTheModeOfAnExistingFile) {
  const auto path = dir_ / "keep";
  ASSERT_TRUE(write_file_atomic(path, "1"));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  ASSERT_TRUE(write_file_atomic(path, "2"));
  EXPECT_EQ(fs::status(path).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(AtomicFile, AppendJoinsRecordsWithANewlineLikeVllm) {
  const auto path = dir_ / "runs.json";
  ASSERT_TRUE(append_file_atomic(path, "{\"run\":1}"));
  EXPECT_EQ(read(path), "{\"run\":1}");
  ASSERT_TRUE(append_file_atomic(path, "{\"run\":2}"));
  EXPECT_EQ(read(path), "{\"run\":1}\n{\"run\":2}");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, AppendToAnEmptyFileAddsNoNewline) {
  const auto path = dir_ / "empty.json";
  ASSERT_TRUE(write_file_atomic(path, ""));
  ASSERT_TRUE(append_file_atomic(path, "{}"));
  EXPECT_EQ(read(path), "{}");
}

TEST_F(AtomicFile, ParentThatIsAFileNamesPathAndReason) {
  ASSERT_TRUE(write_file_atomic(dir_ / "plain", "x"));
  const auto path = dir_ / "plain" / "result.json";
  auto r = write_file_atomic(path, "y");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path.string()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Not a directory"), std::string::npos) << r.error().message;
  auto a = append_file_atomic(path, "y");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find(path.string()), std::string::npos) << a.error().message;
}

TEST_F(AtomicFile, TargetThatIsADirectoryFailsWithoutLeftovers) {
  fs::create_directories(dir_ / "taken");
  ASSERT_TRUE(write_file_atomic(dir_ / "taken" / "inner", "keep"));
  auto r = write_file_atomic(dir_ / "taken", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("taken"), std::string::npos) << r.error().message;
  EXPECT_EQ(entries(), 2u);  // the directory and its file; no temporary
  EXPECT_EQ(read(dir_ / "taken" / "inner"), "keep");
}

TEST_F(AtomicFile, RejectsAPathWithoutAFileName) {
  auto r = write_file_atomic(dir_ / "", "x");
  ASSERT_FALSE(r);
}

}  // namespace
}  // namespace llmload::core
