// The response recorder (body bytes → SSE parser → chunk decoder → RequestRecord) on captured
// streams split at every byte offset, one byte at a time and in random pieces: the same record
// every time, each chunk stamped with the arrival of the piece that completed it.
#include "llmload/runtime/response_recorder.hpp"

#include "response_replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

namespace llmload::runtime {
namespace {

using metrics::Outcome;
using metrics::RequestRecord;
using namespace testing;

constexpr core::Nanos kRecorderFinishNs = 1'000'000'000;  // the "now" given to finish()

std::string api_payload(const std::string& name) {
  std::string p = read_test_file("api/" + name);
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
  return p;
}

// Feeds `body` to a recorder in the pieces `ends` gives, each from its own buffer that is
// scribbled over afterwards (a view kept past its feed would show), stamped with its end.
RequestRecord replay_recorded(const std::string& body, const Ends& ends, const ResponseRecorderOptions& options = {},
                     int status = 200) {
  static api::ChunkDecoder decoder;  // reused across replays, as a worker's is across requests
  RequestRecord record;
  std::atomic<std::int64_t> chunks{0};
  ResponseRecorder recorder(record, decoder, options, chunks);
  recorder.on_status(status);
  std::size_t at = 0;
  for (const std::size_t end : ends) {
    std::string piece = body.substr(at, end - at);
    recorder.feed(static_cast<core::Nanos>(end), piece);
    std::fill(piece.begin(), piece.end(), '#');
    at = end;
  }
  recorder.finish(kRecorderFinishNs);
  EXPECT_EQ(chunks.load(), static_cast<std::int64_t>(record.chunk_ns.size())) << "the progress counter";
  EXPECT_EQ(record.end_ns, kRecorderFinishNs);
  return record;
}

RequestRecord expect_every_recorded_split_of(const std::string& body, const ResponseRecorderOptions& options = {},
                                    int status = 200) {
  return expect_every_split(body.size(),
                            [&](const Ends& ends) { return replay_recorded(body, ends, options, status); });
}

// ---- captured streams -----------------------------------------------------------------------

struct Capture {
  const char* file;
  Outcome outcome;
  std::size_t chunks;
  const char* text;
  std::int32_t completion_tokens;
  bool saw_done;
  const char* finish_reason;
};

void PrintTo(const Capture& c, std::ostream* os) { *os << c.file; }

class RecorderOnCapture : public ::testing::TestWithParam<Capture> {};

TEST_P(RecorderOnCapture, EverySplitGivesTheSameRecord) {
  const Capture& c = GetParam();
  const std::string body = read_test_file(std::string("sse/") + c.file);
  const RequestRecord r = expect_every_recorded_split_of(body);
  EXPECT_EQ(r.outcome, c.outcome) << r.error;
  EXPECT_EQ(r.chunk_ns.size(), c.chunks);
  EXPECT_EQ(r.generated_text, c.text);
  EXPECT_EQ(r.usage_completion_tokens, c.completion_tokens);
  EXPECT_EQ(r.saw_done, c.saw_done);
  EXPECT_EQ(r.finish_reason, c.finish_reason);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(std::is_sorted(r.chunk_ns.begin(), r.chunk_ns.end()));
}

INSTANTIATE_TEST_SUITE_P(
    Captures, RecorderOnCapture,
    ::testing::Values(
        // vLLM chat: the role chunk counts as a token chunk, as vLLM's benchmark counts it.
        Capture{"vllm_chat.sse", Outcome::kOk, 7, "Hello! How can I help — today? 😊", 9, true, "stop"},
        Capture{"vllm_completions.sse", Outcome::kOk, 7, " Paris.\n\nThe city of \"light\"", 7, true, "length"},
        Capture{"sglang_completions.sse", Outcome::kOk, 5, " I think so.", 5, true, "stop"},
        // CRLF line ends and keep-alive comments between events.
        Capture{"openai_crlf_keepalive.sse", Outcome::kOk, 5, "Sure, here it is.", 4, true, "stop"},
        // Token events without "choices": nothing vLLM's benchmark would count.
        Capture{"tgi_generate_stream.sse", Outcome::kNoContent, 0, "", -1, false, ""},
        // Captured from `llmload sim` (chat, continuous usage stats, send stamps).
        Capture{"llmload_sim_chat_continuous_usage.sse", Outcome::kOk, 9, " the model of and to a in is", 8, true,
                "length"},
        // The OpenAI Responses API (written from its documented event stream: `event:` lines,
        // created / in_progress / output_item / content_part events around the text deltas):
        // only the deltas are token chunks; response.completed ends it and carries the usage.
        Capture{"openai_responses.sse", Outcome::kOk, 8, "Hi! How can I help — today? 😊", 9, true, ""}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(ResponseRecorder, ContinuousUsageGivesTokensPerChunkAndSendStampsGiveReceiveDelays) {
  const std::string body = read_test_file("sse/llmload_sim_chat_continuous_usage.sse");
  const RequestRecord r = expect_every_recorded_split_of(body);
  ASSERT_EQ(r.chunk_ns.size(), 9u);
  // The role chunk carries no token, each content chunk one.
  EXPECT_EQ(r.chunk_tokens, (std::vector<std::int32_t>{0, 1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(r.usage_prompt_tokens, 4);
  ASSERT_EQ(r.receive_delay_ns.size(), r.chunk_ns.size());
}

// Tokens counted at their chunks' arrival stamps into the worker's interval recorder: one per
// chunk without usage, the usage's growth with it, and the rest at the end when the final
// usage says more (or fewer) than the chunks did.
TEST(ResponseRecorder, CountsArrivedTokensIntoTheIntervalSlot) {
  boost::asio::io_context context;
  IntervalHarvester harvester(std::chrono::seconds(1), 0, {}, nullptr, nullptr);
  auto& slot = harvester.add_worker(context.get_executor());
  const auto run = [&](const std::string& file) {
    slot.recorder().reset();
    slot.recorder().arrival_end_ns = 1'000'000'000'000;
    static api::ChunkDecoder decoder;
    RequestRecord record;
    std::atomic<std::int64_t> chunks{0};
    ResponseRecorder recorder(record, decoder, {}, chunks);
    recorder.count_arrivals_in(&slot);
    recorder.on_status(200);
    recorder.feed(5, read_test_file(file));
    recorder.finish(kRecorderFinishNs);
    EXPECT_EQ(slot.recorder().arrived_tokens,
              record.usage_completion_tokens >= 0 ? record.usage_completion_tokens
                                                  : static_cast<std::int64_t>(record.chunk_ns.size()))
        << file;
    return record;
  };
  const RequestRecord continuous = run("sse/llmload_sim_chat_continuous_usage.sse");
  EXPECT_EQ(slot.recorder().arrived_tokens, 8);  // the role chunk carries none
  EXPECT_EQ(continuous.usage_completion_tokens, 8);
  // vLLM's own streams: one token per chunk, the final usage (when sent) settles the count.
  EXPECT_GT(run("sse/vllm_chat.sse").chunk_ns.size(), 1u);
  EXPECT_GT(run("sse/vllm_completions.sse").chunk_ns.size(), 1u);
  // A failed response keeps what arrived: no correction at its end.
  slot.recorder().reset();
  RequestRecord failed;
  std::atomic<std::int64_t> chunks{0};
  api::ChunkDecoder decoder;
  ResponseRecorder recorder(failed, decoder, {}, chunks);
  recorder.count_arrivals_in(&slot);
  recorder.on_status(200);
  recorder.feed(5, read_test_file("sse/vllm_completions.sse"));
  recorder.fail(Outcome::kTimeout, "timed out");
  recorder.finish(kRecorderFinishNs);
  EXPECT_EQ(slot.recorder().arrived_tokens, static_cast<std::int64_t>(failed.chunk_ns.size()));
}

// ---- composed streams: every outcome the body decides ----------------------------------------

TEST(ResponseRecorder, ReasoningTextAndChunkTextOffsets) {
  const std::string body = sse_stream({api_payload("vllm_chat_role.json"), api_payload("vllm_chat_reasoning.json"),
                                       api_payload("vllm_chat_reasoning.json"), api_payload("vllm_chat_content.json"),
                                       api_payload("vllm_chat_stop.json"), api_payload("vllm_chat_usage.json"), "[DONE]"});
  ResponseRecorderOptions options;
  options.keep_text = false;  // the text offsets keep the text anyway
  options.chunk_text_offsets = true;
  const RequestRecord r = expect_every_recorded_split_of(body, options);
  EXPECT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.reasoning_text, " step one step one");
  ASSERT_EQ(r.chunk_text_end.size(), r.chunk_ns.size());
  ASSERT_EQ(r.chunk_ns.size(), 5u);
  EXPECT_EQ(r.chunk_text_end[0], (std::array<std::uint32_t, 2>{0, 0}));
  EXPECT_EQ(r.chunk_text_end[2], (std::array<std::uint32_t, 2>{0, 18}));
  EXPECT_EQ(r.chunk_text_end[3], (std::array<std::uint32_t, 2>{8, 18}));  // " capital"
  EXPECT_EQ(r.chunk_text_end[4], (std::array<std::uint32_t, 2>{8, 18}));  // the stop chunk adds nothing
  EXPECT_EQ(r.generated_text, " capital");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_TRUE(r.chunk_tokens.empty());  // no usage in every chunk: per-chunk counts unknown
  EXPECT_EQ(r.usage_completion_tokens, 128);
}

TEST(ResponseRecorder, WithoutKeepTextOnlyTheCountsAreKept) {
  ResponseRecorderOptions options;
  options.keep_text = false;
  const RequestRecord r = expect_every_recorded_split_of(read_test_file("sse/vllm_chat.sse"), options);
  EXPECT_EQ(r.chunk_ns.size(), 7u);
  EXPECT_TRUE(r.generated_text.empty());
  EXPECT_TRUE(r.chunk_text_end.empty());
  EXPECT_EQ(r.finish_reason, "stop");
}

TEST(ResponseRecorder, AnErrorInTheStreamEndsItAsAServerError) {
  const std::string token = api_payload("vllm_completions_token.json");
  const std::string body = sse_stream({token, token, api_payload("vllm_error_in_stream.json"), token, "[DONE]"});
  const RequestRecord r = expect_every_recorded_split_of(body);
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.error, "server error in stream: Request timed out while waiting for the engine (type InternalServerError)");
  EXPECT_EQ(r.chunk_ns.size(), 2u);  // nothing after the error counts
  EXPECT_FALSE(r.saw_done);
}

TEST(ResponseRecorderResponsesApi, TheCompletedEventsUsageGivesBothTokenCounts) {
  const RequestRecord r = expect_every_recorded_split_of(read_test_file("sse/openai_responses.sse"));
  EXPECT_EQ(r.usage_prompt_tokens, 37);
  EXPECT_EQ(r.usage_completion_tokens, 9);
}

TEST(ResponseRecorderResponsesApi, AFailedResponseIsAServerErrorWithItsMessage) {
  const std::string delta = R"({"type":"response.output_text.delta","item_id":"msg_1","output_index":0,)"
                            R"("content_index":0,"delta":" the","sequence_number":3})";
  const std::string failed =
      R"({"type":"response.failed","response":{"id":"resp_1","object":"response","status":"failed",)"
      R"("error":{"code":"server_error","message":"The model ran out of memory."},"usage":null},"sequence_number":4})";
  const RequestRecord r = expect_every_recorded_split_of(sse_stream({delta, delta, failed, delta}));
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.error, "server error in stream: The model ran out of memory.");
  EXPECT_EQ(r.chunk_ns.size(), 2u);  // nothing after the failure counts
  EXPECT_FALSE(r.saw_done);
}

TEST(ResponseRecorderResponsesApi, AnErrorEventIsAServerErrorWithItsMessage) {
  const std::string error = R"({"type":"error","code":"ERR_SOMETHING","message":"Something went wrong",)"
                            R"("param":null,"sequence_number":1})";
  const RequestRecord r = expect_every_recorded_split_of(sse_stream({error}));
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.error, "server error in stream: Something went wrong");
  EXPECT_TRUE(r.chunk_ns.empty());
}

TEST(ResponseRecorderResponsesApi, AFailedResponseWithoutAnErrorObjectSaysItFailed) {
  const RequestRecord r = expect_every_recorded_split_of(
      sse_stream({R"({"type":"response.failed","response":{"status":"failed","error":null},"sequence_number":0})"}));
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.error, "server error in stream: the response failed (response.failed)");
}

TEST(ResponseRecorderResponsesApi, ABadUsageCountIsAMalformedChunk) {
  const RequestRecord r = expect_every_recorded_split_of(sse_stream(
      {R"({"type":"response.completed","response":{"usage":{"input_tokens":-1,"output_tokens":2}}})"}));
  EXPECT_EQ(r.outcome, Outcome::kMalformedChunk);
}

TEST(ResponseRecorder, AMalformedChunkEndsTheStream) {
  const std::string token = api_payload("vllm_completions_token.json");
  const RequestRecord r = expect_every_recorded_split_of(sse_stream({token, R"({"choices":[{"text":"a")", token}));
  EXPECT_EQ(r.outcome, Outcome::kMalformedChunk);
  EXPECT_NE(r.error.find("malformed chunk"), std::string::npos) << r.error;
  EXPECT_EQ(r.chunk_ns.size(), 1u);
}

TEST(ResponseRecorder, AnEventOverTheCapIsItsOwnOutcome) {
  const std::string token = api_payload("vllm_completions_token.json");
  const std::string long_text = R"({"choices":[{"index":0,"text":")" + std::string(600, 'x') + R"("}]})";
  ResponseRecorderOptions options;
  options.max_sse_event_bytes = 512;
  const RequestRecord r = expect_every_recorded_split_of(sse_stream({token, long_text, token}), options);
  EXPECT_EQ(r.outcome, Outcome::kEventTooLarge);
  EXPECT_NE(r.error.find("--max-sse-event-bytes"), std::string::npos) << r.error;
  EXPECT_EQ(r.chunk_ns.size(), 1u);
}

TEST(ResponseRecorder, ANon200BodyIsTheErrorMessage) {
  const std::string body = api_payload("openai_error.json") + "\r\n";
  const RequestRecord r = expect_every_recorded_split_of(body, {}, 503);
  EXPECT_EQ(r.outcome, Outcome::kHttpStatus);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.error, "HTTP 503: " + api_payload("openai_error.json"));
  EXPECT_TRUE(r.chunk_ns.empty());
}

TEST(ResponseRecorder, ANon200BodyKeepsItsFirstTwoKibibytes) {
  const RequestRecord r = replay_recorded(std::string(5000, 'e'), whole(5000), {}, 500);
  EXPECT_EQ(r.error, "HTTP 500: " + std::string(2048, 'e'));
  EXPECT_EQ(replay_recorded("", whole(0), {}, 404).error, "HTTP 404");
}

TEST(ResponseRecorder, AStreamWithNoTokenChunkHasNoContent) {
  const RequestRecord r = expect_every_recorded_split_of(sse_stream({api_payload("vllm_chat_usage.json"), "[DONE]"}));
  EXPECT_EQ(r.outcome, Outcome::kNoContent);
  EXPECT_EQ(r.error, "Never received a valid chunk to calculate TTFT.");
  EXPECT_EQ(r.usage_completion_tokens, 128);
  EXPECT_TRUE(r.saw_done);
}

TEST(ResponseRecorder, TheFirstFailureWinsAndStopsTheParsing) {
  api::ChunkDecoder decoder;
  RequestRecord record;
  std::atomic<std::int64_t> chunks{0};
  ResponseRecorder recorder(record, decoder, {}, chunks);
  recorder.on_status(200);
  const std::string token = sse_stream({api_payload("vllm_completions_token.json")});
  recorder.feed(10, token);
  recorder.fail(Outcome::kConnectionClosed, "server closed the connection mid-response");
  recorder.fail(Outcome::kTimeout, "later");
  recorder.feed(20, token);  // ignored
  EXPECT_TRUE(recorder.failed());
  recorder.set_end(25);
  recorder.finish(99);
  EXPECT_EQ(record.outcome, Outcome::kConnectionClosed);
  EXPECT_EQ(record.error, "server closed the connection mid-response");
  EXPECT_EQ(record.chunk_ns, std::vector<core::Nanos>{10});
  EXPECT_EQ(chunks.load(), 1);
  EXPECT_EQ(record.end_ns, 25);  // set_end's, not finish()'s "now"
}

}  // namespace
}  // namespace llmload::runtime

namespace llmload::runtime {
namespace {

TEST(ResponseRecorderLimits, AnAnswerThatIsNoEventStreamSaysWhatItWas) {
  const std::string json = R"({"id":"cmpl-1","choices":[{"text":"hello"}]})";
  EXPECT_EQ(replay_recorded(json, whole(json.size())).error,
            "Never received a valid chunk to calculate TTFT. (the body was plain JSON, not a server-sent-event "
            "stream: a non-streamed answer)");
  const std::string gzip("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 17);
  EXPECT_EQ(replay_recorded(gzip, whole(gzip.size())).error,
            "Never received a valid chunk to calculate TTFT. (the body was gzip-compressed, not a server-sent-event "
            "stream; llmload asks for none)");
  EXPECT_EQ(replay_recorded("hello world", whole(11)).error,
            "Never received a valid chunk to calculate TTFT. (the body was not a server-sent-event stream)");
}

TEST(ResponseRecorderLimits, EndlessValidStreamStopsAtMaxResponseBytes) {
  // Valid token events without end: memory must stop growing at the cap.
  std::string event = "data: {\"choices\":[{\"text\":\"token\"}]}\n\n";
  std::string body;
  while (body.size() < 100000) body += event;
  ResponseRecorderOptions options;
  options.max_response_bytes = 10000;
  api::ChunkDecoder decoder;
  RequestRecord record;
  std::atomic<std::int64_t> chunks{0};
  ResponseRecorder recorder(record, decoder, options, chunks);
  recorder.on_status(200);
  for (std::size_t at = 0; at < body.size(); at += 1000) recorder.feed(static_cast<core::Nanos>(at + 1), body.substr(at, 1000));
  recorder.finish(kRecorderFinishNs);
  EXPECT_EQ(record.outcome, Outcome::kResponseTooLarge);
  EXPECT_EQ(metrics::outcome_name(record.outcome), "response_too_large");
  EXPECT_EQ(record.error, "the response body passed 10000 bytes (--max-response-bytes)");
  EXPECT_LE(record.chunk_ns.size() * event.size(), 10000u);
  EXPECT_LE(record.generated_text.size(), 10000u);
}

}  // namespace
}  // namespace llmload::runtime

namespace llmload::runtime {
namespace {

ResponseRecorderOptions pooling_options() {
  ResponseRecorderOptions o;
  o.pooling = true;
  return o;
}

constexpr std::string_view kEmbeddingAnswer =
    R"({"id":"embd-1","object":"list","created":1,"model":"m","data":[{"index":0,"object":"embedding",)"
    R"("embedding":[0.5,-0.5,0.5,-0.5]}],"usage":{"prompt_tokens":7,"total_tokens":7,"completion_tokens":0}})";

TEST(ResponseRecorderPooling, TheWholeAnswerIsOneChunkStampedWhenItsLastBytesArrived) {
  const std::string body(kEmbeddingAnswer);
  for (const Ends& ends : {whole(body.size()), split_at(10, body.size()), bytewise(body.size())}) {
    const RequestRecord r = replay_recorded(body, ends, pooling_options());
    EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
    ASSERT_EQ(r.chunk_ns.size(), 1u);  // vLLM: TTFT = latency = the time the answer was read
    EXPECT_EQ(r.chunk_ns[0], static_cast<core::Nanos>(body.size()));
    EXPECT_EQ(r.usage_prompt_tokens, 7);
    EXPECT_EQ(r.usage_completion_tokens, 0);
  }
}

TEST(ResponseRecorderPooling, NoUsageCountsNoInputTokensAsVllm) {
  const std::string body = R"({"object":"list","data":[{"index":0,"embedding":[1.0]}]})";
  const RequestRecord r = replay_recorded(body, whole(body.size()), pooling_options());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.usage_prompt_tokens, 0);  // usage.get("prompt_tokens", 0)
}

TEST(ResponseRecorderPooling, BadAnswersAreCountedOutcomes) {
  const std::string garbage = R"({"object":"list","data":[)";
  EXPECT_EQ(replay_recorded(garbage, whole(garbage.size()), pooling_options()).outcome, Outcome::kMalformedChunk);
  const std::string error = R"({"object":"error","message":"too long","type":"BadRequestError","code":400})";
  const RequestRecord r = replay_recorded(error, whole(error.size()), pooling_options());
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_NE(r.error.find("too long"), std::string::npos) << r.error;
  EXPECT_EQ(replay_recorded(std::string(kEmbeddingAnswer), whole(kEmbeddingAnswer.size()), pooling_options(), 500).outcome,
            Outcome::kHttpStatus);
  ResponseRecorderOptions capped = pooling_options();
  capped.max_response_bytes = 64;
  EXPECT_EQ(replay_recorded(std::string(kEmbeddingAnswer), whole(kEmbeddingAnswer.size()), capped).outcome,
            Outcome::kResponseTooLarge);
}

}  // namespace
}  // namespace llmload::runtime
