#include "llmload/tokenizer/unicode.hpp"

#include <gtest/gtest.h>

namespace llmload::tokenizer {
namespace {

TEST(Unicode, CategoriesAndNfc) {
  EXPECT_EQ(unicode::category(U'a'), unicode::Category::Ll);
  EXPECT_EQ(unicode::category(U'\u4E2D'), unicode::Category::Lo);
  EXPECT_EQ(unicode::category(U'\u0301'), unicode::Category::Mn);
  EXPECT_EQ(unicode::category(U'\U0001F600'), unicode::Category::So);
  EXPECT_EQ(unicode::category(U'\u0378'), unicode::Category::Cn);
  EXPECT_TRUE(unicode::is_white_space(U'\u3000'));
  EXPECT_FALSE(unicode::is_white_space(U'\u200B'));
  EXPECT_EQ(unicode::to_nfc("e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(unicode::to_nfc("\xE2\x84\xAB"), "\xC3\x85");  // ANGSTROM SIGN -> Å
  EXPECT_EQ(unicode::to_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // jamo -> 각
  // Marks are reordered by combining class: dot below (220) before circumflex (230).
  EXPECT_EQ(unicode::to_nfc("a\xCC\x82\xCC\xA3"), unicode::to_nfc("a\xCC\xA3\xCC\x82"));
  EXPECT_FALSE(unicode::unicode_version().empty());
}

}  // namespace
}  // namespace llmload::tokenizer
