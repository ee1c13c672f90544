#pragma once
/// Reading dataset files, shared by every file-backed dataset source: opening a file with
/// the input checks (size, type), streaming JSON Lines one line at a time, parsing a line's
/// object, vLLM's length filter and its shuffle. Errors name the file and line.

#include "llmload/core/error.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/json_array_scanner.hpp"
#include "llmload/workload/py_random.hpp"

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmload::workload {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

/// Opens a dataset file after core::check_input_file (regular file, under the dataset size
/// limit). An empty path asks for --dataset-path.
core::Result<FilePtr> open_dataset_file(const std::filesystem::path& path);

/// "FILE:LINE", as every dataset error starts.
std::string where(const std::filesystem::path& path, std::uint32_t line);

/// A view of `buffer` with its reserved capacity as simdjson's padding.
inline simdjson::padded_string_view padded(const std::string& buffer) {
  return simdjson::padded_string_view(buffer.data(), buffer.size(), buffer.capacity());
}

/// Parses one JSON Lines line into `doc` and its top-level object `obj` (which lives as long as
/// `doc`); on failure, what is wrong with the line.
std::optional<std::string> line_object(simdjson::ondemand::parser& parser, const std::string& buffer,
                                       simdjson::ondemand::document& doc, simdjson::ondemand::object& obj);

/// Called with each non-blank line (trailing blanks and CR removed; 64 spare bytes reserved
/// after it) and its position (offset, size, 1-based line).
using LineFn = std::function<core::Result<void>(const std::string&, const JsonElementPos&)>;

/// Streams `file` line by line (1 MiB blocks); an error from `fn` stops the scan.
core::Result<void> for_each_line(std::FILE* file, const std::filesystem::path& path, const LineFn& fn);

/// vLLM's is_valid_sequence(): prompt >= 4 tokens, output >= 4 unless skipped, prompt <=
/// max_prompt_len, prompt + output <= max_total_len.
bool is_valid_sequence(std::int64_t prompt_len, std::int64_t output_len, bool skip_min_output_len_check,
                       std::int64_t max_prompt_len = 1024, std::int64_t max_total_len = 2048);

/// The order entries are considered in: Python's random.shuffle after random.seed(seed),
/// unless --disable-shuffle.
template <class T>
void shuffle_entries(std::vector<T>& entries, std::uint64_t seed, bool disable_shuffle) {
  if (disable_shuffle) return;
  PyRandom rng(seed);
  rng.shuffle(entries);
}

}  // namespace llmload::workload
