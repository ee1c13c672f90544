// The HTTP response reader (connection buffer → Beast's parser → ResponseRecorder) on whole
// HTTP responses split at every byte offset: chunked and close-delimited bodies, error
// statuses, bytes left over, invalid HTTP. The same record whatever the split, and the step
// put() returns says what the read loop must do.
#include "llmload/runtime/http_response_reader.hpp"

#include "response_replay.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

namespace llmload::runtime {
namespace {

using metrics::Outcome;
using metrics::RequestRecord;
using Step = HttpResponseReader::Step;
using namespace testing;

constexpr core::Nanos kFinishNs = 1'000'000'000;

/// A body in HTTP/1.1 chunked encoding, cut into chunks of `size` bytes.
std::string chunked(const std::string& body, std::size_t size) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += size) {
    const std::string piece = body.substr(at, size);
    char head[32];
    std::snprintf(head, sizeof head, "%zx\r\n", piece.size());
    out += head + piece + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string sse_response(const std::string& body) {
  return "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
         chunked(body, 100);
}

/// What one replay saw besides the record.
struct Seen {
  RequestRecord record;
  std::vector<Step> steps;  // one per piece put() was called for
  bool eof_completed = false;
  bool keep_alive = false;
  std::size_t left_in_buffer = 0;
};

/// Replays `wire` as socket reads ending at `ends` (stamped with their end), the way the
/// runner's read loop does: commit, stamp, put(); stop at the first step that is not
/// kNeedMore; at the end of the bytes with the response still open, the connection closes.
Seen replay(const std::string& wire, const Ends& ends) {
  static api::ChunkDecoder decoder;
  Seen seen;
  std::atomic<std::int64_t> chunks{0};
  ResponseRecorder recorder(seen.record, decoder, {}, chunks);
  HttpResponseReader reader(recorder);
  boost::beast::flat_buffer buffer;
  std::size_t at = 0;
  Step step = Step::kNeedMore;
  for (const std::size_t end : ends) {
    const std::size_t n = end - at;
    // An empty piece (a split at offset 0): an empty flat_buffer prepares a null pointer,
    // which memcpy must not get even for 0 bytes (UBSan).
    if (n != 0) std::memcpy(buffer.prepare(n).data(), wire.data() + at, n);
    buffer.commit(n);
    at = end;
    recorder.set_arrival(static_cast<core::Nanos>(end));
    step = reader.put(buffer);
    seen.steps.push_back(step);
    if (step != Step::kNeedMore) break;
  }
  if (step == Step::kNeedMore) seen.eof_completed = reader.put_eof();
  seen.keep_alive = step == Step::kDone && reader.keep_alive();
  seen.left_in_buffer = buffer.size();
  recorder.finish(kFinishNs);
  return seen;
}

RequestRecord expect_every_split_of(const std::string& wire) {
  return expect_every_split(wire.size(), [&](const Ends& ends) { return replay(wire, ends).record; });
}

TEST(HttpResponseReader, AChunkedEventStreamGivesTheBodysRecordAtEverySplit) {
  const std::string body = read_test_file("sse/vllm_chat.sse");
  const std::string wire = sse_response(body);
  const RequestRecord r = expect_every_split_of(wire);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.chunk_ns.size(), 7u);
  EXPECT_EQ(r.generated_text, "Hello! How can I help — today? 😊");
  EXPECT_EQ(r.usage_completion_tokens, 9);
  EXPECT_TRUE(r.saw_done);
  // The response is complete with its last byte, and only then; the connection may be reused.
  for (std::size_t k = 0; k < wire.size(); ++k) {
    const Seen seen = replay(wire, split_at(k, wire.size()));
    ASSERT_EQ(seen.steps.back(), Step::kDone) << "split at " << k;
    EXPECT_EQ(seen.steps.size(), 2u) << "split at " << k;
    EXPECT_TRUE(seen.keep_alive);
    EXPECT_EQ(seen.record.end_ns, static_cast<core::Nanos>(wire.size())) << "the last read's stamp";
  }
}

TEST(HttpResponseReader, ABodyDelimitedByTheCloseEndsAtTheClose) {
  const std::string body = read_test_file("sse/vllm_completions.sse");
  const std::string wire = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n" + body;
  const RequestRecord r = expect_every_split_of(wire);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.chunk_ns.size(), 7u);
  const Seen seen = replay(wire, whole(wire.size()));
  EXPECT_EQ(seen.steps, std::vector<Step>{Step::kNeedMore});
  EXPECT_TRUE(seen.eof_completed);
  EXPECT_FALSE(seen.keep_alive);
  EXPECT_EQ(seen.record.end_ns, static_cast<core::Nanos>(wire.size()));
}

TEST(HttpResponseReader, AnErrorStatusKeepsItsBodyAsTheError) {
  const std::string json = R"({"object":"error","message":"model overloaded","code":503})";
  const std::string wire = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: " +
                           std::to_string(json.size() + 1) + "\r\n\r\n" + json + "\n";
  const RequestRecord r = expect_every_split_of(wire);
  EXPECT_EQ(r.outcome, Outcome::kHttpStatus);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.error, "HTTP 503: " + json);
  EXPECT_TRUE(replay(wire, whole(wire.size())).keep_alive);  // a complete response all the same
}

TEST(HttpResponseReader, AnErrorStatusWithNoBody) {
  const std::string wire = "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\n\r\n";
  const RequestRecord r = expect_every_split_of(wire);
  EXPECT_EQ(r.outcome, Outcome::kHttpStatus);
  EXPECT_EQ(r.error, "HTTP 429");
}

TEST(HttpResponseReader, BytesAfterTheResponseForbidReusingTheConnection) {
  const std::string wire = sse_response(read_test_file("sse/sglang_completions.sse"));
  const Seen seen = replay(wire + "HTTP/1.1 200 OK\r\n", whole(wire.size() + 17));
  EXPECT_EQ(seen.steps, std::vector<Step>{Step::kDone});
  EXPECT_EQ(seen.record.outcome, Outcome::kOk);
  EXPECT_EQ(seen.left_in_buffer, 17u);
  EXPECT_FALSE(seen.keep_alive);
}

TEST(HttpResponseReader, InvalidHttpIsAProtocolError) {
  const std::string wire = "HTTX/1.1 200 OK\r\n\r\n";
  const RequestRecord r = expect_every_split_of(wire);
  EXPECT_EQ(r.outcome, Outcome::kProtocolError);
  EXPECT_NE(r.error.find("invalid HTTP response"), std::string::npos) << r.error;
  EXPECT_EQ(replay(wire, whole(wire.size())).steps, std::vector<Step>{Step::kFailed});
}

TEST(HttpResponseReader, ABadChunkStopsTheReadingBeforeTheResponseEnds) {
  const std::string token = R"({"choices":[{"index":0,"text":" a"}]})";
  const std::string wire = sse_response(sse_stream({token, "not json", token, token, token, "[DONE]"}));
  const RequestRecord r = expect_every_split_of(wire);
  EXPECT_EQ(r.outcome, Outcome::kMalformedChunk);
  EXPECT_EQ(r.chunk_ns.size(), 1u);
  // A read that ends past the bad event: no more reads.
  const Seen cut = replay(wire, split_at(wire.find("not json") + 20, wire.size()));
  EXPECT_EQ(cut.steps, std::vector<Step>{Step::kFailed});
  // All of it in one read: the parser reaches the end, but the connection is not reused.
  const Seen all = replay(wire, whole(wire.size()));
  EXPECT_EQ(all.steps, std::vector<Step>{Step::kDone});
  EXPECT_FALSE(all.keep_alive);
}

TEST(HttpResponseReader, AStreamCutShortIsNotComplete) {
  const std::string wire = sse_response(read_test_file("sse/vllm_chat.sse"));
  const Seen seen = replay(wire, whole(wire.size() / 2));
  EXPECT_EQ(seen.steps, std::vector<Step>{Step::kNeedMore});
  EXPECT_FALSE(seen.eof_completed);  // the runner records the close as kConnectionClosed
  EXPECT_EQ(seen.record.http_status, 200);
}

// Found by the http_response fuzz target: the close of a connection that sent nothing reached
// Beast's put_eof, which asserts that some bytes came (an abort wherever asserts are on, as in
// the sanitizer and fuzz builds).
TEST(HttpResponseReader, ACloseBeforeAnyByteIsNotAResponse) {
  const Seen seen = replay("", {});
  EXPECT_TRUE(seen.steps.empty());
  EXPECT_FALSE(seen.eof_completed);  // the runner records the close as kConnectionClosed
  EXPECT_EQ(seen.record.http_status, 0);
}

}  // namespace
}  // namespace llmload::runtime
