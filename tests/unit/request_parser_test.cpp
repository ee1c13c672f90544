// The simulator's request parsing: word counting, request validation, image tokens, token
// ids and the /tokenize and /detokenize bodies (hand-written expectations, vLLM's shapes).
#include "llmload/sim/request_parser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::sim {
namespace {

// ---- count_words -------------------------------------------------------------------------

struct WordCase {
  std::string text;
  std::int64_t words;
};

class CountWords : public ::testing::TestWithParam<WordCase> {};

TEST_P(CountWords, CountsRunsOfNonWhitespace) {
  EXPECT_EQ(count_words(GetParam().text), GetParam().words) << '"' << GetParam().text << '"';
}

INSTANTIATE_TEST_SUITE_P(
    Sim, CountWords,
    ::testing::Values(WordCase{"", 0}, WordCase{"   ", 0}, WordCase{"a", 1}, WordCase{" a ", 1},
                      WordCase{"a  b\n c", 3}, WordCase{"\t\r\nx\fy\vz\n", 3},
                      WordCase{"one two three four five", 5}, WordCase{"a,b.c", 1},
                      WordCase{"h\xC3\xA9llo w\xC3\xB6rld", 2},
                      WordCase{"tail   ", 1}));


// ---- parse_generation_request -----------------------------------------------------------

struct RequestCase {
  std::string name;
  api::Flavor flavor;
  std::string body;
  int error_status;  // 0: valid
  std::string error_part;
  std::int64_t prompt_tokens = 0;
  std::int64_t max_tokens = 0;
  bool stream = false;
  bool include_usage = false;
  bool continuous_usage = false;
};

class GenerationRequestParse : public ::testing::TestWithParam<RequestCase> {};

TEST_P(GenerationRequestParse, ReadsTheFields) {
  const auto& c = GetParam();
  const auto r = parse_generation_request(c.flavor, c.body, "sim-model", 16);
  if (c.error_status != 0) {
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().status, c.error_status);
    EXPECT_NE(r.error().message.find(c.error_part), std::string::npos) << r.error().message;
    return;
  }
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->flavor, c.flavor);
  EXPECT_EQ(r->prompt_tokens, c.prompt_tokens);
  EXPECT_EQ(r->max_tokens, c.max_tokens);
  EXPECT_EQ(r->stream, c.stream);
  EXPECT_EQ(r->include_usage, c.include_usage);
  EXPECT_EQ(r->continuous_usage, c.continuous_usage);
}

constexpr auto kC = api::Flavor::kCompletions;
constexpr auto kChat = api::Flavor::kChat;

INSTANTIATE_TEST_SUITE_P(
    Sim, GenerationRequestParse,
    ::testing::Values(
        RequestCase{"MinimalCompletion", kC, R"({"prompt":"a b c"})", 0, "", 3, 16},
        RequestCase{"FullCompletion", kC,
                    R"({"model":"sim-model","prompt":"one two  three\nfour","max_tokens":5,)"
                    R"("stream":true,"stream_options":{"include_usage":true,)"
                    R"("continuous_usage_stats":true},"temperature":0.7,"ignore_eos":true,"n":1})",
                    0, "", 4, 5, true, true, true},
        RequestCase{"NullsMeanAbsent", kC,
                    R"({"model":null,"prompt":"x","max_tokens":null,"stream":null,"stream_options":null})",
                    0, "", 1, 16},
        RequestCase{"PromptArrayUsesFirst", kC, R"({"prompt":["a b","c d e f"]})", 0, "", 2, 16},
        RequestCase{"PromptTokenIds", kC, R"({"prompt":[1,2,3,4,5,6,7]})", 0, "", 7, 16},
        RequestCase{"PromptTokenIdBatches", kC, R"({"prompt":[[1,2],[3]]})", 0, "", 2, 16},
        RequestCase{"IntegralDoubleMaxTokens", kC, R"({"prompt":"a","max_tokens":3.0})", 0, "", 1, 3},
        RequestCase{"MaxCompletionTokensWins", kChat,
                    R"({"messages":[{"role":"user","content":"hi there"}],"max_tokens":9,)"
                    R"("max_completion_tokens":4})",
                    0, "", 2, 4},
        RequestCase{"ChatCountsAllTextParts", kChat,
                    R"({"messages":[{"role":"system","content":"be brief"},)"
                    R"({"role":"user","content":[{"type":"text","text":"one two three"},)"
                    R"({"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"four"}]},)"
                    R"({"role":"assistant","content":null,"tool_calls":[]}],"max_tokens":2,"stream":true})",
                    0, "", 6, 2, true},
        RequestCase{"WrongModel", kC, R"({"model":"gpt-4","prompt":"a"})", 404,
                    "The model `gpt-4` does not exist."},
        RequestCase{"ModelNotString", kC, R"({"model":3,"prompt":"a"})", 400, "'model'"},
        RequestCase{"NotJson", kC, R"({"prompt":)", 400, "not valid JSON"},
        RequestCase{"NotObject", kC, R"([1,2])", 400, "JSON object"},
        RequestCase{"NoPrompt", kC, R"({"max_tokens":3})", 400, "'prompt' is required"},
        RequestCase{"EmptyPromptArray", kC, R"({"prompt":[]})", 400, "empty array"},
        RequestCase{"PromptNumber", kC, R"({"prompt":5})", 400, "'prompt' must be"},
        RequestCase{"NoMessages", kChat, R"({"prompt":"a"})", 400, "'messages' is required"},
        RequestCase{"EmptyMessages", kChat, R"({"messages":[]})", 400, "non-empty array"},
        RequestCase{"MessageNotObject", kChat, R"({"messages":["hi"]})", 400, "'messages[0]'"},
        RequestCase{"ContentNumber", kChat, R"({"messages":[{"role":"user","content":1}]})", 400,
                    "'messages[0].content'"},
        RequestCase{"ZeroMaxTokens", kC, R"({"prompt":"a","max_tokens":0})", 400,
                    "'max_tokens' must be at least 1, got 0"},
        RequestCase{"NegativeMaxCompletionTokens", kChat,
                    R"({"messages":[{"role":"user","content":"a"}],"max_completion_tokens":-2})", 400,
                    "'max_completion_tokens' must be at least 1, got -2"},
        RequestCase{"FractionalMaxTokens", kC, R"({"prompt":"a","max_tokens":2.5})", 400,
                    "'max_tokens' must be an integer"},
        RequestCase{"StringStream", kC, R"({"prompt":"a","stream":"yes"})", 400,
                    "'stream' must be a boolean"},
        RequestCase{"StreamOptionsNotObject", kC, R"({"prompt":"a","stream_options":true})", 400,
                    "'stream_options' must be an object"},
        RequestCase{"IncludeUsageNotBool", kC,
                    R"({"prompt":"a","stream_options":{"include_usage":1}})", 400,
                    "'include_usage' must be a boolean"}),
    [](const auto& info) { return info.param.name; });

// ---- engine-mode additions: images, chat template, token ids, stop, tokenize -------------

// A data URL of a PNG header saying 1080 x 810 (base64 of the first 24 bytes + padding).
std::string png_1080x810() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string b("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x04\x38\x00\x00\x03\x2a", 24);
  std::string out = "data:image/png;base64,";
  for (std::size_t i = 0; i < b.size(); i += 3) {
    const auto v = (static_cast<unsigned char>(b[i]) << 16) | (static_cast<unsigned char>(b[i + 1]) << 8) |
                   static_cast<unsigned char>(b[i + 2]);
    for (int sh = 18; sh >= 0; sh -= 6) out += kAlphabet[(v >> sh) & 63];
  }
  return out;
}

TEST(SimParse, ImagePartsCostQwen2VlTokens) {
  const std::string body = R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":")" +
                           png_1080x810() + R"("}},{"type":"text","text":"please describe image"}]}],"ignore_eos":true})";
  const auto plain = parse_generation_request(api::Flavor::kChat, body, "m", 16).value();
  EXPECT_EQ(plain.prompt_tokens, 3);  // exact mode's counting: text words only
  EXPECT_EQ(plain.images, 0);
  EXPECT_TRUE(plain.ignore_eos);
  EXPECT_TRUE(plain.prompt_ids.empty());
  ParseOptions options;
  options.image_tokens = true;
  const auto images = parse_generation_request(api::Flavor::kChat, body, "m", 16, options).value();
  EXPECT_EQ(images.prompt_tokens, 1131 + 3);
  EXPECT_EQ(images.images, 1);
  EXPECT_EQ(images.image_tokens, 1131);
  options.chat_template = options.token_ids = true;
  const auto templated = parse_generation_request(api::Flavor::kChat, body, "m", 16, options).value();
  EXPECT_EQ(templated.prompt_tokens, 1145);  // seed 002's "Total image and input tokens"
  EXPECT_EQ(templated.prompt_ids.size(), 1145u);
}

TEST(SimParse, ResponsesInputAsAStringOrMessagesWithInputImageParts) {
  const auto text = parse_generation_request(api::Flavor::kResponses,
                                             R"({"model":"m","input":"one two three","max_output_tokens":7,"stream":true})",
                                             "m", 16).value();
  EXPECT_EQ(text.prompt_tokens, 3);
  EXPECT_EQ(text.max_tokens, 7);
  EXPECT_TRUE(text.stream);
  EXPECT_TRUE(text.include_usage);  // response.completed always carries the usage
  const std::string body = R"({"input":[{"role":"user","content":[{"type":"input_text","text":"please describe image"},)"
                           R"({"type":"input_image","image_url":")" + png_1080x810() + R"("}]}],"stream":true})";
  ParseOptions options;
  options.image_tokens = true;
  const auto image = parse_generation_request(api::Flavor::kResponses, body, "m", 16, options).value();
  EXPECT_EQ(image.prompt_tokens, 1131 + 3);
  EXPECT_EQ(image.images, 1);
  EXPECT_EQ(image.max_tokens, 16);  // the server's default without max_output_tokens
  for (const auto& [bad, says] : std::vector<std::pair<std::string, std::string>>{
           {R"({"stream":true})", "'input' is required."},
           {R"({"input":7,"stream":true})", "'input' must be a string or an array of messages, got a number."},
           {R"({"input":"x","max_output_tokens":0,"stream":true})", "'max_output_tokens' must be at least 1, got 0."},
           {R"({"input":"x"})", "The simulator answers /v1/responses only as a stream: set 'stream': true."}}) {
    const auto r = parse_generation_request(api::Flavor::kResponses, bad, "m", 16);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().status, 400) << bad;
    EXPECT_EQ(r.error().message, says) << bad;
  }
}

TEST(SimParse, BadImagesAre400s) {
  for (const std::string& part : std::vector<std::string>{R"({"type":"image_url","image_url":{"url":"https://example.com/x.png"}})",
        R"({"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}})",
        R"({"type":"image_url","image_url":{}})", R"({"type":"image_url","image_url":7})",
        R"({"type":"image_url"})"}) {
    ParseOptions options;
    options.image_tokens = true;
    const auto r = parse_generation_request(
        api::Flavor::kChat, R"({"messages":[{"role":"user","content":[)" + part + "]}]}", "m", 16, options);
    ASSERT_FALSE(r) << part;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_NE(r.error().message.find("messages[0].content[0]"), std::string::npos) << r.error().message;
  }
}

TEST(SimParse, ExtremeImageSizesAre400s) {
  // A PNG header saying 100000 x 1 (aspect ratio above Qwen2-VL's 200).
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string b("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x00\x00\x01", 24);
  std::string url = "data:image/png;base64,";
  for (std::size_t i = 0; i < b.size(); i += 3) {
    const auto v = (static_cast<unsigned char>(b[i]) << 16) | (static_cast<unsigned char>(b[i + 1]) << 8) |
                   static_cast<unsigned char>(b[i + 2]);
    for (int sh = 18; sh >= 0; sh -= 6) url += kAlphabet[(v >> sh) & 63];
  }
  ParseOptions options;
  options.image_tokens = true;
  const auto r = parse_generation_request(
      api::Flavor::kChat, R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":")" + url + R"("}]}]})",
      "m", 16, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 400);
  EXPECT_NE(r.error().message.find("100000x1"), std::string::npos) << r.error().message;
}

TEST(SimParse, TokenIdsMatchTheWordCount) {
  ParseOptions options;
  options.token_ids = true;
  const auto r = parse_generation_request(api::Flavor::kCompletions, R"({"prompt":"the model  xyzzy"})", "m", 16,
                                          options).value();
  EXPECT_EQ(r.prompt_tokens, 3);
  ASSERT_EQ(r.prompt_ids.size(), 3u);
  EXPECT_EQ(r.prompt_ids[0], 0u);  // " the" is generated token 0
  EXPECT_EQ(r.prompt_ids[1], 1u);
  EXPECT_GE(r.prompt_ids[2], 256u);  // hashed, clear of the generated words and the newline
  EXPECT_LT(r.prompt_ids[2], kVocabSize);
  const auto ids = parse_generation_request(api::Flavor::kCompletions, R"({"prompt":[5,6,7,8]})", "m", 16,
                                            options).value();
  EXPECT_EQ(ids.prompt_ids, (std::vector<std::uint64_t>{5, 6, 7, 8}));
}

TEST(SimTokenize, CountsLikeUsageAndRoundTrips) {
  const auto body = tokenize_body(R"({"model":"m","prompt":"the model of"})", "m", 4096).value();
  EXPECT_EQ(body, R"({"count":3,"max_model_len":4096,"tokens":[0,1,2],"token_strs":null})");
  const auto chat = tokenize_body(R"({"messages":[{"role":"user","content":"the model"}]})", "m", 4096).value();
  // 2 words + 5 per message + 4 per request.
  EXPECT_EQ(boost::json::parse(chat).at("count").as_int64(), 11);
  EXPECT_EQ(detokenize_body(R"({"tokens":[0,1,2]})", "m").value(), R"({"prompt":"the model of"})");
  EXPECT_EQ(tokenize_body(R"({"model":"other","prompt":"x"})", "m", 1).error().status, 404);
  EXPECT_EQ(tokenize_body(R"({"prompt":7})", "m", 1).error().status, 400);
  EXPECT_EQ(tokenize_body("not json", "m", 1).error().status, 400);
  EXPECT_EQ(detokenize_body(R"({"tokens":"x"})", "m").error().status, 400);
  EXPECT_EQ(detokenize_body(R"({"tokens":[-1]})", "m").error().status, 400);
}

TEST(SimTokenize, EveryIdIsInsideTheVocabularyAndFixedPerWord) {
  // Many distinct words (hashed ids), generated words, non-ASCII text, the chat template and
  // an image: every id is below the vocabulary size, and the count is the generation path's.
  std::string text = "the model \xC3\xA9t\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 x,y; 42";
  for (int i = 0; i < 3000; ++i) text += " w" + std::to_string(i * 7919);
  boost::json::object user{{"role", "user"},
                           {"content", boost::json::array{
                                           boost::json::object{{"type", "text"}, {"text", text}},
                                           boost::json::object{{"type", "image_url"},
                                                               {"image_url", {{"url", png_1080x810()}}}}}}};
  boost::json::object system{{"role", "system"}, {"content", "be brief"}};
  const std::string body =
      boost::json::serialize(boost::json::object{{"messages", boost::json::array{system, user}}});
  const auto answer = tokenize_body(body, "m", 32768);
  ASSERT_TRUE(answer) << answer.error().message;
  const auto parsed = boost::json::parse(*answer).as_object();
  const auto& tokens = parsed.at("tokens").as_array();

  ParseOptions options;
  options.chat_template = options.token_ids = options.image_tokens = true;
  const auto request = parse_generation_request(api::Flavor::kChat, body, "m", 16, options).value();
  EXPECT_EQ(parsed.at("count").as_int64(), request.prompt_tokens);
  ASSERT_EQ(tokens.size(), request.prompt_ids.size());
  EXPECT_GT(request.image_tokens, 0);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto id = boost::json::value_to<std::uint64_t>(tokens[i]);
    ASSERT_LT(id, kVocabSize) << "token " << i;
    EXPECT_EQ(id, request.prompt_ids[i]);
  }
  EXPECT_EQ(tokenize_body(body, "m", 32768).value(), *answer);  // deterministic

  // One word, one id, wherever it stands; hashed ids avoid the generated words and specials.
  EXPECT_EQ(word_token_id("w7919"), word_token_id("w7919"));
  std::vector<std::uint64_t> ids;
  append_word_token_ids(ids, "zebra the zebra\tzebra");
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{word_token_id("zebra"), 0, word_token_id("zebra"),
                                             word_token_id("zebra")}));
  for (const auto word : {"zebra", "w0", "assistant", "user", "\xE4\xB8\xAD"}) {
    EXPECT_GE(word_token_id(word), 256u) << word;
    EXPECT_LT(word_token_id(word), 151643u) << word;  // below <|endoftext|>
  }
  EXPECT_EQ(word_token_id("model"), 1u);
}

}  // namespace
}  // namespace llmload::sim
