#pragma once
/// Whitespace as Python's `str.split()` and `str.strip()` see it, over UTF-8 text: the answer
/// scorer follows the VQA evaluation script (Python) word for word, and the degenerate-output
/// check counts words the same way. Pure functions; thread-safe.

#include <cstddef>
#include <string_view>
#include <vector>

namespace llmload::workload {

/// True for the code points Python's `str.isspace()` accepts: Unicode White_Space (ASCII
/// \t \n \v \f \r and space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
/// U+205F, U+3000) plus the separators U+001C..U+001F.
bool is_python_space(char32_t cp) noexcept;

/// Decodes the UTF-8 code point at byte `pos` (< text.size()) and stores its byte length in
/// `len`. A malformed or truncated sequence yields U+FFFD with length 1, so every byte is
/// visited exactly once.
char32_t decode_utf8(std::string_view text, std::size_t pos, std::size_t& len) noexcept;

/// The words of `text` as `str.split()` returns them: maximal runs of non-space code points,
/// in order, as views into `text` (valid while `text` is).
std::vector<std::string_view> split_words(std::string_view text);

/// `text` without leading and trailing spaces (`str.strip()`); a view into `text`.
std::string_view strip_spaces(std::string_view text) noexcept;

/// True when `text` holds nothing but spaces (or nothing at all).
bool is_blank(std::string_view text) noexcept;

}  // namespace llmload::workload
