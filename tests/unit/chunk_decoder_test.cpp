#include "llmload/api/chunk_decoder.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace llmload::api {

void PrintTo(const Usage& u, std::ostream* os) {
  *os << "{prompt=" << u.prompt_tokens << " completion=" << u.completion_tokens
      << " total=" << u.total_tokens << "}";
}
void PrintTo(const ServerError& e, std::ostream* os) {
  *os << "{message=" << ::testing::PrintToString(e.message)
      << " type=" << ::testing::PrintToString(e.type) << " code=" << ::testing::PrintToString(e.code)
      << "}";
}

namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(LLMLOAD_TEST_DATA_DIR) + "/api/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing test data file " << name;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Expected decoded fields of one captured chunk.
struct Case {
  const char* file;
  bool done = false;
  bool has_choices = false;
  std::string text;
  std::string reasoning;
  std::string finish_reason;
  std::optional<Usage> usage;
  std::optional<ServerError> error;
  std::optional<std::int64_t> server_send_ns;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

constexpr const char* kVllmContextError =
    "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens "
    "(4000 in the messages, 1000 in the completion). Please reduce the length of the messages "
    "or completion.";
constexpr const char* kOpenAiContextError =
    "This model's maximum context length is 128000 tokens. However, your messages resulted in "
    "130412 tokens. Please reduce the length of the messages.";

const Case kCases[] = {
    {.file = "vllm_completions_token.json", .has_choices = true, .text = " the"},
    {.file = "vllm_completions_length.json", .has_choices = true, .text = " Paris",
     .finish_reason = "length"},
    {.file = "vllm_completions_usage.json", .usage = Usage{6, 128, 134}},
    {.file = "vllm_completions_null_text.json", .has_choices = true},
    {.file = "vllm_completions_empty_choices.json"},
    {.file = "vllm_chat_role.json", .has_choices = true},
    {.file = "vllm_chat_content.json", .has_choices = true, .text = " capital"},
    {.file = "vllm_chat_continuous_usage.json", .has_choices = true, .text = " of",
     .usage = Usage{17, 3, 20}},
    {.file = "vllm_chat_stop.json", .has_choices = true, .finish_reason = "stop"},
    {.file = "vllm_chat_usage.json", .usage = Usage{17, 128, 145}},
    {.file = "vllm_chat_reasoning_content.json", .has_choices = true, .reasoning = " Let me think"},
    {.file = "vllm_chat_reasoning.json", .has_choices = true, .reasoning = " step one"},
    {.file = "vllm_chat_reasoning_both_names.json", .has_choices = true, .reasoning = " hmm"},
    {.file = "vllm_error_in_stream.json",
     .error = ServerError{"Request timed out while waiting for the engine", "InternalServerError", "500"}},
    {.file = "vllm_legacy_error.json", .error = ServerError{kVllmContextError, "BadRequestError", "400"}},
    {.file = "vllm_legacy_error_object_last.json",
     .error = ServerError{"The model `llama` does not exist.", "NotFoundError", "404"}},
    {.file = "sglang_completions_token.json", .has_choices = true, .text = " the"},
    {.file = "sglang_chat_finish.json", .has_choices = true, .finish_reason = "stop"},
    {.file = "sglang_chat_usage.json", .usage = Usage{12, 128, 140}},
    {.file = "openai_chat_content.json", .has_choices = true, .text = "Hello"},
    {.file = "openai_chat_usage_only.json", .usage = Usage{9, 12, 21}},
    {.file = "openai_error.json",
     .error = ServerError{kOpenAiContextError, "invalid_request_error", "context_length_exceeded"}},
    {.file = "tgi_error_string.json",
     .error = ServerError{"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. "
                          "Given: 4000 `inputs` tokens and 1000 `max_new_tokens`",
                          "validation", ""}},
    {.file = "llmload_sim_token.json", .has_choices = true, .text = " tok",
     .server_send_ns = 1718030717123456789},
    {.file = "usage_before_choices.json", .has_choices = true, .text = "!", .finish_reason = "stop",
     .usage = Usage{5, 3, 8}},
    {.file = "escaped_content.json", .has_choices = true,
     .text = "line1\nline2 \"quoted\" \\ tab\t \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80 / /"},
    {.file = "raw_utf8_content.json", .has_choices = true,
     .text = "\xe5\xb7\xb4\xe9\xbb\x8e\xe6\x98\xaf\xe6\xb3\x95\xe5\x9b\xbd\xe7\x9a\x84\xe9\xa6\x96"
             "\xe9\x83\xbd \xf0\x9f\x87\xab\xf0\x9f\x87\xb7"},
    {.file = "pretty_printed.json", .has_choices = true, .text = " spaced"},
    {.file = "two_choices.json", .has_choices = true, .text = " first"},
    {.file = "nonstream_chat_message.json", .has_choices = true, .text = "Full answer.",
     .finish_reason = "stop", .usage = Usage{10, 3, 13}},
    {.file = "done.txt", .done = true},
    {.file = "done_spaced.txt", .done = true},
};

class CapturedChunk : public ::testing::TestWithParam<Case> {};

void expect_chunk(const Chunk& got, const Case& want) {
  EXPECT_EQ(got.done, want.done);
  EXPECT_EQ(got.has_choices, want.has_choices);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(got.reasoning, want.reasoning);
  EXPECT_EQ(got.finish_reason, want.finish_reason);
  EXPECT_EQ(got.usage, want.usage);
  EXPECT_EQ(got.error, want.error);
  EXPECT_EQ(got.server_send_ns, want.server_send_ns);
}

TEST_P(CapturedChunk, DecodesExpectedFields) {
  const Case& c = GetParam();
  const std::string payload = read_data(c.file);
  ChunkDecoder decoder;
  auto got = decoder.decode(payload);
  ASSERT_TRUE(got) << got.error().message;
  expect_chunk(*got, c);
}

// The same payload as the tail of a larger buffer, followed by bytes that must not be read:
// the decoder may not rely on anything after the view's end.
TEST_P(CapturedChunk, IgnoresBytesAfterTheView) {
  const Case& c = GetParam();
  const std::string payload = read_data(c.file);
  std::string backing = payload + R"(123456789"}]},{"text":"garbage")";
  ChunkDecoder decoder;
  auto got = decoder.decode(std::string_view(backing).substr(0, payload.size()));
  ASSERT_TRUE(got) << got.error().message;
  expect_chunk(*got, c);
}

// One decoder for every case in turn, after a much larger payload: reused buffers must not
// leak state from one chunk into the next.
TEST_P(CapturedChunk, DecoderReuseLeaksNothing) {
  const Case& c = GetParam();
  ChunkDecoder decoder;
  const std::string big = R"({"choices":[{"text":")" + std::string(64 * 1024, 'x') +
                          R"("}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},)"
                          R"("llmload_send_ns":99,"error":{"message":"m"}})";
  ASSERT_TRUE(decoder.decode(big));
  ASSERT_TRUE(decoder.decode(read_data("vllm_legacy_error.json")));
  auto got = decoder.decode(read_data(c.file));
  ASSERT_TRUE(got) << got.error().message;
  expect_chunk(*got, c);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file;
  name = name.substr(0, name.find('.'));
  for (auto& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Api, CapturedChunk, ::testing::ValuesIn(kCases), case_name);

// Payloads that must be rejected with an error (never a crash or a silent success).
struct BadCase {
  const char* name;
  std::string payload;
  std::string reason;  // expected text between "malformed chunk: " and ": <snippet>"
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class MalformedChunk : public ::testing::TestWithParam<BadCase> {};

TEST_P(MalformedChunk, IsAnErrorNamingTheReason) {
  const BadCase& c = GetParam();
  ChunkDecoder decoder;
  auto got = decoder.decode(c.payload);
  ASSERT_FALSE(got) << "decoded without error";
  const std::string& message = got.error().message;
  EXPECT_EQ(message.rfind("malformed chunk: ", 0), 0u) << message;
  if (!c.reason.empty()) {
    EXPECT_NE(message.find("malformed chunk: " + c.reason + ": "), std::string::npos) << message;
  }
  // The decoder stays usable after any failure.
  auto next = decoder.decode(R"({"choices":[{"text":"ok"}]})");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->text, "ok");
}

const BadCase kBadCases[] = {
    {"empty", "", "empty payload"},
    {"whitespace_only", " \r\n\t ", "empty payload"},
    {"truncated_object", R"({"id":"cmpl-1","choices":[{"index":0,"text":" the")", ""},
    {"truncated_in_string", R"({"id":"cmpl-1","choices":[{"index":0,"text":" th)", ""},
    {"truncated_after_key", R"({"usage")", ""},
    {"missing_final_brace", R"({"choices":[{"text":"a"}],"usage":{"prompt_tokens":1})", ""},
    {"array", "[1,2]", "not a JSON object"},
    {"bare_string", R"("hello")", "not a JSON object"},
    {"bare_number", "42", "not a JSON object"},
    {"bare_null", "null", "not a JSON object"},
    {"not_json", "data: {}", ""},
    {"almost_done", "[DONE", ""},
    {"trailing_object", R"({"choices":[]} {"choices":[]})", ""},
    {"trailing_garbage", R"({"choices":[]}x)", ""},
    {"choices_is_string", R"({"choices":"x"})", R"("choices" is not an array or null)"},
    {"choice_is_number", R"({"choices":[1]})", "choices[0] is not an object"},
    {"text_is_number", R"({"choices":[{"text":5}]})", "choices[0].text is not a string or null"},
    {"content_is_array", R"({"choices":[{"delta":{"content":[]}}]})",
     "choices[0].delta.content is not a string or null"},
    {"delta_is_string", R"({"choices":[{"delta":"x"}]})", "choices[0].delta is not an object or null"},
    {"finish_reason_is_bool", R"({"choices":[{"finish_reason":true}]})",
     "choices[0].finish_reason is not a string or null"},
    {"usage_count_is_float", R"({"choices":[],"usage":{"completion_tokens":1.5}})",
     "usage.completion_tokens is not an integer in 0..2147483647 or null"},
    {"usage_count_is_string", R"({"choices":[],"usage":{"prompt_tokens":"7"}})",
     "usage.prompt_tokens is not an integer in 0..2147483647 or null"},
    {"usage_count_is_negative", R"({"choices":[],"usage":{"prompt_tokens":-2000000}})",
     "usage.prompt_tokens is not an integer in 0..2147483647 or null"},
    {"usage_count_is_int64_min", R"({"choices":[],"usage":{"completion_tokens":-9223372036854775808}})",
     "usage.completion_tokens is not an integer in 0..2147483647 or null"},
    {"usage_count_is_minus_one", R"({"choices":[],"usage":{"total_tokens":-1}})",
     "usage.total_tokens is not an integer in 0..2147483647 or null"},
    {"usage_count_beyond_32_bits", R"({"choices":[],"usage":{"completion_tokens":1000000000000000000}})",
     "usage.completion_tokens is not an integer in 0..2147483647 or null"},
    {"send_ns_is_string", R"({"llmload_send_ns":"1"})", R"("llmload_send_ns" is not an integer or null)"},
    {"bad_null_atom", R"({"choices":[{"text":nul}]})", ""},
    {"bad_escape", R"({"choices":[{"text":"\x"}]})", ""},
    {"lone_surrogate", R"({"choices":[{"text":"\ud83d"}]})", ""},
    {"invalid_utf8", std::string("{\"choices\":[{\"text\":\"\xff\"}]}"), ""},
    {"unclosed_string", R"({"choices":[{"text":"abc}]})", ""},
    {"missing_colon", R"({"choices" [] })", ""},
    {"missing_comma", R"({"choices":[] "usage":null})", ""},
    // Errors inside fields the decoder does not read are still errors.
    {"bad_unknown_array", R"({"id":[1,,2],"choices":[{"text":"a"}]})", ""},
    {"bad_unknown_atom", R"({"logprobs":tru,"choices":[{"text":"a"}]})", ""},
    {"bad_unknown_number", R"({"created":01,"choices":[{"text":"a"}]})", ""},
    {"bad_unknown_escape", R"({"model":"a\qb","choices":[{"text":"a"}]})", ""},
    {"control_char_in_string", std::string("{\"choices\":[{\"text\":\"a\x01" "b\"}]}"), ""},
    {"second_choice_broken", R"({"choices":[{"text":"a"},{"text":]}]})", ""},
};

std::string bad_case_name(const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Api, MalformedChunk, ::testing::ValuesIn(kBadCases), bad_case_name);

TEST(ChunkDecoder, ErrorMessageQuotesTheFirst120BytesEscaped) {
  ChunkDecoder decoder;
  const std::string payload = "[\"" + std::string(200, 'a') + "\"]";
  auto got = decoder.decode(payload);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "malformed chunk: not a JSON object: \"[\\\"" + std::string(118, 'a') + "\"");
}

TEST(ChunkDecoder, ErrorMessageOfAnEmptyPayloadShowsIt) {
  ChunkDecoder decoder;
  auto got = decoder.decode("");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, R"(malformed chunk: empty payload: "")");
}

TEST(ChunkDecoder, ErrorMessageNamesAFieldOfTheWrongType) {
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"choices":[{"text":5}]})");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            R"(malformed chunk: choices[0].text is not a string or null: "{\"choices\":[{\"text\":5}]}")");
}

TEST(ChunkDecoder, ErrorMessageOfInvalidJsonGivesTheParsersReason) {
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"choices":[{"text":nul}]})");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            R"(malformed chunk: Problem while parsing an atom starting with the letter 'n': )"
            R"("{\"choices\":[{\"text\":nul}]}")");
}

TEST(ChunkDecoder, WhitespaceAroundAnObjectIsAllowed) {
  ChunkDecoder decoder;
  auto got = decoder.decode(" \r\n{\"choices\":[{\"text\":\"a\"}]}\n ");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->text, "a");
}

TEST(ChunkDecoder, DoneNeedsTheExactWord) {
  ChunkDecoder decoder;
  EXPECT_FALSE(decoder.decode("[done]"));
  EXPECT_FALSE(decoder.decode("[DONE]x"));
  auto quoted = decoder.decode(R"("[DONE]")");
  EXPECT_FALSE(quoted);
}

TEST(ChunkDecoder, NullChoicesAndNullUsageCarryNothing) {
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"choices":null,"usage":null,"error":null,"llmload_send_ns":null})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->has_choices);
  EXPECT_FALSE(got->usage);
  EXPECT_FALSE(got->error);
  EXPECT_FALSE(got->server_send_ns);
}

TEST(ChunkDecoder, UsageWithNullAndMissingCountsKeepsMinusOne) {
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":7}})");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->usage);
  EXPECT_EQ(*got->usage, (Usage{-1, 7, -1}));
}

TEST(ChunkDecoder, ObjectWithoutKnownFieldsIsAnEmptyChunk) {
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"id":"x","nested":{"a":[1,{"b":[]}],"c":"\"}"},"object":"text_completion"})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->done);
  EXPECT_FALSE(got->has_choices);
  EXPECT_FALSE(got->usage);
  EXPECT_FALSE(got->error);
}

TEST(ChunkDecoder, ErrorWithNonStringFieldsIsRenderedAsJson) {
  ChunkDecoder decoder;
  auto got = decoder.decode(
      R"({"error":{"message":{"detail":[1, 2]},"type":null,"code":true,"param":null}})");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->error);
  EXPECT_EQ(got->error->message, R"({"detail":[1,2]})");
  EXPECT_EQ(got->error->type, "");
  EXPECT_EQ(got->error->code, "true");
}

TEST(ChunkDecoder, TopLevelMessageWithoutErrorObjectIsNotAnError) {
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"object":"text_completion","message":"hi","choices":[]})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->error);
}

TEST(ChunkDecoder, LargeEscapedTextIsUnescapedWhole) {
  std::string escaped, expected;
  for (int i = 0; i < 10000; ++i) {
    escaped += R"(a\n\"\u00e9\ud83d\ude00)";
    expected += "a\n\"\xc3\xa9\xf0\x9f\x98\x80";
  }
  ChunkDecoder decoder;
  auto got = decoder.decode(R"({"choices":[{"index":0,"text":")" + escaped + R"("}]})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->text, expected);
}

TEST(ChunkDecoder, HugePayloadThenSmallOnesThenHugeAgain) {
  ChunkDecoder decoder;
  const std::string text(3 * 1024 * 1024, 'y');
  const std::string huge = R"({"choices":[{"text":")" + text + R"("}]})";
  for (int round = 0; round < 2; ++round) {
    auto big = decoder.decode(huge);
    ASSERT_TRUE(big) << big.error().message;
    EXPECT_EQ(big->text.size(), text.size());
    auto small = decoder.decode(R"({"choices":[{"text":"s"}],"usage":{"completion_tokens":2}})");
    ASSERT_TRUE(small) << small.error().message;
    EXPECT_EQ(small->text, "s");
    EXPECT_EQ(small->usage, (Usage{-1, 2, -1}));
  }
}

TEST(ChunkDecoder, ViewsStayValidUntilTheNextDecode) {
  ChunkDecoder decoder;
  std::string payload = R"({"choices":[{"text":"abc","finish_reason":"stop","delta":{"reasoning":"r"}}]})";
  auto got = decoder.decode(payload);
  ASSERT_TRUE(got);
  // The input may be reused by the caller at once (a network buffer); the views must not
  // point into it.
  payload.assign(payload.size(), '#');
  EXPECT_EQ(got->text, "abc");
  EXPECT_EQ(got->finish_reason, "stop");
  EXPECT_EQ(got->reasoning, "r");
}

TEST(ChunkDecoder, MovedDecoderKeepsWorking) {
  ChunkDecoder a;
  ASSERT_TRUE(a.decode(R"({"choices":[]})"));
  ChunkDecoder b(std::move(a));
  auto got = b.decode(R"({"choices":[{"text":"x"}]})");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text, "x");
}

}  // namespace
}  // namespace llmload::api
