#include "llmload/tokenizer/unicode.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace llmload::tokenizer::unicode {

namespace tables {
extern const char kUnicodeVersion[];
extern const std::uint16_t kPropsIndex[];
extern const std::uint8_t kPropsBlocks[];
extern const std::uint16_t kCccIndex[];
extern const std::uint8_t kCccBlocks[];
extern const std::uint32_t kDecompCount;
extern const std::uint32_t kDecompEntries[][3];
extern const std::uint32_t kDecompData[];
extern const std::uint32_t kCompositionCount;
extern const std::uint32_t kCompositions[][3];
}  // namespace tables

namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kHangulSBase = 0xAC00, kHangulLBase = 0x1100, kHangulVBase = 0x1161,
                   kHangulTBase = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount;
constexpr char32_t kHangulSCount = kHangulLCount * kHangulNCount;

std::uint8_t props(char32_t cp) {
  if (cp >= 0x110000) return static_cast<std::uint8_t>(Category::Cn);
  return tables::kPropsBlocks[tables::kPropsIndex[cp >> 8] * 256u + (cp & 0xFF)];
}

std::uint8_t ccc(char32_t cp) {
  if (cp >= 0x110000) return 0;
  return tables::kCccBlocks[tables::kCccIndex[cp >> 8] * 256u + (cp & 0xFF)];
}

// Full canonical decomposition of cp appended to out (cp itself when it has none).
void decompose(char32_t cp, std::u32string& out) {
  if (cp >= kHangulSBase && cp < kHangulSBase + kHangulSCount) {
    const char32_t s = cp - kHangulSBase;
    out.push_back(kHangulLBase + s / kHangulNCount);
    out.push_back(kHangulVBase + (s % kHangulNCount) / kHangulTCount);
    if (s % kHangulTCount != 0) out.push_back(kHangulTBase + s % kHangulTCount);
    return;
  }
  const auto* begin = tables::kDecompEntries;
  const auto* end = begin + tables::kDecompCount;
  const auto* it = std::lower_bound(begin, end, cp, [](const std::uint32_t(&e)[3], char32_t c) {
    return e[0] < c;
  });
  if (it == end || (*it)[0] != cp) {
    out.push_back(cp);
    return;
  }
  for (std::uint32_t i = 0; i < (*it)[2]; ++i) out.push_back(tables::kDecompData[(*it)[1] + i]);
}

// The primary composite of (a, b), or 0 when they do not compose.
char32_t compose(char32_t a, char32_t b) {
  if (a >= kHangulLBase && a < kHangulLBase + kHangulLCount && b >= kHangulVBase &&
      b < kHangulVBase + kHangulVCount) {
    return kHangulSBase + ((a - kHangulLBase) * kHangulVCount + (b - kHangulVBase)) * kHangulTCount;
  }
  if (a >= kHangulSBase && a < kHangulSBase + kHangulSCount && (a - kHangulSBase) % kHangulTCount == 0 &&
      b > kHangulTBase && b < kHangulTBase + kHangulTCount) {
    return a + (b - kHangulTBase);
  }
  const auto* begin = tables::kCompositions;
  const auto* end = begin + tables::kCompositionCount;
  const auto* it = std::lower_bound(begin, end, std::pair{a, b},
                                    [](const std::uint32_t(&e)[3], std::pair<char32_t, char32_t> k) {
                                      return std::pair<char32_t, char32_t>{e[0], e[1]} < k;
                                    });
  if (it == end || (*it)[0] != a || (*it)[1] != b) return 0;
  return (*it)[2];
}

}  // namespace

std::string_view unicode_version() { return tables::kUnicodeVersion; }

Category category(char32_t cp) { return static_cast<Category>(props(cp) & 0x7F); }

bool is_white_space(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++pos;
    return kReplacement;
  }
  if (pos + len > text.size()) {
    ++pos;
    return kReplacement;
  }
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kReplacement;
  }
  pos += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (pos + 8 <= text.size()) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + pos, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        pos += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const std::size_t before = pos;
    const char32_t cp = next_code_point(text, pos);
    // A genuine U+FFFD is three bytes; a replacement for a bad byte advances one.
    if (cp == kReplacement && pos - before != 3) return false;
  }
  return true;
}

bool is_nfc_quick(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    if ((props(next_code_point(text, pos)) & 0x80) != 0) return false;
  }
  return true;
}

std::string to_nfc(std::string_view text) {
  if (is_nfc_quick(text)) return std::string(text);

  std::u32string chars;
  chars.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) decompose(next_code_point(text, pos), chars);
  // Canonical ordering: stable sort of each run of non-starters by combining class.
  for (std::size_t i = 0; i < chars.size();) {
    if (ccc(chars[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < chars.size() && ccc(chars[j]) != 0) ++j;
    std::stable_sort(chars.begin() + static_cast<std::ptrdiff_t>(i),
                     chars.begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t a, char32_t b) { return ccc(a) < ccc(b); });
    i = j;
  }
  // Canonical composition.
  std::u32string composed;
  composed.reserve(chars.size());
  std::size_t starter = std::u32string::npos;
  int last_ccc = -1;
  for (const char32_t c : chars) {
    const int c_ccc = ccc(c);
    if (starter != std::u32string::npos) {
      const bool blocked = last_ccc != -1 && (last_ccc == 0 || last_ccc >= c_ccc);
      if (!blocked) {
        if (const char32_t p = compose(composed[starter], c); p != 0) {
          composed[starter] = p;
          continue;
        }
      }
    }
    if (c_ccc == 0) {
      starter = composed.size();
      last_ccc = -1;
    } else {
      last_ccc = c_ccc;
    }
    composed.push_back(c);
  }
  std::string out;
  out.reserve(text.size());
  for (const char32_t c : composed) append_utf8(out, c);
  return out;
}

}  // namespace llmload::tokenizer::unicode
