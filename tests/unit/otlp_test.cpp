// The OTLP trace receiver's pure parts: its address, protobuf bodies both ways, the OTLP/HTTP
// answers, vLLM's span attributes and the join of spans to requests.
#include "llmload/otlp/address.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/otlp/http_receiver.hpp"
#include "llmload/otlp/receiver.hpp"
#include "llmload/otlp/wire.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace llmload::otlp {
namespace {

TEST(OtlpAddress, HostAndPortOrPortAlone) {
  auto a = parse_receiver_address("4317", "--otlp-receiver");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 4317);
  a = parse_receiver_address("0.0.0.0:0", "--otlp-receiver");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 0);
  a = parse_receiver_address("[::1]:4317", "--otlp-receiver");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(parse_receiver_address("localhost:9", "x")->host, "127.0.0.1");
  for (const char* bad : {"", "port", "4317x", "-1", "65535", ":4317", "host:"}) {
    const auto r = parse_receiver_address(bad, "--otlp-receiver");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--otlp-receiver"), std::string::npos) << r.error().message;
  }
}

Span vllm_span(const api::TraceParent& parent, std::string request_id) {
  Span s;
  s.trace_id = parent.trace_id;
  s.parent_span_id = parent.parent_id;
  s.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  s.name = "llm_request";
  s.kind = SpanKind::kServer;
  s.start_unix_ns = 1'700'000'000'000'000'000ULL;
  s.end_unix_ns = s.start_unix_ns + 2'000'000'000ULL;
  s.attributes = {{"gen_ai.request.id", std::move(request_id)},
                  {"gen_ai.latency.time_in_queue", 0.010},
                  {"gen_ai.latency.time_to_first_token", 0.050},
                  {"gen_ai.latency.e2e", 0.450},
                  {"gen_ai.latency.time_in_model_prefill", 0.040},
                  {"gen_ai.latency.time_in_model_decode", 0.400},
                  {"gen_ai.usage.prompt_tokens", std::int64_t{12}},
                  {"gen_ai.usage.completion_tokens", std::int64_t{21}},
                  {"flag", true}};
  return s;
}

TEST(OtlpWire, ExportRequestRoundTripsEveryField) {
  const auto parents = api::make_trace_parents(1, "t", 2);
  const std::vector<Span> spans{vllm_span(parents[0], "cmpl-a-0"), vllm_span(parents[1], "cmpl-b-0")};
  const std::string body = encode_export_request(spans, "vllm", "vllm.tracing");
  std::vector<Span> back;
  std::string error;
  ASSERT_TRUE(decode_export_request(body, back, error)) << error;
  ASSERT_EQ(back.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back[i].trace_id, spans[i].trace_id);
    EXPECT_EQ(back[i].span_id, spans[i].span_id);
    EXPECT_EQ(back[i].parent_span_id, spans[i].parent_span_id);
    EXPECT_EQ(back[i].name, "llm_request");
    EXPECT_EQ(back[i].kind, SpanKind::kServer);
    EXPECT_EQ(back[i].start_unix_ns, spans[i].start_unix_ns);
    EXPECT_EQ(back[i].end_unix_ns, spans[i].end_unix_ns);
    ASSERT_EQ(back[i].attributes.size(), spans[i].attributes.size());
    for (std::size_t k = 0; k < spans[i].attributes.size(); ++k) {
      EXPECT_EQ(back[i].attributes[k].key, spans[i].attributes[k].key);
      EXPECT_EQ(back[i].attributes[k].value, spans[i].attributes[k].value);
    }
  }
}

TEST(OtlpWire, MalformedBodiesAreRefusedWithAReason) {
  std::vector<Span> out;
  std::string error;
  EXPECT_FALSE(decode_export_request("\xff\xff\xff garbage", out, error));
  EXPECT_FALSE(error.empty());
  // A span whose trace id is 3 bytes: field 1 (resource_spans) > 2 (scope_spans) > 2 (spans) > 1.
  const std::string bad_id = std::string("\x0a\x09\x12\x07\x12\x05\x0a\x03\x01\x02\x03", 11);
  error.clear();
  EXPECT_FALSE(decode_export_request(bad_id, out, error));
  EXPECT_NE(error.find("16 bytes"), std::string::npos) << error;
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(decode_export_request("", out, error));  // an empty export is valid protobuf
  EXPECT_TRUE(out.empty());
}

// Protobuf refuses a string field that is not UTF-8 and logged why to stderr, a line per
// export: a hostile exporter could fill llmload's output (found by the OTLP receiver's fuzz
// target). The line is now part of the refusal's reason, and stderr stays empty.
TEST(OtlpWire, ProtobufsComplaintGoesIntoTheReasonNotToStderr) {
  auto field = [](char tag, const std::string& bytes) { return std::string(1, tag) + char(bytes.size()) + bytes; };
  const std::string span = field('\x0a', std::string(16, '\x01')) + field('\x12', std::string(8, '\x02')) +
                           field('\x2a', "\xff\xfe");  // name: not UTF-8
  const std::string body = field('\x0a', field('\x12', field('\x12', span)));
  std::vector<Span> out;
  std::string error;
  testing::internal::CaptureStderr();
  const bool ok = decode_export_request(body, out, error);
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(ok);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(logged, "");
  EXPECT_NE(error.find("not a protobuf ExportTraceServiceRequest (protobuf: "), std::string::npos) << error;
  EXPECT_NE(error.find("UTF-8"), std::string::npos) << error;
}

TEST(OtlpHttp, AnswersAsTheProtocolSays) {
  SpanStore store;
  const auto parents = api::make_trace_parents(1, "t", 1);
  const std::vector<Span> spans{vllm_span(parents[0], "x")};
  const std::string body = encode_export_request(spans, "vllm", "s");
  auto ok = answer_http_export("POST", "/v1/traces", "application/x-protobuf", body, store);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, encode_export_response());
  EXPECT_EQ(store.take().size(), 1u);
  EXPECT_EQ(answer_http_export("POST", "/v1/metrics", "application/x-protobuf", body, store).status, 404);
  EXPECT_EQ(answer_http_export("GET", "/v1/traces", "application/x-protobuf", "", store).status, 405);
  EXPECT_EQ(answer_http_export("POST", "/v1/traces", "text/plain", body, store).status, 415);
  const auto bad = answer_http_export("POST", "/v1/traces?x=1", "application/x-protobuf; charset=x", "\xff\xff", store);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.substr(0, 2), std::string("\x08\x03", 2));  // google.rpc.Status code 3
  const auto stats = store.stats();
  EXPECT_EQ(stats.exports, 1);
  EXPECT_EQ(stats.spans, 1);
  EXPECT_EQ(stats.malformed, 2);
}

metrics::RequestRecord record_at(const api::TraceParent& parent, core::Nanos t0) {
  metrics::RequestRecord r;
  r.trace_id = parent.trace_id;
  r.dispatch_ns = t0;
  r.start_ns = t0 + 2'000'000;           // 2 ms client queue
  r.connect_ns = 1'000'000;              // 1 ms connect
  r.sent_ns = r.start_ns + 1'500'000;    // written 0.5 ms after the connect
  r.chunk_ns = {r.start_ns + 53'000'000, r.start_ns + 455'000'000};
  r.end_ns = r.chunk_ns.back();
  return r;
}

TEST(OtlpJoin, PartsOfARequestAddUpToItsClientTimes) {
  const auto parents = api::make_trace_parents(5, "traceparent", 1);
  const auto r = record_at(parents[0], 1'000'000'000);
  const auto parts = request_parts(r, server_timing(vllm_span(parents[0], "")));
  auto at = [&](Part p) { return parts[static_cast<std::size_t>(p)]; };
  EXPECT_NEAR(at(Part::kClientQueue), 2.0, 1e-9);
  EXPECT_NEAR(at(Part::kConnect), 1.0, 1e-9);
  EXPECT_NEAR(at(Part::kRequestWrite), 0.5, 1e-9);
  EXPECT_NEAR(at(Part::kServerQueue), 10.0, 1e-9);
  EXPECT_NEAR(at(Part::kPrefill), 40.0, 1e-9);
  EXPECT_NEAR(at(Part::kFirstTokenWire), 53.0 - 1.5 - 10.0 - 40.0, 1e-9);
  EXPECT_NEAR(at(Part::kDecode), 400.0, 1e-9);
  EXPECT_NEAR(at(Part::kLastChunk), 402.0 - 400.0, 1e-9);
  EXPECT_NEAR(at(Part::kOutsideEngine), 53.0 - 50.0, 1e-9);
  EXPECT_NEAR(at(Part::kServerTtft), 50.0, 1e-9);
  EXPECT_NEAR(at(Part::kServerE2e), 450.0, 1e-9);
}

TEST(OtlpJoin, OlderAttributeNamesAndMissingOnesAreHandled) {
  const auto parents = api::make_trace_parents(5, "traceparent", 1);
  Span s;
  s.trace_id = parents[0].trace_id;
  s.attributes = {{"gen_ai.latency.time_in_queue", std::string("0.25")},
                  {"gen_ai.latency.time_to_first_token", 1.0},
                  {"gen_ai.latency.e2e", std::int64_t{3}},
                  {"gen_ai.usage.input_tokens", std::int64_t{7}},
                  {"gen_ai.usage.output_tokens", 9.0}};
  const auto t = server_timing(s);
  EXPECT_EQ(t.queue_s, 0.25);
  EXPECT_EQ(*t.prompt_tokens, 7);
  EXPECT_EQ(*t.completion_tokens, 9);
  const auto parts = request_parts(record_at(parents[0], 1'000'000'000), t);
  EXPECT_NEAR(parts[static_cast<std::size_t>(Part::kPrefill)], 750.0, 1e-9);  // TTFT − queue
  EXPECT_NEAR(parts[static_cast<std::size_t>(Part::kDecode)], 2000.0, 1e-9);  // e2e − TTFT
  metrics::RequestRecord failed;
  failed.outcome = metrics::Outcome::kHttpStatus;
  const auto none = request_parts(failed, t);
  for (double v : none) EXPECT_TRUE(std::isnan(v));
}

// A hostile exporter's numbers (tools/fuzz/corpus/otlp_receiver/hostile_numbers): a latency
// that is negative, not finite or absurd, or a count beyond 2^53, is not one; before, 1e306 s
// made the prefill part infinite and a count of 1e300 wrapped to INT64_MIN.
TEST(OtlpJoin, NegativeInfiniteAndAbsurdNumbersAreNotTimings) {
  const auto parents = api::make_trace_parents(5, "traceparent", 1);
  Span s;
  s.trace_id = parents[0].trace_id;
  s.attributes = {{"gen_ai.latency.time_in_queue", -1.0},
                  {"gen_ai.latency.time_to_first_token", std::nan("")},
                  {"gen_ai.latency.e2e", std::numeric_limits<double>::infinity()},
                  {"gen_ai.latency.time_in_model_prefill", 1e306},
                  {"gen_ai.latency.time_in_model_decode", std::string("1e400")},
                  {"gen_ai.usage.prompt_tokens", 1e300},
                  {"gen_ai.usage.completion_tokens", std::int64_t{-5}}};
  auto t = server_timing(s);
  EXPECT_FALSE(t.queue_s || t.ttft_s || t.e2e_s || t.prefill_s || t.decode_s);
  EXPECT_FALSE(t.has_latency());
  EXPECT_FALSE(t.prompt_tokens);
  EXPECT_FALSE(t.completion_tokens);
  // The bounds themselves are kept: 10^9 s and 2^53 tokens; zero is a time.
  s.attributes = {{"gen_ai.latency.time_in_queue", 0.0},
                  {"gen_ai.latency.e2e", 1e9},
                  {"gen_ai.usage.prompt_tokens", 9007199254740992.0}};
  t = server_timing(s);
  EXPECT_EQ(t.queue_s, 0.0);
  EXPECT_EQ(t.e2e_s, 1e9);
  EXPECT_EQ(t.prompt_tokens, std::int64_t{9007199254740992});
  const auto parts = request_parts(record_at(parents[0], 1'000'000'000), t);
  for (double v : parts) EXPECT_TRUE(std::isnan(v) || std::isfinite(v));
}

TEST(OtlpJoin, ByTraceIdThenByRequestIdAndEverythingElseIsCounted) {
  const auto parents = api::make_trace_parents(9, "traceparent", 4);
  const auto warmups = api::make_trace_parents(9, "traceparent-warmup", 1);
  std::vector<metrics::RequestRecord> records;
  for (int i = 0; i < 4; ++i) records.push_back(record_at(parents[static_cast<std::size_t>(i)], 1'000'000'000));
  Joiner joiner(records, parents, "bench-", warmups);
  auto other = api::make_trace_parents(99, "x", 3);
  std::vector<Span> spans{vllm_span(parents[0], ""),
                          vllm_span(other[0], "cmpl-bench-1-0"),    // completions: by request id
                          vllm_span(other[1], "chatcmpl-bench-2"),  // chat
                          vllm_span(other[2], "cmpl-someone-else"),
                          vllm_span(warmups[0], ""),
                          vllm_span(parents[0], "")};  // a second span for request 0
  Span no_timing;
  no_timing.trace_id = parents[3].trace_id;
  spans.push_back(no_timing);
  joiner.add(spans);
  EXPECT_FALSE(joiner.all_joined());
  joiner.add(std::vector<Span>{vllm_span(parents[3], "")});
  EXPECT_TRUE(joiner.all_joined());
  const auto b = joiner.finish(2, "http://127.0.0.1:4317");
  EXPECT_EQ(b.requests_sent, 4);
  EXPECT_EQ(b.requests_joined, 4);
  EXPECT_EQ(b.joined_by_trace_id, 2);
  EXPECT_EQ(b.joined_by_request_id, 2);
  EXPECT_EQ(b.spans_received, 8);
  EXPECT_EQ(b.spans_unmatched, 1);
  EXPECT_EQ(b.spans_warmup, 1);
  EXPECT_EQ(b.spans_duplicate, 1);
  EXPECT_EQ(b.spans_without_timing, 1);
  EXPECT_EQ(b.exports_malformed, 2);
  ASSERT_EQ(b.per_request.size(), 4u);
  const auto& queue = b.stats[static_cast<std::size_t>(Part::kServerQueue)];
  EXPECT_EQ(queue.count, 4u);
  EXPECT_NEAR(queue.mean, 10.0, 1e-9);
  EXPECT_NEAR(queue.percentile_or(99, -1), 10.0, 1e-9);
}

TEST(OtlpJoin, NoSpanGivesOneLineNamingTheEndpoint) {
  const auto parents = api::make_trace_parents(9, "traceparent", 2);
  std::vector<metrics::RequestRecord> records{record_at(parents[0], 1), record_at(parents[1], 1)};
  Joiner joiner(records, parents, "", {});
  const auto b = joiner.finish(0, "http://THIS_HOST:4317");
  EXPECT_EQ(no_spans_line(b),
            "0 of 2 requests had a server span: start the server with --otlp-traces-endpoint http://THIS_HOST:4317");
}

}  // namespace
}  // namespace llmload::otlp
