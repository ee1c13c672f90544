#include "llmload/workload/json_array_scanner.hpp"

#include "llmload/core/input_file.hpp"
#include "llmload/workload/dataset_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace llmload::workload {
namespace {

constexpr std::size_t kBlock = 1 << 20;
constexpr std::size_t kPadding = 64;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

core::Result<void> scan_json_array(const std::filesystem::path& path, const JsonElementFn& on_element) {
  if (auto checked = core::check_input_file(path.string(), core::kMaxDatasetBytes, "dataset"); !checked) {
    return checked.error();
  }
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) return core::fail("{}: cannot open: {}", path.string(), std::strerror(errno));

  enum class State { kBeforeArray, kBeforeElement, kAfterComma, kInElement, kAfterArray };
  State state = State::kBeforeArray;
  std::vector<char> block(kBlock);
  std::string element;
  JsonElementPos pos;
  std::uint64_t offset = 0;
  std::uint32_t line = 1;
  int depth = 0;
  bool in_string = false, escaped = false;
  std::uint32_t index = 0;

  auto finish_element = [&]() -> core::Result<void> {
    while (!element.empty() && is_space(element.back())) element.pop_back();
    pos.size = element.size();
    pos.index = index++;
    element.reserve(element.size() + kPadding);
    if (auto r = on_element(element, pos); !r) return r;
    element.clear();
    return {};
  };

  while (true) {
    const std::size_t got = std::fread(block.data(), 1, block.size(), file.get());
    if (got == 0) {
      if (std::ferror(file.get())) return core::fail("{}: read error: {}", path.string(), std::strerror(errno));
      break;
    }
    for (std::size_t i = 0; i < got; ++i, ++offset) {
      const char c = block[i];
      switch (state) {
        case State::kBeforeArray:
          if (is_space(c) || (offset < 3 && static_cast<unsigned char>(c) >= 0xBB)) break;  // UTF-8 BOM
          if (c != '[') {
            return core::fail("{}:{}: expected a JSON array ('[') of conversations, found '{}'",
                              path.string(), line, c);
          }
          state = State::kBeforeElement;
          break;
        case State::kBeforeElement:
        case State::kAfterComma:
          if (is_space(c)) break;
          if (c == ']') {
            if (state == State::kAfterComma) {
              return core::fail("{}:{}: a ',' is followed by ']' (trailing comma)", path.string(), line);
            }
            state = State::kAfterArray;
            break;
          }
          if (c == ',') return core::fail("{}:{}: an empty array element (',,')", path.string(), line);
          pos.offset = offset;
          pos.line = line;
          depth = 0;
          in_string = false;
          escaped = false;
          state = State::kInElement;
          [[fallthrough]];
        case State::kInElement:
          if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
          } else if (c == '"') {
            in_string = true;
          } else if (c == '{' || c == '[') {
            ++depth;
          } else if ((c == ',' || c == ']') && depth == 0) {
            if (auto r = finish_element(); !r) return r;
            state = c == ',' ? State::kAfterComma : State::kAfterArray;
            break;
          } else if (c == '}' || c == ']') {
            --depth;
          }
          element.push_back(c);
          break;
        case State::kAfterArray:
          if (!is_space(c)) {
            return core::fail("{}:{}: text after the end of the JSON array", path.string(), line);
          }
          break;
      }
      if (c == '\n') ++line;
    }
  }
  if (state == State::kBeforeArray) return core::fail("{}: empty file; expected a JSON array", path.string());
  if (state != State::kAfterArray) {
    return core::fail("{}:{}: the file ends inside the JSON array{} (truncated download?)", path.string(),
                      line, in_string ? ", inside a string" : "");
  }
  return {};
}

core::Result<void> read_element(std::FILE* file, const std::filesystem::path& path,
                                const JsonElementPos& pos, std::string& buffer) {
  buffer.reserve(pos.size + kPadding);
  buffer.resize(pos.size);
  if (fseeko(file, static_cast<off_t>(pos.offset), SEEK_SET) != 0 ||
      std::fread(buffer.data(), 1, pos.size, file) != pos.size) {
    return core::fail("{}:{}: cannot read entry {} again (was the file changed?)", path.string(),
                      pos.line, pos.index);
  }
  return {};
}

}  // namespace llmload::workload
