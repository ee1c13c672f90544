#pragma once
/// Input files checked before they are read: a regular file (a device, FIFO, socket or
/// directory is refused, so /dev/zero cannot feed a reader forever) within a stated size.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace llmload::core {

inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxDatasetBytes = std::uint64_t{16} << 30;  ///< datasets (streamed), 16 GiB
inline constexpr std::uint64_t kMaxTokenizerBytes = 512 * kMiB;             ///< tokenizer.json
inline constexpr std::uint64_t kMaxResultFileBytes = 1024 * kMiB;           ///< result files (report, compare)
inline constexpr std::uint64_t kMaxImageBytes = 64 * kMiB;                  ///< one image of a dataset

/// Refuses `path` unless it is a regular file of at most `max_bytes`; the error names `what`
/// ("dataset", "tokenizer", ...), the path and the limit.
Result<void> check_input_file(const std::string& path, std::uint64_t max_bytes, std::string_view what);

/// The whole of `path` after check_input_file(); a file that grows past `max_bytes` while it
/// is read is refused too.
Result<std::string> read_input_file(const std::string& path, std::uint64_t max_bytes, std::string_view what);

}  // namespace llmload::core
