#include "llmload/tokenizer/tokenizer.hpp"

#include "llmload/tokenizer/unicode.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace llmload::tokenizer {
namespace {

namespace json = boost::json;
using Ids = std::vector<std::int32_t>;

// GPT-2's printable form of a byte, as byte-level vocabularies write it.
std::string byte_char(int b) {
  int extra = 256;
  for (int i = 0; i < 256; ++i) {
    const bool printable = (i >= 33 && i <= 126) || (i >= 161 && i <= 172) || i >= 174;
    const int cp = printable ? i : extra++;
    if (i == b) {
      std::string s;
      unicode::append_utf8(s, static_cast<char32_t>(cp));
      return s;
    }
  }
  return {};
}

// A byte-level BPE tokenizer.json: ids 0..255 are the bytes, then one id per merge result.
json::object byte_level_json(const std::vector<std::pair<std::string, std::string>>& merges,
                             std::string_view split_regex) {
  json::object vocab;
  for (int b = 0; b < 256; ++b) vocab[byte_char(b)] = b;
  json::array merge_list;
  for (const auto& [a, b] : merges) {
    vocab[a + b] = static_cast<std::int64_t>(vocab.size());
    merge_list.push_back(json::string(a + " " + b));
  }
  json::object split{{"type", "Split"}, {"pattern", {{"Regex", split_regex}}}, {"behavior", "Isolated"}, {"invert", false}};
  json::object bytelevel{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  return json::object{
      {"version", "1.0"},
      {"added_tokens", json::array{}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", json::array{split, bytelevel}}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merge_list}}},
  };
}

constexpr std::string_view kLlama3Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

Tokenizer make(const json::object& j) {
  auto t = Tokenizer::from_json(json::serialize(j), "test.json");
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
  return std::move(t).value();
}

std::int32_t id(const Tokenizer& t, std::string_view token) { return t.token_to_id(token).value_or(-1); }

std::string error_of(std::string_view text, std::string_view origin = "bad.json") {
  auto t = Tokenizer::from_json(text, origin);
  return t ? std::string("<loaded>") : t.error().message;
}

// ---- BPE --------------------------------------------------------------------------------------

TEST(Tokenizer, MergesByRankNotByPosition) {
  // "b c" outranks "a b", so "abc" becomes a + bc, not ab + c.
  const auto t = make(byte_level_json({{"b", "c"}, {"a", "b"}}, kLlama3Split));
  EXPECT_EQ(t.encode("abc"), (Ids{'a', id(t, "bc")}));
  EXPECT_EQ(t.encode("ab"), (Ids{id(t, "ab")}));
}

TEST(Tokenizer, EqualRanksMergeLeftmostFirst) {
  const auto t = make(byte_level_json({{"a", "a"}}, kLlama3Split));
  EXPECT_EQ(t.encode("aaa"), (Ids{id(t, "aa"), 'a'}));
  EXPECT_EQ(t.encode("aaaa"), (Ids{id(t, "aa"), id(t, "aa")}));
}

TEST(Tokenizer, ChainedMergesAndSpaces) {
  const auto t = make(byte_level_json({{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "w"}}, kLlama3Split));
  EXPECT_EQ(t.encode("hello"), (Ids{id(t, "hello")}));
  EXPECT_EQ(t.encode("hello world"), (Ids{id(t, "hello"), id(t, "Ġw"), 'o', 'r', 'l', 'd'}));
}

TEST(Tokenizer, LongWordsUseTheSameMergeOrder) {
  // Longer than the linear-scan limit: the heap path must agree with the short path.
  const auto t = make(byte_level_json({{"a", "b"}, {"ab", "ab"}, {"abab", "abab"}}, kLlama3Split));
  std::string word;
  for (int i = 0; i < 40; ++i) word += "ab";
  Ids want;
  for (int i = 0; i < 10; ++i) want.push_back(id(t, "abababab"));
  EXPECT_EQ(t.encode(word), want);
  EXPECT_EQ(t.encode("ababab"), (Ids{id(t, "abab"), id(t, "ab")}));
}

TEST(Tokenizer, PreTokenizerRegexSplitsDigitsContractionsAndWhitespace) {
  const auto t = make(byte_level_json({}, kLlama3Split));
  // 12345 -> "123" "45": merges never cross pre-token boundaries, so each byte is a token.
  EXPECT_EQ(t.encode("12345"), (Ids{'1', '2', '3', '4', '5'}));
  const auto decoded = t.decode(t.encode("It's  a\n\n test 12345 🙂"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, "It's  a\n\n test 12345 🙂");
}

TEST(Tokenizer, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  auto j = byte_level_json({{"a", "b"}}, kLlama3Split);
  j["model"].as_object()["vocab"].as_object()["abc"] = 999;
  j["model"].as_object()["ignore_merges"] = true;
  const auto t = make(j);
  EXPECT_EQ(t.encode("abc"), (Ids{999}));
  EXPECT_EQ(t.encode("abd"), (Ids{id(t, "ab"), 'd'}));
}

TEST(Tokenizer, NfcNormalizerComposesBeforeTokenizing) {
  auto j = byte_level_json({}, kLlama3Split);
  j["normalizer"] = {{"type", "NFC"}};
  const auto t = make(j);
  EXPECT_EQ(t.encode("e\xCC\x81"), t.encode("\xC3\xA9"));  // e + U+0301 == é
}

TEST(Tokenizer, InvalidUtf8IsReplacedNotRejected) {
  const auto t = make(byte_level_json({}, kLlama3Split));
  EXPECT_EQ(t.encode("a\xFF"), t.encode("a\xEF\xBF\xBD"));
}

// ---- added tokens -----------------------------------------------------------------------------

json::object with_added(json::object j, json::array added) {
  j["added_tokens"] = std::move(added);
  return j;
}

json::object added_token(std::string content, std::int64_t token_id, bool special, bool lstrip = false,
                         bool rstrip = false, bool single_word = false) {
  return {{"id", token_id},        {"content", content}, {"single_word", single_word}, {"lstrip", lstrip},
          {"rstrip", rstrip},      {"normalized", false}, {"special", special}};
}

TEST(Tokenizer, AddedTokensAreSplitOutBeforeTheModelLongestFirst) {
  const auto t = make(with_added(byte_level_json({}, kLlama3Split),
                                 json::array{added_token("<|im_start|>", 300, true), added_token("<|im", 301, false),
                                             added_token("<|im_start|>user", 302, true)}));
  EXPECT_EQ(t.encode("a<|im_start|>b"), (Ids{'a', 300, 'b'}));
  EXPECT_EQ(t.encode("<|im_start|>user"), (Ids{302}));
  EXPECT_EQ(t.encode("<|im_end|>"), (Ids{301, '_', 'e', 'n', 'd', '|', '>'}));
  const auto decoded = t.decode(Ids{'a', 300, 'b'});
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, "a<|im_start|>b");
  const auto skipped = t.decode(Ids{'a', 300, 'b'}, {.skip_special_tokens = true});
  ASSERT_TRUE(skipped);
  EXPECT_EQ(*skipped, "ab");
}

TEST(Tokenizer, AddedTokenStripAndSingleWord) {
  const auto t = make(with_added(byte_level_json({}, kLlama3Split),
                                 json::array{added_token("<mask>", 300, true, true, true),
                                             added_token("cat", 301, false, false, false, true)}));
  EXPECT_EQ(t.encode("a  <mask>  b"), (Ids{'a', 300, 'b'}));
  EXPECT_EQ(t.encode("cat"), (Ids{301}));
  EXPECT_EQ(t.encode("a cat."), (Ids{'a', ' ', 301, '.'}));
  EXPECT_EQ(t.encode("cats"), (Ids{'c', 'a', 't', 's'}));  // not a whole word
}

TEST(Tokenizer, TemplatePostProcessorAddsSpecialTokensOnRequest) {
  auto j = with_added(byte_level_json({}, kLlama3Split), json::array{added_token("<s>", 300, true)});
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", json::array{{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                         {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", json::array{300}}, {"tokens", json::array{"<s>"}}}}}}};
  const auto t = make(j);
  EXPECT_EQ(t.encode("a"), (Ids{'a'}));
  EXPECT_EQ(t.encode("a", {.add_special_tokens = true}), (Ids{300, 'a'}));
}

// ---- SentencePiece-style BPE ------------------------------------------------------------------

json::object spm_json(bool byte_fallback) {
  json::object vocab{{"<unk>", 0}};
  if (byte_fallback) {
    for (int b = 0; b < 256; ++b) vocab[fmt::format("<0x{:02X}>", b)] = b + 1;
  }
  for (const char* piece : {"\xE2\x96\x81", "h", "i", "\xE2\x96\x81h", "\xE2\x96\x81hi"}) {
    vocab[piece] = static_cast<std::int64_t>(vocab.size());
  }
  return json::object{
      {"added_tokens", json::array{added_token("<unk>", 0, true)}},
      {"normalizer", {{"type", "Sequence"},
                      {"normalizers", json::array{{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                                                  {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor", nullptr},
      {"decoder", {{"type", "Sequence"},
                   {"decoders", json::array{{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
                                            {{"type", "ByteFallback"}},
                                            {{"type", "Fuse"}},
                                            {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array{"\xE2\x96\x81 h", "\xE2\x96\x81h i"}},
                 {"unk_token", "<unk>"}, {"byte_fallback", byte_fallback}, {"fuse_unk", true}}},
  };
}

TEST(Tokenizer, SentencePieceByteFallbackAndRoundTrip) {
  const auto t = make(spm_json(true));
  // "hi é": ▁hi ▁ then é (C3 A9) as two byte tokens.
  EXPECT_EQ(t.encode("hi \xC3\xA9"), (Ids{id(t, "\xE2\x96\x81hi"), id(t, "\xE2\x96\x81"), 0xC3 + 1, 0xA9 + 1}));
  const auto decoded = t.decode(t.encode("hi \xC3\xA9 hh"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, "hi \xC3\xA9 hh");
  const auto broken = t.decode(Ids{0xC3 + 1});  // half a character
  ASSERT_TRUE(broken);
  EXPECT_EQ(*broken, "\xEF\xBF\xBD");
}

TEST(Tokenizer, UnknownCharactersFuseIntoOneUnk) {
  const auto t = make(spm_json(false));
  EXPECT_EQ(t.encode("hi xyz"), (Ids{id(t, "\xE2\x96\x81hi"), id(t, "\xE2\x96\x81"), 0}));
}

// Long SentencePiece-style texts are encoded in segments cut before each "▁" that follows
// another character; a token that holds "x▁" (Gemma 3's ">▁</") must still form across a cut.
TEST(Tokenizer, LongSentencePieceTextsEncodeAsIfWhole) {
  const std::string sp = "\xE2\x96\x81";
  json::object vocab{{"<unk>", 0}};
  for (const std::string& piece : std::vector<std::string>{sp, "x", ">", "<", "/", sp + "x", sp + "xx", ">" + sp,
                                                          ">" + sp + "<", ">" + sp + "</"}) {
    vocab[piece] = static_cast<std::int64_t>(vocab.size());
  }
  json::array merges{json::string(sp + " x"), json::string(sp + "x x"), json::string("> " + sp),
                     json::string(">" + sp + " <"), json::string(">" + sp + "< /")};
  json::object j{
      {"added_tokens", json::array{added_token("<unk>", 0, true)}},
      {"normalizer", {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", sp}}},
      {"pre_tokenizer", nullptr},
      {"post_processor", nullptr},
      {"decoder", nullptr},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"unk_token", "<unk>"}}},
  };
  const auto t = make(j);
  // "xx> </" -> x x >▁</ ; "xx" -> ▁xx after a space. 40 repeats: one 480-byte piece.
  std::string text;
  Ids expected;
  for (int i = 0; i < 40; ++i) {
    text += " xx> </";
    for (const auto& token : {sp + "xx", std::string(">") + sp + "</"}) expected.push_back(id(t, token));
  }
  EXPECT_EQ(t.encode(text), expected);
  // Short pieces (whole, through the word cache) agree with the long one's segments.
  EXPECT_EQ(t.encode(" xx> </"), (Ids{id(t, sp + "xx"), id(t, std::string(">") + sp + "</")}));
}

TEST(Tokenizer, MetaspacePreTokenizer) {
  auto j = spm_json(true);
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}};
  const auto t = make(j);
  EXPECT_EQ(t.encode("hi hi"), (Ids{id(t, "\xE2\x96\x81hi"), id(t, "\xE2\x96\x81hi")}));
}

// ---- loading and errors ---------------------------------------------------------------------

TEST(Tokenizer, LoadsAFileOrAFolderAndNamesTheFileInErrors) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("llmload_tok_{}", ::getpid());
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "tokenizer.json") << json::serialize(byte_level_json({{"a", "b"}}, kLlama3Split));
  }
  auto from_folder = Tokenizer::load(dir);
  ASSERT_TRUE(from_folder) << from_folder.error().message;
  EXPECT_EQ(from_folder->encode("ab").size(), 1u);
  EXPECT_TRUE(Tokenizer::load(dir / "tokenizer.json"));
  {
    std::ofstream(dir / "tokenizer.json") << "{\"model\": ";
  }
  auto broken = Tokenizer::load(dir);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find((dir / "tokenizer.json").string()), std::string::npos) << broken.error().message;
  EXPECT_NE(broken.error().message.find("not valid JSON"), std::string::npos);
  auto missing = Tokenizer::load(dir / "nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Tokenizer, UnsupportedComponentsAreErrorsNamingFileAndComponent) {
  auto unigram = byte_level_json({}, kLlama3Split);
  unigram["model"].as_object()["type"] = "Unigram";
  EXPECT_EQ(error_of(json::serialize(unigram)), "bad.json: model type 'Unigram' is not supported (only BPE)");

  auto bert = byte_level_json({}, kLlama3Split);
  bert["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  EXPECT_NE(error_of(json::serialize(bert)).find("bad.json: pre_tokenizer type 'BertPreTokenizer' is not supported"),
            std::string::npos);

  auto lowercase = byte_level_json({}, kLlama3Split);
  lowercase["normalizer"] = {{"type", "Lowercase"}};
  EXPECT_NE(error_of(json::serialize(lowercase)).find("normalizer type 'Lowercase' is not supported"), std::string::npos);

  auto lookbehind = byte_level_json({}, R"((?<=a)b)");
  const auto msg = error_of(json::serialize(lookbehind));
  EXPECT_NE(msg.find("bad.json: pre_tokenizer Split: regex /(?<=a)b/"), std::string::npos) << msg;

  auto script = byte_level_json({}, R"(\p{Han}+)");
  EXPECT_NE(error_of(json::serialize(script)).find("unsupported Unicode property \\p{Han}"), std::string::npos);

  auto dropout = byte_level_json({}, kLlama3Split);
  dropout["model"].as_object()["dropout"] = 0.1;
  EXPECT_NE(error_of(json::serialize(dropout)).find("dropout is not supported"), std::string::npos);
}

TEST(Tokenizer, MalformedFilesAreErrorsNamingTheProblem) {
  EXPECT_EQ(error_of("[1, 2]"), "bad.json: top level is not a JSON object");
  EXPECT_EQ(error_of("{}"), "bad.json: has no 'model' object");
  auto bad_merge = byte_level_json({}, kLlama3Split);
  bad_merge["model"].as_object()["merges"] = json::array{"a zz"};
  EXPECT_NE(error_of(json::serialize(bad_merge)).find("merge 0 ('a' 'zz') uses a token that is not in the vocabulary"),
            std::string::npos);
  auto bad_merge_shape = byte_level_json({}, kLlama3Split);
  bad_merge_shape["model"].as_object()["merges"] = json::array{"a b c"};
  EXPECT_NE(error_of(json::serialize(bad_merge_shape)).find("merge 0 'a b c' is not two tokens"), std::string::npos);
  auto missing_byte = byte_level_json({}, kLlama3Split);
  missing_byte["model"].as_object()["vocab"].as_object().erase(byte_char('a'));
  EXPECT_NE(error_of(json::serialize(missing_byte)).find("lacks the token for byte 0x61"), std::string::npos);
}

// Found by fuzzing (tokenizer_json): {"model":{"dropout":[]}} escaped from from_json as
// boost::json's "not a number" exception. Fields of the wrong type are the loader's errors,
// naming the file and the field, never exceptions.
TEST(Tokenizer, FieldsOfTheWrongTypeAreErrorsNamingTheField) {
  EXPECT_EQ(error_of(R"({"model":{"dropout":[]}})"), "bad.json: model 'dropout' is neither null nor a number");
  auto dropout = byte_level_json({}, kLlama3Split);
  dropout["model"].as_object()["dropout"] = "0.1";
  EXPECT_EQ(error_of(json::serialize(dropout)), "bad.json: model 'dropout' is neither null nor a number");
  auto no_dropout = byte_level_json({}, kLlama3Split);
  no_dropout["model"].as_object()["dropout"] = nullptr;
  EXPECT_EQ(error_of(json::serialize(no_dropout)), "<loaded>");
  no_dropout["model"].as_object()["dropout"] = 0;
  EXPECT_EQ(error_of(json::serialize(no_dropout)), "<loaded>");

  // Items of a Sequence that are not objects.
  auto normalizers = byte_level_json({}, kLlama3Split);
  normalizers["normalizer"] = {{"type", "Sequence"}, {"normalizers", json::array{1}}};
  EXPECT_EQ(error_of(json::serialize(normalizers)), "bad.json: a normalizer is not an object");
  auto pretokenizers = byte_level_json({}, kLlama3Split);
  pretokenizers["pre_tokenizer"].as_object()["pretokenizers"].as_array().push_back("Split");
  EXPECT_EQ(error_of(json::serialize(pretokenizers)), "bad.json: a pre_tokenizer is not an object");
  auto decoders = byte_level_json({}, kLlama3Split);
  decoders["decoder"] = {{"type", "Sequence"}, {"decoders", json::array{nullptr}}};
  EXPECT_EQ(error_of(json::serialize(decoders)), "bad.json: a decoder is not an object");
  auto processors = byte_level_json({}, kLlama3Split);
  processors["post_processor"] = {{"type", "Sequence"}, {"processors", json::array{json::array{}}}};
  EXPECT_EQ(error_of(json::serialize(processors)), "bad.json: a post_processor is not an object");

  // Strip: a negative count or an empty content (which would strip forever) are errors.
  auto strip = byte_level_json({}, kLlama3Split);
  strip["decoder"] = {{"type", "Strip"}, {"content", " "}, {"start", -1}, {"stop", 0}};
  EXPECT_EQ(error_of(json::serialize(strip)), "bad.json: decoder Strip 'start' is not a non-negative integer");
  strip["decoder"] = {{"type", "Strip"}, {"content", ""}, {"start", 1}, {"stop", 0}};
  EXPECT_EQ(error_of(json::serialize(strip)), "bad.json: decoder Strip has an empty 'content'");
  strip["decoder"] = {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1.5}};
  EXPECT_EQ(error_of(json::serialize(strip)), "bad.json: decoder Strip 'stop' is not a non-negative integer");
}

// Token ids index tables as long as the largest id: ids above 2^24 - 1 are refused instead of
// allocating gigabytes.
TEST(Tokenizer, TokenIdsAreBounded) {
  auto vocab = byte_level_json({}, kLlama3Split);
  vocab["model"].as_object()["vocab"].as_object()["far"] = std::int64_t{1} << 24;
  EXPECT_EQ(error_of(json::serialize(vocab)), "bad.json: vocab entry 'far' has no valid id (an integer from 0 to 16777215)");
  auto added = byte_level_json({}, kLlama3Split);
  added["added_tokens"] = json::array{{{"id", 2147483647}, {"content", "<s>"}, {"special", true}}};
  EXPECT_EQ(error_of(json::serialize(added)),
            "bad.json: 'added_tokens' entry needs a non-empty 'content' and an 'id' (an integer from 0 to 16777215)");
  added["added_tokens"] = json::array{{{"id", 300}, {"content", "<s>"}, {"special", true}}};
  EXPECT_EQ(error_of(json::serialize(added)), "<loaded>");
}

TEST(Tokenizer, DecodeRejectsUnknownIds) {
  const auto t = make(byte_level_json({}, kLlama3Split));
  const auto r = t.decode(Ids{1, 100000});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "token id 100000 is not in the vocabulary of test.json");
}

TEST(Tokenizer, ConcurrentEncodeOnOneTokenizer) {
  const auto t = make(byte_level_json({{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}}, kLlama3Split));
  const std::string text = "hello there, hello again; hello world 123456 hello";
  const auto want = t.encode(text);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      int good = 0;
      for (int k = 0; k < 200; ++k) good += t.encode(text) == want ? 1 : 0;
      ok[static_cast<std::size_t>(i)] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (const int good : ok) EXPECT_EQ(good, 200);
}

// ---- unicode and the regex engine -------------------------------------------------------------

}  // namespace
}  // namespace llmload::tokenizer
