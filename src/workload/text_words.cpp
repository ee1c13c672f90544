#include "llmload/workload/text_words.hpp"

#include "llmload/tokenizer/unicode.hpp"

namespace llmload::workload {

bool is_python_space(char32_t cp) noexcept {
  // Python's str.isspace(): Unicode White_Space plus the four ASCII separators 0x1C-0x1F.
  return (cp >= 0x1C && cp <= 0x1F) || tokenizer::unicode::is_white_space(cp);
}

char32_t decode_utf8(std::string_view text, std::size_t pos, std::size_t& len) noexcept {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  len = 1;
  if (b0 < 0x80) return b0;
  std::size_t need = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    need = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    need = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    need = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0xFFFD;
  }
  if (pos + need >= text.size()) return 0xFFFD;
  for (std::size_t i = 1; i <= need; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlongs and surrogates would let two spellings of one character compare unequal.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  len = need + 1;
  return cp;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t start = std::string_view::npos;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t len = 1;
    const bool space = is_python_space(decode_utf8(text, pos, len));
    if (space && start != std::string_view::npos) {
      words.push_back(text.substr(start, pos - start));
      start = std::string_view::npos;
    } else if (!space && start == std::string_view::npos) {
      start = pos;
    }
    pos += len;
  }
  if (start != std::string_view::npos) words.push_back(text.substr(start));
  return words;
}

std::string_view strip_spaces(std::string_view text) noexcept {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t pos = 0;
  bool seen = false;
  while (pos < text.size()) {
    std::size_t len = 1;
    if (!is_python_space(decode_utf8(text, pos, len))) {
      if (!seen) begin = pos, seen = true;
      end = pos + len;
    }
    pos += len;
  }
  return seen ? text.substr(begin, end - begin) : std::string_view{};
}

bool is_blank(std::string_view text) noexcept { return strip_spaces(text).empty(); }

}  // namespace llmload::workload
