// The simulator's pure half: word counting, the fault header, request validation, and the
// exact bytes of chunks, bodies and HTTP framing (hand-written expectations, vLLM's shapes).
#include "llmload/sim/sim_responses.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
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

// ---- parse_fault_header ------------------------------------------------------------------

struct FaultCase {
  std::string header;
  FaultPlan plan;           // expected when error is empty
  std::string error_part;   // non-empty: expect 400 whose message contains this
};

class FaultHeader : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultHeader, ParsesEverySpecAndNamesBadOnes) {
  const auto& c = GetParam();
  const auto r = parse_fault_header(c.header);
  if (!c.error_part.empty()) {
    ASSERT_FALSE(r) << c.header;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_NE(r.error().message.find(c.error_part), std::string::npos) << r.error().message;
    return;
  }
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, c.plan.status);
  EXPECT_EQ(r->reset_after, c.plan.reset_after);
  EXPECT_EQ(r->malformed_after, c.plan.malformed_after);
  EXPECT_EQ(r->error_after, c.plan.error_after);
  EXPECT_EQ(r->no_done, c.plan.no_done);
  EXPECT_EQ(r->stall_ms, c.plan.stall_ms);
  EXPECT_EQ(r->stall_after, c.plan.stall_after);
  EXPECT_EQ(r->slow_headers_ms, c.plan.slow_headers_ms);
  EXPECT_EQ(r->split_writes, c.plan.split_writes);
}

FaultPlan stalls() {
  FaultPlan p;
  p.stall_ms = 250;
  p.stall_after = 3;
  p.slow_headers_ms = 40;
  p.split_writes = true;
  return p;
}

TEST(SimFaults, EveryKindMakesAPlan) {
  for (const auto kind : fault_kinds()) {
    const auto plan = fault_of_kind(kind, 12345, 10);
    ASSERT_TRUE(plan) << kind;
    const FaultPlan& p = *plan;
    const bool any = p.status != 0 || p.reset_after >= 0 || p.malformed_after >= 0 || p.error_after >= 0 ||
                     p.no_done || p.stall_ms > 0 || p.slow_headers_ms > 0 || p.split_writes;
    EXPECT_TRUE(any) << kind;
  }
  EXPECT_EQ(fault_of_kind("reset", 12345, 10)->reset_after, 5);
  EXPECT_EQ(fault_of_kind("429", 0, 1)->status, 429);
  EXPECT_FALSE(fault_of_kind("boom", 0, 1));
}

FaultPlan plan(int status, std::int64_t reset, std::int64_t malformed, std::int64_t error, bool no_done) {
  FaultPlan p;
  p.status = status;
  p.reset_after = reset;
  p.malformed_after = malformed;
  p.error_after = error;
  p.no_done = no_done;
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    Sim, FaultHeader,
    ::testing::Values(
        FaultCase{"", plan(0, -1, -1, -1, false), ""},
        FaultCase{"status=503", plan(503, -1, -1, -1, false), ""},
        FaultCase{"status=200", plan(200, -1, -1, -1, false), ""},
        FaultCase{"reset-after=0", plan(0, 0, -1, -1, false), ""},
        FaultCase{"malformed-after=7", plan(0, -1, 7, -1, false), ""},
        FaultCase{"error-after=12", plan(0, -1, -1, 12, false), ""},
        FaultCase{"no-done", plan(0, -1, -1, -1, true), ""},
        FaultCase{" no-done , reset-after=3 ,", plan(0, 3, -1, -1, true), ""},
        FaultCase{"reset-after=1,reset-after=4", plan(0, 4, -1, -1, false), ""},
        FaultCase{"stall-ms=250,stall-after=3,slow-headers-ms=40,split-writes", stalls(), ""},
        FaultCase{"explode", {}, "'explode'"},
        FaultCase{"no-done,slow=5", {}, "'slow=5'"},
        FaultCase{"reset-after=", {}, "'reset-after='"},
        FaultCase{"reset-after=-1", {}, "non-negative"},
        FaultCase{"error-after=x", {}, "'error-after=x'"},
        FaultCase{"status=99", {}, "200..599"},
        FaultCase{"status=600", {}, "200..599"},
        FaultCase{"status", {}, "'status'"}));

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

TEST_P(GenerationRequestParse, ReadsTheFieldsTheSimulatorUses) {
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

// ---- tokens and ids ----------------------------------------------------------------------

TEST(SimTokens, AreDeterministicWordsWithALeadingSpace) {
  EXPECT_EQ(token_text(0), " the");
  EXPECT_EQ(token_text(1), " model");
  EXPECT_EQ(token_text(64), " the");  // the list wraps
  for (std::int64_t k = 0; k < 64; ++k) {
    const auto t = token_text(k);
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t[0], ' ');
    EXPECT_EQ(count_words(t), 1);
    EXPECT_EQ(t.find_first_of("\"\\"), std::string_view::npos);
  }
  std::string text;
  append_generated_text(text, 3);
  EXPECT_EQ(text, " the model of");
  EXPECT_EQ(count_words(text), 3);
}

TEST(SimTokens, ResponseIdsHave32HexDigits) {
  EXPECT_EQ(make_response_id(api::Flavor::kCompletions, 0x1, 0xabc),
            "cmpl-00000000000000010000000000000abc");
  EXPECT_EQ(make_response_id(api::Flavor::kChat, ~0ULL, 0), "chatcmpl-ffffffffffffffff0000000000000000");
}

// ---- ChunkFormatter ----------------------------------------------------------------------

ResponseIdentity identity(std::string id) {
  return ResponseIdentity{std::move(id), 1700000000, "\"m\""};
}

GenerationRequest request(api::Flavor flavor, bool continuous = false) {
  GenerationRequest r;
  r.flavor = flavor;
  r.prompt_tokens = 7;
  r.max_tokens = 3;
  r.stream = true;
  r.include_usage = true;
  r.continuous_usage = continuous;
  return r;
}

std::string token(const ChunkFormatter& f, std::int64_t k, std::int64_t n) {
  std::string out;
  f.append_token(out, k, n);
  EXPECT_NO_THROW(boost::json::parse(out)) << out;
  return out;
}

TEST(SimChunkFormatter, CompletionsChunksAreVllmShaped) {
  ChunkFormatter f;
  f.reset(identity("cmpl-1"), request(api::Flavor::kCompletions));
  EXPECT_EQ(token(f, 0, 3),
            R"({"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"text":" the","logprobs":null,"finish_reason":null,)"
            R"("stop_reason":null}],"usage":null})");
  EXPECT_EQ(token(f, 2, 3),
            R"({"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"text":" of","logprobs":null,"finish_reason":"length",)"
            R"("stop_reason":null}],"usage":null})");
  std::string usage;
  f.append_usage(usage, 3);
  EXPECT_EQ(usage,
            R"({"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[],"usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}})");
}

TEST(SimChunkFormatter, CompletionsContinuousUsageRunsInEveryChunk) {
  ChunkFormatter f;
  f.reset(identity("cmpl-2"), request(api::Flavor::kCompletions, true));
  EXPECT_EQ(token(f, 1, 3),
            R"({"id":"cmpl-2","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"text":" model","logprobs":null,"finish_reason":null,)"
            R"("stop_reason":null}],"usage":{"prompt_tokens":7,"total_tokens":9,"completion_tokens":2}})");
}

TEST(SimChunkFormatter, ChatChunksAreVllmShaped) {
  ChunkFormatter f;
  f.reset(identity("chatcmpl-1"), request(api::Flavor::kChat));
  std::string role;
  f.append_role(role);
  EXPECT_EQ(role,
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,)"
            R"("finish_reason":null}]})");
  EXPECT_EQ(token(f, 0, 3),
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}]})");
  EXPECT_EQ(token(f, 2, 3),
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"delta":{"content":" of"},"logprobs":null,)"
            R"("finish_reason":"length","stop_reason":null}]})");
  std::string usage;
  f.append_usage(usage, 3);
  EXPECT_EQ(usage,
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
            R"("choices":[],"usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}})");
}

TEST(SimChunkFormatter, ChatContinuousUsageStartsAtZeroOnTheRoleChunk) {
  ChunkFormatter f;
  f.reset(identity("chatcmpl-2"), request(api::Flavor::kChat, true));
  std::string role;
  f.append_role(role);
  EXPECT_NE(role.find(R"("finish_reason":null}],"usage":{"prompt_tokens":7,"total_tokens":7,"completion_tokens":0}})"),
            std::string::npos)
      << role;
  EXPECT_NE(token(f, 0, 3).find(R"("usage":{"prompt_tokens":7,"total_tokens":8,"completion_tokens":1}})"),
            std::string::npos);
}

// ---- SseBatch ----------------------------------------------------------------------------

// Decodes a chunked body strictly; returns the chunk payloads, or fails the test.
std::vector<std::string> dechunk(std::string_view wire, bool* saw_last) {
  std::vector<std::string> chunks;
  *saw_last = false;
  while (!wire.empty()) {
    const auto crlf = wire.find("\r\n");
    EXPECT_NE(crlf, std::string_view::npos);
    if (crlf == std::string_view::npos) break;
    const std::size_t size = std::stoul(std::string(wire.substr(0, crlf)), nullptr, 16);
    wire.remove_prefix(crlf + 2);
    if (size == 0) {
      EXPECT_EQ(wire, "\r\n");
      *saw_last = true;
      break;
    }
    EXPECT_GE(wire.size(), size + 2);
    chunks.emplace_back(wire.substr(0, size));
    EXPECT_EQ(wire.substr(size, 2), "\r\n");
    wire.remove_prefix(size + 2);
  }
  return chunks;
}

TEST(SimSseBatch, FramesEachEventAsOneHttpChunkWithTheStampLast) {
  SseBatch batch;
  batch.data() += R"({"a":1})";
  batch.commit_event(true);
  batch.add_event("[DONE]");
  batch.add_last_chunk();
  const std::string wire(batch.finalize(42));
  // data: {"a":1,"llmload_send_ns":42}\n\n is 6 + 28 + 2 = 36 = 0x24 bytes; data: [DONE]\n\n is 14 = 0xe.
  EXPECT_EQ(wire,
            "24\r\ndata: {\"a\":1,\"llmload_send_ns\":42}\n\n\r\n"
            "e\r\ndata: [DONE]\n\n\r\n"
            "0\r\n\r\n");
}

TEST(SimSseBatch, UnstampedEventsAreLeftAsWritten) {
  SseBatch batch;
  batch.data() += R"({"b":2})";
  batch.commit_event(false);
  EXPECT_EQ(batch.finalize(123456789), "f\r\ndata: {\"b\":2}\n\n\r\n");
}

TEST(SimSseBatch, ClearReusesAndLongEventsGetMultiDigitHexSizes) {
  SseBatch batch;
  batch.data() += "{\"x\":1}";
  batch.commit_event(true);
  (void)batch.finalize(1);
  batch.clear();
  EXPECT_TRUE(batch.empty());
  const std::string big = "{\"t\":\"" + std::string(300, 'z') + "\"}";
  batch.data() += big;
  batch.commit_event(true);
  batch.add_event(R"({"choices": [)");
  batch.data() += "{\"y\":2}";
  batch.commit_event(true);
  bool last = false;
  const auto chunks = dechunk(batch.finalize(1234567890123), &last);
  EXPECT_FALSE(last);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], "data: {\"t\":\"" + std::string(300, 'z') +
                           "\",\"llmload_send_ns\":1234567890123}\n\n");
  EXPECT_EQ(chunks[1], "data: {\"choices\": [\n\n");
  EXPECT_EQ(chunks[2], "data: {\"y\":2,\"llmload_send_ns\":1234567890123}\n\n");
}

TEST(SimSseBatch, AFullStreamFramesToTheExactVllmEvents) {
  ChunkFormatter f;
  auto r = request(api::Flavor::kChat);
  r.max_tokens = 2;
  f.reset(identity("chatcmpl-9"), r);
  SseBatch batch;
  f.append_role(batch.data());
  batch.commit_event(true);
  f.append_token(batch.data(), 0, 2);
  batch.commit_event(true);
  bool last = false;
  auto chunks = dechunk(batch.finalize(5), &last);
  ASSERT_EQ(chunks.size(), 2u);
  for (const auto& c : chunks) {
    ASSERT_EQ(c.substr(0, 6), "data: ");
    ASSERT_EQ(c.substr(c.size() - 2), "\n\n");
    const auto v = boost::json::parse(c.substr(6, c.size() - 8));
    EXPECT_EQ(v.at("llmload_send_ns").as_int64(), 5);
    EXPECT_EQ(v.at("id").as_string(), "chatcmpl-9");
  }
  batch.clear();
  f.append_token(batch.data(), 1, 2);
  batch.commit_event(true);
  f.append_usage(batch.data(), 2);
  batch.commit_event(true);
  batch.add_event("[DONE]");
  batch.add_last_chunk();
  chunks = dechunk(batch.finalize(6), &last);
  EXPECT_TRUE(last);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_NE(chunks[0].find(R"("finish_reason":"length")"), std::string::npos);
  EXPECT_NE(chunks[1].find(R"("choices":[],"usage":{"prompt_tokens":7,"total_tokens":9,"completion_tokens":2},"llmload_send_ns":6})"),
            std::string::npos)
      << chunks[1];
  EXPECT_EQ(chunks[2], "data: [DONE]\n\n");
}

// ---- HTTP responses and bodies -----------------------------------------------------------

TEST(SimHttp, ErrorBodyIsOpenAiShaped) {
  EXPECT_EQ(error_body(404, "The model `x` does not exist."),
            R"({"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}})");
  EXPECT_EQ(error_type(400), "BadRequestError");
  EXPECT_EQ(error_type(429), "RateLimitError");
  EXPECT_EQ(error_type(500), "InternalServerError");
  EXPECT_EQ(error_type(502), "InternalServerError");
  EXPECT_EQ(error_type(418), "BadRequestError");
  EXPECT_EQ(error_body(400, "quote \" here"),
            R"({"error":{"message":"quote \" here","type":"BadRequestError","param":null,"code":400}})");
}

TEST(SimHttp, ResponsesAreValidHttp11) {
  std::string out;
  append_response(out, 200, "application/json", "{}", true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}");
  out.clear();
  append_response(out, 200, {}, {}, false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  out.clear();
  append_error_response(out, {405, "no"}, true, "Allow: GET\r\n");
  const std::string body = R"({"error":{"message":"no","type":"MethodNotAllowedError","param":null,"code":405}})";
  EXPECT_EQ(out, "HTTP/1.1 405 Method Not Allowed\r\nServer: llmload-sim\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\nAllow: GET\r\n\r\n" + body);
  out.clear();
  append_response(out, 597, "text/plain", "x", true);
  EXPECT_EQ(out.substr(0, 23), "HTTP/1.1 597 Unknown\r\nS");
  out.clear();
  append_stream_head(out, true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\n"
            "Content-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(SimHttp, NonStreamingBodiesAreVllmShaped) {
  auto r = request(api::Flavor::kCompletions);
  std::string out;
  append_completion_body(out, identity("cmpl-5"), r);
  EXPECT_EQ(out,
            R"({"id":"cmpl-5","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"text":" the model of","logprobs":null,"finish_reason":"length",)"
            R"("stop_reason":null}],"usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}})");
  r.flavor = api::Flavor::kChat;
  out.clear();
  append_completion_body(out, identity("chatcmpl-5"), r);
  EXPECT_EQ(out,
            R"({"id":"chatcmpl-5","object":"chat.completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"message":{"role":"assistant","content":" the model of"},)"
            R"("logprobs":null,"finish_reason":"length","stop_reason":null}],)"
            R"("usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}})");
}

TEST(SimHttp, ModelsBodyListsTheServedModel) {
  std::string out;
  append_models_body(out, "my \"model\"", 1700000001);
  EXPECT_EQ(out,
            R"({"object":"list","data":[{"id":"my \"model\"","object":"model","created":1700000001,)"
            R"("owned_by":"llmload","root":"my \"model\"","parent":null,"max_model_len":32768}]})");
}


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
  EXPECT_GE(r.prompt_ids[2], 1u << 20);
  const auto ids = parse_generation_request(api::Flavor::kCompletions, R"({"prompt":[5,6,7,8]})", "m", 16,
                                            options).value();
  EXPECT_EQ(ids.prompt_ids, (std::vector<std::uint64_t>{5, 6, 7, 8}));
}

TEST(SimChunks, StopFinishReason) {
  ChunkFormatter f;
  GenerationRequest r;
  r.flavor = api::Flavor::kChat;
  f.reset(ResponseIdentity{"chatcmpl-1", 1700000000, "\"m\""}, r);
  std::string out;
  f.append_token(out, 2, "stop");
  EXPECT_NE(out.find(R"("delta":{"content":" of"},"logprobs":null,"finish_reason":"stop","stop_reason":null}])"),
            std::string::npos) << out;
  std::string body;
  append_completion_body(body, ResponseIdentity{"chatcmpl-1", 1700000000, "\"m\""}, r, 2, "stop");
  EXPECT_NE(body.find(R"("content":" the model"},"logprobs":null,"finish_reason":"stop")"), std::string::npos);
  EXPECT_NE(body.find(R"("completion_tokens":2)"), std::string::npos);
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

}  // namespace
}  // namespace llmload::sim
