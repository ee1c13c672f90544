#include "llmload/workload/dataset_file.hpp"

#include "llmload/core/input_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace llmload::workload {

namespace od = simdjson::ondemand;

core::Result<FilePtr> open_dataset_file(const std::filesystem::path& path) {
  if (path.empty()) return core::fail("this dataset needs --dataset-path FILE");
  if (auto checked = core::check_input_file(path.string(), core::kMaxDatasetBytes, "dataset"); !checked) {
    return checked.error();
  }
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) return core::fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  return file;
}

std::string where(const std::filesystem::path& path, std::uint32_t line) {
  return fmt::format("{}:{}", path.string(), line);
}

std::optional<std::string> line_object(od::parser& parser, const std::string& buffer, od::document& doc,
                                       od::object& obj) {
  if (auto ec = parser.iterate(padded(buffer)).get(doc)) {
    return fmt::format("invalid JSON ({})", simdjson::error_message(ec));
  }
  if (auto ec = doc.get_object().get(obj)) {
    return ec == simdjson::INCORRECT_TYPE ? std::string("not a JSON object")
                                          : fmt::format("invalid JSON ({})", simdjson::error_message(ec));
  }
  return std::nullopt;
}

core::Result<void> for_each_line(std::FILE* file, const std::filesystem::path& path, const LineFn& fn) {
  std::string line;
  std::vector<char> block(1 << 20);
  std::uint64_t offset = 0, line_start = 0;
  std::uint32_t number = 1;
  auto flush = [&]() -> core::Result<void> {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    const bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (!blank) {
      line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
      JsonElementPos pos{line_start, line.size(), number, 0};
      if (auto r = fn(line, pos); !r) return r;
    }
    line.clear();
    return {};
  };
  while (true) {
    const std::size_t got = std::fread(block.data(), 1, block.size(), file);
    if (got == 0) {
      if (std::ferror(file)) return core::fail("{}: read error: {}", path.string(), std::strerror(errno));
      break;
    }
    for (std::size_t i = 0; i < got; ++i, ++offset) {
      if (block[i] == '\n') {
        if (auto r = flush(); !r) return r;
        ++number;
        line_start = offset + 1;
      } else {
        line.push_back(block[i]);
      }
    }
  }
  return flush();
}

bool is_valid_sequence(std::int64_t prompt_len, std::int64_t output_len, bool skip_min_output_len_check,
                       std::int64_t max_prompt_len, std::int64_t max_total_len) {
  constexpr std::int64_t kMinLen = 4;
  return !(prompt_len < kMinLen || (!skip_min_output_len_check && output_len < kMinLen) ||
           prompt_len > max_prompt_len || prompt_len + output_len > max_total_len);
}

}  // namespace llmload::workload
