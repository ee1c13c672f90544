#include "llmload/api/request_builder.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <string>

namespace llmload::api {
namespace {

workload::RequestSpec spec(std::string prompt = "Hi", std::int32_t output_len = 16) {
  workload::RequestSpec s;
  s.prompt = std::move(prompt);
  s.prompt_len = 1;
  s.expected_output_len = output_len;
  return s;
}

BodyOptions options() {
  BodyOptions o;
  o.model = "m";
  return o;
}

boost::json::object extra(std::string_view json) {
  auto parsed = parse_extra_body(json);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : boost::json::object{};
}

TEST(RequestBuilder, CompletionsDefaultShape) {
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), options()),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_tokens":16,"logprobs":null,)"
            R"("stream":true,"stream_options":{"include_usage":true}})");
}

TEST(RequestBuilder, ChatDefaultShape) {
  EXPECT_EQ(build_body(Flavor::kChat, spec(), options()),
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],)"
            R"("max_completion_tokens":16,"stream":true,"stream_options":{"include_usage":true}})");
}

TEST(RequestBuilder, ChatImagePartsFollowTheTextPart) {
  auto s = spec();
  s.images.push_back(std::make_shared<const std::string>("data:image/png;base64,iVBO"));
  s.images.push_back(std::make_shared<const std::string>("https://x/y.jpg"));
  EXPECT_EQ(build_body(Flavor::kChat, s, options()),
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"},)"
            R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}},)"
            R"({"type":"image_url","image_url":{"url":"https://x/y.jpg"}}]}],)"
            R"("max_completion_tokens":16,"stream":true,"stream_options":{"include_usage":true}})");
  // Completions bodies have no image field; the dataset refuses images for them.
  EXPECT_EQ(build_body(Flavor::kCompletions, s, options()), build_body(Flavor::kCompletions, spec(), options()));
}

TEST(RequestBuilder, EveryOptionInVllmOrder) {
  BodyOptions o = options();
  o.continuous_usage_stats = true;
  o.ignore_eos = true;
  o.logprobs = 5;
  o.sampling.temperature = 0.0;
  o.sampling.top_p = 0.9;
  o.sampling.top_k = 50;
  o.sampling.min_p = 0.05;
  o.sampling.frequency_penalty = 0.1;
  o.sampling.presence_penalty = -0.5;
  o.sampling.repetition_penalty = 1.0;
  EXPECT_EQ(build_body(Flavor::kCompletions, spec("Hi", 128), o),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_tokens":128,"logprobs":5,)"
            R"("stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true},)"
            R"("ignore_eos":true,"top_p":0.9,"top_k":50,"min_p":0.05,)"
            R"("temperature":0.0,"frequency_penalty":0.1,"presence_penalty":-0.5})");
  EXPECT_EQ(build_body(Flavor::kChat, spec("Hi", 128), o),
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],)"
            R"("max_completion_tokens":128,"stream":true,)"
            R"("stream_options":{"include_usage":true,"continuous_usage_stats":true},)"
            R"("ignore_eos":true,"logprobs":5,"top_p":0.9,"top_k":50,"min_p":0.05,)"
            R"("temperature":0.0,"frequency_penalty":0.1,"presence_penalty":-0.5,)"
            R"("repetition_penalty":1.0})");
}

TEST(RequestBuilder, OnlySetSamplingFieldsAreSent) {
  BodyOptions o = options();
  o.sampling.temperature = 0.7;
  o.sampling.top_k = -1;
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_tokens":16,"logprobs":null,)"
            R"("stream":true,"stream_options":{"include_usage":true},"top_k":-1,"temperature":0.7})");
}

TEST(RequestBuilder, FalseFlagsAreLeftOutAndUnsetLogprobsIsNullForCompletionsOnly) {
  BodyOptions o = options();
  o.ignore_eos = false;
  o.continuous_usage_stats = false;
  o.logprobs.reset();
  const std::string body = build_body(Flavor::kCompletions, spec(), o);
  EXPECT_EQ(body.find("ignore_eos"), std::string::npos);
  EXPECT_EQ(body.find("continuous_usage_stats"), std::string::npos);
  EXPECT_NE(body.find(R"("logprobs":null)"), std::string::npos);  // as vLLM's completions payload
  EXPECT_EQ(build_body(Flavor::kChat, spec(), o).find("logprobs"), std::string::npos);
}

TEST(RequestBuilder, IncludeUsageFalseIsSentExplicitly) {
  BodyOptions o = options();
  o.include_usage = false;
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_tokens":16,"logprobs":null,)"
            R"("stream":true,"stream_options":{"include_usage":false}})");
}

TEST(RequestBuilder, NoStreamDropsStreamOptions) {
  BodyOptions o = options();
  o.stream = false;
  o.continuous_usage_stats = true;
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_tokens":16,"logprobs":null,)"
            R"("stream":false})");
  EXPECT_EQ(build_body(Flavor::kChat, spec(), o),
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],)"
            R"("max_completion_tokens":16,"stream":false})");
}

TEST(RequestBuilder, MaxTokensFieldChoices) {
  BodyOptions o = options();
  o.stream = false;
  o.max_tokens_field = MaxTokensField::kBoth;
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_tokens":16,"max_completion_tokens":16,)"
            R"("logprobs":null,"stream":false})");
  o.max_tokens_field = MaxTokensField::kMaxCompletionTokens;
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o),
            R"({"model":"m","prompt":"Hi","repetition_penalty":1.0,"max_completion_tokens":16,"logprobs":null,)"
            R"("stream":false})");
  o.max_tokens_field = MaxTokensField::kMaxTokens;
  EXPECT_EQ(build_body(Flavor::kChat, spec(), o),
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],)"
            R"("max_tokens":16,"stream":false})");
  o.max_tokens_field = MaxTokensField::kBoth;
  EXPECT_EQ(build_body(Flavor::kChat, spec(), o),
            R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],)"
            R"("max_tokens":16,"max_completion_tokens":16,"stream":false})");
}

TEST(RequestBuilder, ExtraBodyReplacesOurKeysInPlaceAndAppendsNewOnes) {
  BodyOptions o = options();
  o.sampling.temperature = 0.0;
  o.extra_body = extra(
      R"({"stop":["\n"],"temperature":0.7,"max_tokens":5,"stream_options":{"include_usage":false},)"
      R"("ignore_eos":true,"model":"other"})");
  // Python's dict.update: replaced keys keep their slot, new ones follow in extra_body's order
  // (ignore_eos was not in our body, so it is appended).
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o),
            R"({"model":"other","prompt":"Hi","repetition_penalty":1.0,"max_tokens":5,"logprobs":null,)"
            R"("stream":true,"stream_options":{"include_usage":false},"temperature":0.7,"stop":["\n"],)"
            R"("ignore_eos":true})");
}

TEST(RequestBuilder, ExtraBodyCanReplaceMessagesAndAddNested) {
  BodyOptions o = options();
  o.extra_body = extra(
      R"({"chat_template_kwargs":{"enable_thinking":false},"messages":[],"n":2,"x":null,"f":1.5})");
  EXPECT_EQ(build_body(Flavor::kChat, spec(), o),
            R"({"model":"m","messages":[],"max_completion_tokens":16,"stream":true,)"
            R"("stream_options":{"include_usage":true},"chat_template_kwargs":{"enable_thinking":false},)"
            R"("n":2,"x":null,"f":1.5})");
}

TEST(RequestBuilder, EmptyExtraBodyChangesNothing) {
  BodyOptions o = options();
  o.extra_body = boost::json::object{};
  EXPECT_EQ(build_body(Flavor::kCompletions, spec(), o), build_body(Flavor::kCompletions, spec(), options()));
}

TEST(RequestBuilder, HardPromptsRoundTrip) {
  const std::string prompt =
      "He said \"hi\"\nthen\ttabbed \\ back\r\n\x01 \xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c "
      "\xf0\x9f\x98\x80\xf0\x9f\x87\xab\xf0\x9f\x87\xb7 </script> \xe2\x80\xa8";
  BodyOptions o = options();
  o.model = "org/model \"quoted\" \xc3\xa9";
  {
    const auto v = boost::json::parse(build_body(Flavor::kCompletions, spec(prompt), o));
    EXPECT_EQ(v.at("prompt").as_string(), prompt);
    EXPECT_EQ(v.at("model").as_string(), o.model);
    EXPECT_EQ(v.at("max_tokens").as_int64(), 16);
  }
  {
    const auto v = boost::json::parse(build_body(Flavor::kChat, spec(prompt), o));
    const auto& message = v.at("messages").as_array().at(0);
    EXPECT_EQ(message.at("role").as_string(), "user");
    EXPECT_EQ(message.at("content").as_array().at(0).at("type").as_string(), "text");
    EXPECT_EQ(message.at("content").as_array().at(0).at("text").as_string(), prompt);
  }
}

TEST(RequestBuilder, InvalidUtf8InThePromptStillGivesValidJson) {
  const auto v = boost::json::parse(build_body(Flavor::kCompletions, spec("a\xff" "b"), options()));
  EXPECT_EQ(v.at("prompt").as_string(), "a\xef\xbf\xbd" "b");
}

TEST(RequestBuilder, DefaultEndpoints) {
  EXPECT_EQ(default_endpoint(Flavor::kCompletions), "/v1/completions");
  EXPECT_EQ(default_endpoint(Flavor::kChat), "/v1/chat/completions");
}

TEST(ParseExtraBody, AcceptsAnObjectKeepingKeyOrder) {
  auto parsed = parse_extra_body(R"( {"top_k": 50, "a": [1, "x"], "b": {"c": null}} )");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  auto it = parsed->begin();
  EXPECT_EQ(it->key(), "top_k");
  EXPECT_EQ((++it)->key(), "a");
  EXPECT_EQ((++it)->key(), "b");
}

struct BadExtraBody {
  const char* name;
  const char* input;
  const char* message;  // the exact error
};

class ParseExtraBodyRejects : public ::testing::TestWithParam<BadExtraBody> {};

TEST_P(ParseExtraBodyRejects, WithAClearMessage) {
  auto parsed = parse_extra_body(GetParam().input);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Api, ParseExtraBodyRejects,
    ::testing::Values(
        BadExtraBody{"empty", "",
                     R"(--extra-body: the value is empty; give a JSON object such as '{"top_k": 50}')"},
        BadExtraBody{"blank", "  \n",
                     R"(--extra-body: the value is empty; give a JSON object such as '{"top_k": 50}')"},
        BadExtraBody{"array", "[1]",
                     R"(--extra-body: expected a JSON object, got an array; give an object such as '{"top_k": 50}')"},
        BadExtraBody{"number", "42",
                     R"(--extra-body: expected a JSON object, got a number; give an object such as '{"top_k": 50}')"},
        BadExtraBody{"null", "null",
                     R"(--extra-body: expected a JSON object, got null; give an object such as '{"top_k": 50}')"},
        BadExtraBody{"string", R"("x")",
                     R"(--extra-body: expected a JSON object, got a string; give an object such as '{"top_k": 50}')"},
        BadExtraBody{"unquoted_key", "{bad",
                     R"(--extra-body: invalid JSON at byte 1 (syntax error); give a JSON object such as '{"top_k": 50}')"},
        BadExtraBody{"truncated", R"({"a":1)",
                     R"(--extra-body: invalid JSON at byte 6 (incomplete JSON); give a JSON object such as '{"top_k": 50}')"},
        BadExtraBody{"trailing", R"({"a":1} x)",
                     R"(--extra-body: invalid JSON at byte 8 (extra data); give a JSON object such as '{"top_k": 50}')"},
        BadExtraBody{"single_quotes", R"({'a':1})",
                     R"(--extra-body: invalid JSON at byte 1 (syntax error); give a JSON object such as '{"top_k": 50}')"}),
    [](const ::testing::TestParamInfo<BadExtraBody>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace llmload::api
