// scan_json_array: element bytes, offsets and lines across 1 MiB block boundaries, strings
// holding brackets and escaped quotes, and the errors for files that are not one JSON array.
#include "llmload/workload/json_array_scanner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace llmload::workload {
namespace {

namespace fs = std::filesystem;

class JsonArrayScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("llmload-scan-" + std::to_string(::getpid()) + ".json");
  }
  void TearDown() override { fs::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  core::Result<void> scan() {
    elements_.clear();
    positions_.clear();
    return scan_json_array(path_, [&](std::string_view bytes, const JsonElementPos& pos) -> core::Result<void> {
      elements_.emplace_back(bytes);
      positions_.push_back(pos);
      return {};
    });
  }
  fs::path path_;
  std::vector<std::string> elements_;
  std::vector<JsonElementPos> positions_;
};

TEST_F(JsonArrayScanner, FindsElementsWithTheirLinesAndOffsets) {
  const std::string text = "\xEF\xBB\xBF[\n {\"a\": \"x],}\\\"[{\"},\n  [1, [2]] ,\n 3,\"s\"\n]\n";
  write(text);
  ASSERT_TRUE(scan());
  ASSERT_EQ(elements_.size(), 4u);
  EXPECT_EQ(elements_[0], "{\"a\": \"x],}\\\"[{\"}");
  EXPECT_EQ(elements_[1], "[1, [2]]");
  EXPECT_EQ(elements_[2], "3");
  EXPECT_EQ(elements_[3], "\"s\"");
  EXPECT_EQ(positions_[0].line, 2u);
  EXPECT_EQ(positions_[1].line, 3u);
  EXPECT_EQ(positions_[3].line, 4u);
  for (std::size_t i = 0; i < elements_.size(); ++i) {
    EXPECT_EQ(text.substr(positions_[i].offset, positions_[i].size), elements_[i]);
    EXPECT_EQ(positions_[i].index, i);
  }
  // read_element() gets the same bytes back.
  std::FILE* f = std::fopen(path_.c_str(), "rb");
  std::string buffer;
  ASSERT_TRUE(read_element(f, path_, positions_[1], buffer));
  std::fclose(f);
  EXPECT_EQ(buffer, "[1, [2]]");
}

TEST_F(JsonArrayScanner, ElementsSpanningBlockBoundaries) {
  std::string text = "[";
  const std::string big(300000, 'x');
  for (int i = 0; i < 12; ++i) text += (i ? "," : "") + std::string("{\"v\":\"") + big + std::to_string(i) + "\"}";
  text += "]";
  write(text);
  ASSERT_TRUE(scan());
  ASSERT_EQ(elements_.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(elements_[i], "{\"v\":\"" + big + std::to_string(i) + "\"}");
    EXPECT_EQ(text.substr(positions_[i].offset, positions_[i].size), elements_[i]);
  }
}

TEST_F(JsonArrayScanner, EmptyArray) {
  write(" [ ] \n");
  ASSERT_TRUE(scan());
  EXPECT_TRUE(elements_.empty());
}

TEST_F(JsonArrayScanner, ErrorsNameTheFileAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"{\"a\": 1}", ":1: expected a JSON array"},
      {"[{\"a\": 1},\n{\"b\": \"unterminated", ":2: the file ends inside the JSON array, inside a string"},
      {"[1,\n2,\n]", ":3: a ',' is followed by ']'"},
      {"[1]\n[2]", ":2: text after the end of the JSON array"},
      {"", "empty file"},
  };
  for (const auto& [text, expected] : cases) {
    write(text);
    auto r = scan();
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().message.find(path_.string()), std::string::npos);
    EXPECT_NE(r.error().message.find(expected), std::string::npos) << r.error().message;
  }
  fs::remove(path_);
  auto r = scan();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace llmload::workload
