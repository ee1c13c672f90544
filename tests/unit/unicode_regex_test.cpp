#include "llmload/tokenizer/unicode_regex.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::tokenizer {
namespace {

// The pre-tokenizer patterns as written in the models' tokenizer.json files. Expected splits
// below were produced by Python's `regex` module (the reference Hugging Face tokenizers match).
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct RegexCase {
  std::string pattern, text;
  std::vector<std::string> matches;
};

std::vector<std::string> all_matches(const UnicodeRegex& re, const std::string& text) {
  std::vector<std::string> got;
  std::size_t b = 0, e = 0;
  for (std::size_t pos = 0; re.find(text, pos, b, e); pos = e) got.emplace_back(text.substr(b, e - b));
  return got;
}

class RegexTest : public ::testing::TestWithParam<RegexCase> {};

TEST_P(RegexTest, FindsLeftmostFirstMatches) {
  const auto& c = GetParam();
  auto re = UnicodeRegex::compile(c.pattern);
  ASSERT_TRUE(re) << re.error().message;
  EXPECT_EQ(all_matches(*re, c.text), c.matches);
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, RegexTest,
    ::testing::Values(
        RegexCase{R"(\p{N}{1,3})", "a1234567b", {"123", "456", "7"}},
        RegexCase{R"((?i:'s|'re)|\p{L}+)", "IT'S we'RE", {"IT", "'S", "we", "'RE"}},
        RegexCase{R"(\s+(?!\S)|\s+)", "a   b  ", {"  ", " ", "  "}},
        RegexCase{R"([^\r\n\p{L}\p{N}]?\p{L}+)", " héllo,wörld", {" héllo", ",wörld"}},
        RegexCase{R"(\s*[\r\n]+)", "a \n\n b", {" \n\n"}},
        RegexCase{"[\xE4\xB8\x80-\xE9\xBE\xA5]+", "ab\xE4\xB8\xAD\xE6\x96\x87" "cd", {"\xE4\xB8\xAD\xE6\x96\x87"}},
        RegexCase{R"(a+?b|x{2,})", "aab xxx x", {"aab", "xxx"}},
        RegexCase{R"([\p{P}\p{S}]+)", "a+b!?c", {"+", "!?"}},
        RegexCase{R"((?:ab)+|\d)", "ababa1", {"abab", "1"}},
        RegexCase{R"(x(?=y)|.)", "xyxz", {"x", "y", "x", "z"}},
        // find() skips ASCII that cannot start a match: non-ASCII digits and letters must still
        // be tried, and so must every position of a pattern whose match may begin anywhere.
        RegexCase{R"(\p{N}{1,3})", "ab 12 \xEF\xBC\x94\xEF\xBC\x95 c9", {"12", "\xEF\xBC\x94\xEF\xBC\x95", "9"}},
        RegexCase{R"([!-/][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+)", "1.x \xC3\xA9t\xC3\xA9 ,ab",
                  {".x", " \xC3\xA9t\xC3\xA9", ",ab"}},
        RegexCase{R"((?=a)ab|b)", "cab b", {"ab", "b"}}));

INSTANTIATE_TEST_SUITE_P(
    Gpt2, RegexTest,
    ::testing::Values(
        RegexCase{kGpt2, "Hello world's 12345 THEY'LL  go!\n\n  ok",
                  {"Hello", " world", "'s", " 12345", " THEY", "'", "LL", " ", " go", "!", "\n\n ", " ok"}},
        RegexCase{kGpt2, "Grüße, 世界! ١٢٣٤ naïve…  end ",
                  {"Grüße", ",", " 世界", "!", " ١٢٣٤", " naïve", "…", " ", " end", " "}},
        RegexCase{kGpt2, "I'M here\tand\r\nthere's 2024-12-03",
                  {"I", "'", "M", " here", "\t", "and", "\r", "\n", "there", "'s", " 2024", "-", "12", "-", "03"}}));

INSTANTIATE_TEST_SUITE_P(
    Llama3, RegexTest,
    ::testing::Values(
        RegexCase{kLlama3, "Hello world's 12345 THEY'LL  go!\n\n  ok",
                  {"Hello", " world", "'s", " ", "123", "45", " THEY", "'LL", " ", " go", "!\n\n", " ", " ok"}},
        RegexCase{kLlama3, "Grüße, 世界! ١٢٣٤ naïve…  end ",
                  {"Grüße", ",", " 世界", "!", " ", "١٢٣", "٤", " naïve", "…", " ", " end", " "}},
        RegexCase{kLlama3, "I'M here\tand\r\nthere's 2024-12-03",
                  {"I", "'M", " here", "\tand", "\r\n", "there", "'s", " ", "202", "4", "-", "12", "-", "03"}}));

INSTANTIATE_TEST_SUITE_P(
    Qwen2, RegexTest,
    ::testing::Values(
        RegexCase{kQwen2, "Hello world's 12345 THEY'LL  go!\n\n  ok",
                  {"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " THEY", "'LL", " ", " go", "!\n\n", " ", " ok"}},
        RegexCase{kQwen2, "Grüße, 世界! ١٢٣٤ naïve…  end ",
                  {"Grüße", ",", " 世界", "!", " ", "١", "٢", "٣", "٤", " naïve", "…", " ", " end", " "}},
        RegexCase{kQwen2, "I'M here\tand\r\nthere's 2024-12-03",
                  {"I", "'M", " here", "\tand", "\r\n", "there", "'s", " ", "2", "0", "2", "4", "-", "1", "2", "-", "0", "3"}}));

// Lazy quantifiers take as little as lets the rest match; greedy ones as much.
INSTANTIATE_TEST_SUITE_P(
    LazyAndGreedy, RegexTest,
    ::testing::Values(
        RegexCase{R"(\p{L}+?\p{N})", "abc1de2", {"abc1", "de2"}},
        RegexCase{R"(\p{N}{1,3}?)", "12345", {"1", "2", "3", "4", "5"}},
        RegexCase{R"(\p{N}{2,3}?)", "12345", {"12", "34"}},
        RegexCase{R"(a*?b)", "aaab b", {"aaab", "b"}},
        RegexCase{R"(<.*?>)", "<a><bb>", {"<a>", "<bb>"}},
        RegexCase{R"(<.*>)", "<a><bb>", {"<a><bb>"}},
        RegexCase{R"(x??y)", "xy y", {"xy", "y"}}));

// Texts and matches that begin with multi-byte UTF-8 (2, 3 and 4 bytes), where find() cannot
// use its ASCII start filter.
INSTANTIATE_TEST_SUITE_P(
    NonAsciiStarts, RegexTest,
    ::testing::Values(
        RegexCase{R"(\p{L}+)", "élan vital", {"élan", "vital"}},
        RegexCase{R"(\p{L}+)", "日本語 text", {"日本語", "text"}},
        RegexCase{R"(\p{So}|\p{L}+)", "\xF0\x9F\x98\x80ok\xF0\x9F\x98\x80", {"\xF0\x9F\x98\x80", "ok", "\xF0\x9F\x98\x80"}},
        RegexCase{R"(\s+)", "\xE3\x80\x80x\xC2\xA0y", {"\xE3\x80\x80", "\xC2\xA0"}},  // ideographic space, NBSP
        RegexCase{R"(\P{L}+)", "ä1€b", {"1€"}},
        RegexCase{R"([^a-z]+)", "ßab€", {"ß", "€"}}));

// Lookahead: positive, negative, at the text's end, and the GPT-2 whitespace rule that leaves
// the last space before a word to that word.
INSTANTIATE_TEST_SUITE_P(
    Lookahead, RegexTest,
    ::testing::Values(
        RegexCase{R"(\s+(?!\S))", "a    b", {"   "}},
        RegexCase{R"(\s+(?!\S)|\s+)", "x  \n", {"  \n"}},
        RegexCase{R"(\p{L}+(?=\p{N}))", "ab1 cd ef2", {"ab", "ef"}},
        RegexCase{R"(\p{L}(?!\p{L}))", "abc de", {"c", "e"}},
        RegexCase{R"((?!é)\p{L}+)", "ébc", {"bc"}}));

TEST(UnicodeRegex, MatchAtAnchorsAtTheGivenByte) {
  auto re = UnicodeRegex::compile(kQwen2);
  ASSERT_TRUE(re) << re.error().message;
  const std::string text = "世界 hi";
  EXPECT_EQ(re->match_at(text, 0), 6u);  // "世界"
  EXPECT_EQ(re->match_at(text, 6), 9u);  // " hi"
  EXPECT_EQ(re->match_at(text, 9), UnicodeRegex::npos);
  auto digits = UnicodeRegex::compile(R"(\p{N}+)");
  ASSERT_TRUE(digits);
  EXPECT_EQ(digits->match_at("a12", 0), UnicodeRegex::npos);
  EXPECT_EQ(digits->match_at("a12", 1), 3u);
  EXPECT_EQ(digits->pattern(), R"(\p{N}+)");
}

TEST(UnicodeRegex, CaseInsensitiveGroupFoldsOnlyItsOwnContents) {
  auto re = UnicodeRegex::compile(R"((?i:'ll)|l+)");
  ASSERT_TRUE(re);
  EXPECT_EQ(all_matches(*re, "'LL LL ll"), (std::vector<std::string>{"'LL", "ll"}));
}

struct BadPattern {
  const char* pattern;
  const char* says;  ///< a part of the error message that names the problem
};

class RejectedPattern : public ::testing::TestWithParam<BadPattern> {};

TEST_P(RejectedPattern, IsAnErrorNamingTheConstructAndOffset) {
  auto re = UnicodeRegex::compile(GetParam().pattern);
  ASSERT_FALSE(re) << GetParam().pattern;
  EXPECT_NE(re.error().message.find(GetParam().says), std::string::npos) << re.error().message;
  EXPECT_NE(re.error().message.find("offset"), std::string::npos) << re.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Unsupported, RejectedPattern,
    ::testing::Values(BadPattern{"a++", "possessive"}, BadPattern{R"(\p{N}*+)", "possessive"},
                      BadPattern{R"(\p{Greek})", "Greek"}, BadPattern{"[a&&b]", "&&"},
                      BadPattern{"(a*)*", "match empty"}, BadPattern{"(?<=a)b", "(?"},
                      BadPattern{"(?=a)*", "quantified lookahead"}));

INSTANTIATE_TEST_SUITE_P(
    Malformed, RejectedPattern,
    ::testing::Values(BadPattern{"(ab", "missing ')'"}, BadPattern{"ab)", "unbalanced ')'"},
                      BadPattern{"[abc", "unterminated character class"}, BadPattern{"*a", "without an operand"},
                      BadPattern{"a{3,1}", "m < n"}, BadPattern{R"(\p{L)", "unterminated \\p{"},
                      BadPattern{"[z-a]", "out of order"}, BadPattern{"a\\", "ends with"}));

TEST(UnicodeRegex, RejectsWhatItCannotRunExactly) {
  for (const char* bad : {"^a", "a$", R"(\bword)", R"((a)\1)"}) {
    EXPECT_FALSE(UnicodeRegex::compile(bad)) << bad;
  }
}

}  // namespace
}  // namespace llmload::tokenizer
