// Python's whitespace over UTF-8: split, strip, blank, and the decoder's handling of
// malformed bytes.
#include "llmload/workload/text_words.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::workload {
namespace {

using Words = std::vector<std::string_view>;

TEST(TextWords, SplitsLikePythonStrSplit) {
  EXPECT_EQ(split_words("  a  b\tc\n"), (Words{"a", "b", "c"}));
  EXPECT_EQ(split_words("x\x1fy\x0bz"), (Words{"x", "y", "z"}));  // \x1f and \v are spaces in Python
  EXPECT_EQ(split_words("\xE4\xB8\x80\xE3\x80\x80\xE4\xBA\x8C\xC2\xA0three"),
            (Words{"\xE4\xB8\x80", "\xE4\xBA\x8C", "three"}));  // U+3000 and U+00A0 split
  EXPECT_EQ(split_words("a\xE2\x80\x8B" "b"), (Words{"a\xE2\x80\x8B" "b"}));  // U+200B is not a space
  EXPECT_TRUE(split_words("").empty());
  EXPECT_TRUE(split_words(" \t ").empty());
}

TEST(TextWords, StripsAndFindsBlankText) {
  EXPECT_EQ(strip_spaces(" \xC2\xA0 yes \n"), "yes");
  EXPECT_EQ(strip_spaces("a b"), "a b");
  EXPECT_TRUE(is_blank("\xE2\x80\x83\r\n"));  // U+2003 EM SPACE
  EXPECT_FALSE(is_blank(" x "));
}

TEST(TextWords, MalformedBytesAreOneReplacementCharacterEach) {
  std::size_t len = 0;
  EXPECT_EQ(decode_utf8("\xE4\xB8", 0, len), U'\xFFFD');  // truncated
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(decode_utf8("\xC0\x80", 0, len), U'\xFFFD');  // overlong
  EXPECT_EQ(decode_utf8("\xED\xA0\x80", 0, len), U'\xFFFD');  // surrogate
  EXPECT_EQ(decode_utf8("\x80", 0, len), U'\xFFFD');
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80", 0, len), U'\x1F600');
  EXPECT_EQ(len, 4u);
  EXPECT_EQ(split_words("a\xFF b"), (Words{"a\xFF", "b"}));
}

}  // namespace
}  // namespace llmload::workload
