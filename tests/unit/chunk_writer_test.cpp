// The bytes of streamed chunks: token words, response ids, vLLM-shaped JSON chunks and their
// SSE events framed as HTTP/1.1 chunks (hand-written expectations, vLLM's shapes).
#include "llmload/sim/chunk_writer.hpp"

#include "llmload/sim/sim_responses.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::sim {
namespace {

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
  const auto request_1 = request(api::Flavor::kCompletions);
  f.reset(identity("cmpl-1"), request_1);
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
  const auto request_2 = request(api::Flavor::kCompletions, true);
  f.reset(identity("cmpl-2"), request_2);
  EXPECT_EQ(token(f, 1, 3),
            R"({"id":"cmpl-2","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"text":" model","logprobs":null,"finish_reason":null,)"
            R"("stop_reason":null}],"usage":{"prompt_tokens":7,"total_tokens":9,"completion_tokens":2}})");
}

TEST(SimChunkFormatter, ChatChunksAreVllmShaped) {
  ChunkFormatter f;
  const auto request_3 = request(api::Flavor::kChat);
  f.reset(identity("chatcmpl-1"), request_3);
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
  const auto request_4 = request(api::Flavor::kChat, true);
  f.reset(identity("chatcmpl-2"), request_4);
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

}  // namespace
}  // namespace llmload::sim
