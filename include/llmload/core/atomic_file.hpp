#pragma once
/// Crash-safe file output for result files: readers see either the old content or the new,
/// never a half-written file (write to a temporary in the same directory, fsync, rename).

#include "llmload/core/error.hpp"

#include <filesystem>
#include <string_view>

namespace llmload::core {

/// Replaces `path` with `content` atomically: creates missing parent directories, writes a
/// temporary file next to it, fsyncs it, renames it over `path` and fsyncs the directory. A
/// new file gets mode 0666 minus the umask; an existing file keeps its mode. Errors name the
/// path and the OS reason; on error the target is untouched and no temporary is left behind.
/// Not safe against concurrent writers of the same path (the last rename wins).
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content);

/// vLLM's --append-result, atomically: the file becomes its existing content + "\n" + `record`
/// when it exists and is non-empty, else just `record`. Same guarantees and errors as
/// write_file_atomic; concurrent appenders to one path may lose records.
Result<void> append_file_atomic(const std::filesystem::path& path, std::string_view record);

}  // namespace llmload::core
