#pragma once
/// Streaming reader of a file holding one big JSON array (ShareGPT's layout): it finds the
/// byte range and line of each top-level element while reading the file in 1 MiB blocks, so
/// memory stays at one block plus the largest element however large the file is. simdjson's
/// iterate_many does not apply (it wants concatenated documents, not one array), and parsing
/// the whole array at once would need the file and its tape in memory (several times its size).

#include "llmload/core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace llmload::workload {

/// Where one top-level element lies in the file.
struct JsonElementPos {
  std::uint64_t offset = 0;  ///< byte offset of its first character
  std::uint64_t size = 0;    ///< bytes up to its last character (trailing whitespace excluded)
  std::uint32_t line = 1;    ///< 1-based line of its first character
  std::uint32_t index = 0;   ///< 0-based position in the array
};

/// Called once per element with its bytes (valid only during the call; the view's buffer has
/// at least 64 spare bytes after it for simdjson's padding) and position. An error stops the
/// scan and is returned.
using JsonElementFn = std::function<core::Result<void>(std::string_view, const JsonElementPos&)>;

/// Scans `path`. Errors name the file and line: missing or unreadable file, not an array, an
/// unterminated array or string, text after the array. Elements are not validated here (the
/// callback parses them).
core::Result<void> scan_json_array(const std::filesystem::path& path, const JsonElementFn& on_element);

/// Reads `pos.size` bytes at `pos.offset` of `file` into `buffer` (resized; 64 spare bytes
/// reserved after them). Errors name the file.
core::Result<void> read_element(std::FILE* file, const std::filesystem::path& path,
                                const JsonElementPos& pos, std::string& buffer);

}  // namespace llmload::workload
