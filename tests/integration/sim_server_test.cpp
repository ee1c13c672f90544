// The simulated server on loopback, seen through a small Beast client: exact wire format
// (vLLM-shaped SSE, each event in its own HTTP chunk), keep-alive, errors, every fault,
// fixed timing (strict lower bounds, generous upper bounds), many concurrent streams, prompt
// stop, several threads, and the `llmload sim` command.
#include "llmload/app/sim.hpp"
#include "llmload/sim/sim_responses.hpp"
#include "llmload/sim/sim_server.hpp"

#include "llmload/core/clock.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

namespace llmload::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using app::add_sim_options;
using app::run_sim;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr core::Nanos kSimMs = 1'000'000;

// One request and what came back, as the test client saw it.
struct Exchange {
  std::string method = "POST";
  std::string target = "/v1/completions";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  int status = 0;
  std::string content_type;
  std::string allow;
  bool chunked = false;
  std::string response_body;        // non-chunked responses
  std::vector<std::string> chunks;  // chunked responses: each HTTP chunk's payload
  std::vector<core::Nanos> chunk_ns;
  core::Nanos sent_ns = 0;
  core::Nanos end_ns = 0;
  beast::error_code error;
  bool complete = false;
};

// Runs `exchanges` one after another on one keep-alive connection; stops at the first error.
asio::awaitable<void> run_connection(std::uint16_t port, std::vector<Exchange>* exchanges,
                                     std::atomic<int>* first_chunks) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(30s);
  auto [cec] = co_await stream.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kTuple);
  if (cec) {
    if (!exchanges->empty()) exchanges->front().error = cec;
    co_return;
  }
  beast::flat_buffer buffer;
  for (Exchange& ex : *exchanges) {
    http::request<http::string_body> request{http::string_to_verb(ex.method), ex.target, 11};
    request.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : ex.headers) request.set(name, value);
    if (!ex.body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = ex.body;
      request.prepare_payload();
    }
    ex.sent_ns = core::now_ns();
    auto [wec, wn] = co_await http::async_write(stream, request, kTuple);
    if (wec) {
      ex.error = wec;
      co_return;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    std::string current;
    Exchange* out = &ex;
    auto on_chunk = [out, &current, first_chunks](std::uint64_t remain, beast::string_view body,
                                                  beast::error_code&) -> std::size_t {
      current.append(body.data(), body.size());
      if (body.size() == remain) {
        out->chunk_ns.push_back(core::now_ns());
        out->chunks.push_back(std::move(current));
        current.clear();
        if (first_chunks != nullptr && out->chunks.size() == 1) first_chunks->fetch_add(1);
      }
      return body.size();
    };
    parser.on_chunk_body(on_chunk);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (!hec) {
      ex.status = static_cast<int>(parser.get().result_int());
      ex.content_type = std::string(parser.get()[http::field::content_type]);
      ex.allow = std::string(parser.get()[http::field::allow]);
      ex.chunked = parser.chunked();
    }
    if (hec) {
      ex.end_ns = core::now_ns();
      ex.error = hec;
      co_return;
    }
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTuple);
    ex.end_ns = core::now_ns();
    if (rec) {
      ex.error = rec;
      co_return;
    }
    ex.response_body = std::move(parser.get().body());
    ex.complete = true;
    if (!parser.get().keep_alive()) co_return;
  }
}

std::vector<Exchange> run_sequence(std::uint16_t port, std::vector<Exchange> exchanges) {
  asio::io_context ioc;
  asio::co_spawn(ioc, run_connection(port, &exchanges, nullptr), asio::detached);
  ioc.run_for(60s);
  return exchanges;
}

Exchange run_one(std::uint16_t port, Exchange exchange) {
  return run_sequence(port, {std::move(exchange)}).front();
}

// Writes raw bytes and reads until the server closes (or 10 s pass).
std::string raw_exchange(std::uint16_t port, std::string bytes) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(socket, asio::buffer(bytes));
  std::string received;
  std::array<char, 4096> buf;
  auto read_more = [&](auto& self) -> void {
    socket.async_read_some(asio::buffer(buf), [&](beast::error_code ec, std::size_t n) {
      received.append(buf.data(), n);
      if (!ec) self(self);
    });
  };
  read_more(read_more);
  ioc.run_for(10s);
  return received;
}

SimOptions fast_options() {
  SimOptions o;
  o.ttft = 2ms;
  o.itl = 1ms;
  return o;
}

std::string completion_body(int max_tokens, bool stream, bool include_usage = false,
                            std::string prompt = "one two three four five six") {
  std::string s = R"({"model":"llmload-sim","prompt":")" + prompt + R"(","max_tokens":)" +
                  std::to_string(max_tokens) + R"(,"ignore_eos":true,"temperature":0)";
  if (stream) s += R"(,"stream":true)";
  if (include_usage) s += R"(,"stream_options":{"include_usage":true})";
  return s + "}";
}

std::string chat_body(int max_tokens, bool stream) {
  return R"({"model":"llmload-sim","messages":[{"role":"system","content":"be terse"},)"
         R"({"role":"user","content":[{"type":"text","text":"hello there simulator"}]}],)"
         R"("max_completion_tokens":)" +
         std::to_string(max_tokens) + (stream ? R"(,"stream":true})" : "}");
}

Exchange post(std::string target, std::string body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
  Exchange e;
  e.target = std::move(target);
  e.body = std::move(body);
  e.headers = std::move(headers);
  return e;
}

Exchange get(std::string target) {
  Exchange e;
  e.method = "GET";
  e.target = std::move(target);
  return e;
}

// The data of each SSE event, checking that every HTTP chunk holds exactly one event.
std::vector<std::string> event_data(const Exchange& e) {
  std::vector<std::string> out;
  for (const auto& c : e.chunks) {
    EXPECT_EQ(c.substr(0, 6), "data: ") << c;
    EXPECT_GE(c.size(), 8u);
    EXPECT_EQ(c.substr(c.size() - 2), "\n\n") << c;
    const auto data = c.substr(6, c.size() - 8);
    EXPECT_EQ(data.find("\n"), std::string::npos) << c;
    out.push_back(data);
  }
  return out;
}

json::object parse_object(const std::string& s) {
  boost::system::error_code ec;
  auto v = json::parse(s, ec);
  EXPECT_FALSE(ec) << s;
  EXPECT_TRUE(v.is_object()) << s;
  return v.is_object() ? v.as_object() : json::object{};
}

void expect_openai_error(const Exchange& e, int status, const std::string& message_part) {
  EXPECT_EQ(e.status, status);
  EXPECT_EQ(e.content_type, "application/json");
  EXPECT_FALSE(e.chunked);
  const auto o = parse_object(e.response_body);
  ASSERT_TRUE(o.contains("error")) << e.response_body;
  const auto& err = o.at("error").as_object();
  EXPECT_NE(std::string(err.at("message").as_string()).find(message_part), std::string::npos)
      << e.response_body;
  EXPECT_TRUE(err.at("type").is_string());
  EXPECT_TRUE(err.at("param").is_null());
  EXPECT_EQ(err.at("code").as_int64(), status);
}

// ---- streaming ---------------------------------------------------------------------------

TEST(SimServer, StreamingCompletionsAreExact) {
  SimOptions o = fast_options();
  o.ttft = 5ms;
  o.itl = 2ms;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(8, true, true)));
  ASSERT_TRUE(e.complete) << e.error.message();
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.content_type, "text/event-stream; charset=utf-8");
  EXPECT_TRUE(e.chunked);
  const auto data = event_data(e);
  ASSERT_EQ(data.size(), 8u + 2u);  // 8 tokens, usage, [DONE]
  EXPECT_EQ(data.back(), "[DONE]");

  std::string id;
  std::string text;
  std::vector<core::Nanos> stamps;
  for (std::size_t k = 0; k < 8; ++k) {
    const auto chunk = parse_object(data[k]);
    if (k == 0) id = std::string(chunk.at("id").as_string());
    EXPECT_EQ(chunk.at("id").as_string(), id);
    EXPECT_EQ(id.rfind("cmpl-", 0), 0u);
    EXPECT_EQ(chunk.at("object").as_string(), "text_completion");
    EXPECT_EQ(chunk.at("model").as_string(), "llmload-sim");
    EXPECT_GT(chunk.at("created").as_int64(), 1'600'000'000);
    EXPECT_TRUE(chunk.at("usage").is_null());
    const auto& choice = chunk.at("choices").as_array().at(0).as_object();
    EXPECT_EQ(choice.at("index").as_int64(), 0);
    EXPECT_EQ(choice.at("text").as_string(), token_text(static_cast<std::int64_t>(k)));
    text += std::string(choice.at("text").as_string());
    if (k + 1 < 8) {
      EXPECT_TRUE(choice.at("finish_reason").is_null());
    } else {
      EXPECT_EQ(choice.at("finish_reason").as_string(), "length");
    }
    stamps.push_back(chunk.at("llmload_send_ns").as_int64());
    // The stamp is taken before the write and after the deadline, which follows the request.
    EXPECT_LE(stamps.back(), e.chunk_ns[k]);
    EXPECT_GE(stamps.back() - e.sent_ns, 5 * kSimMs + 2 * kSimMs * static_cast<core::Nanos>(k));
    if (k > 0) {
      EXPECT_GT(stamps[k], stamps[k - 1]);
    }
  }
  EXPECT_EQ(text, " the model of and to a in is");

  const auto usage_chunk = parse_object(data[8]);
  EXPECT_EQ(usage_chunk.at("id").as_string(), id);
  EXPECT_TRUE(usage_chunk.at("choices").as_array().empty());
  const auto& usage = usage_chunk.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 6);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 8);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 14);
  // The usage chunk goes out in the same write as the last token.
  EXPECT_EQ(usage_chunk.at("llmload_send_ns").as_int64(), stamps.back());
  EXPECT_EQ(server.stats().chunks, 8u);
  EXPECT_EQ(server.stats().requests, 1u);
}

TEST(SimServer, StreamingWithoutUsageOrStampEndsWithDone) {
  SimOptions o = fast_options();
  o.stamp_send_time = false;
  o.default_max_tokens = 3;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", R"({"prompt":"x","stream":true})"));
  ASSERT_TRUE(e.complete) << e.error.message();
  const auto data = event_data(e);
  ASSERT_EQ(data.size(), 4u);
  for (int k = 0; k < 3; ++k) EXPECT_FALSE(parse_object(data[k]).contains("llmload_send_ns"));
  EXPECT_EQ(data[3], "[DONE]");
}

TEST(SimServer, ChatStreamOpensWithTheRoleChunkThenContent) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/chat/completions", chat_body(4, true)));
  ASSERT_TRUE(e.complete) << e.error.message();
  const auto data = event_data(e);
  ASSERT_EQ(data.size(), 1u + 4u + 1u);  // role, 4 tokens, [DONE]
  const auto role = parse_object(data[0]);
  EXPECT_EQ(role.at("object").as_string(), "chat.completion.chunk");
  EXPECT_EQ(std::string(role.at("id").as_string()).rfind("chatcmpl-", 0), 0u);
  const auto& role_choice = role.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(role_choice.at("delta").as_object().at("role").as_string(), "assistant");
  EXPECT_EQ(role_choice.at("delta").as_object().at("content").as_string(), "");
  EXPECT_TRUE(role_choice.at("finish_reason").is_null());
  for (int k = 0; k < 4; ++k) {
    const auto chunk = parse_object(data[1 + k]);
    const auto& choice = chunk.at("choices").as_array().at(0).as_object();
    EXPECT_FALSE(choice.at("delta").as_object().contains("role"));
    EXPECT_EQ(choice.at("delta").as_object().at("content").as_string(), token_text(k));
    EXPECT_EQ(choice.at("finish_reason").is_null(), k < 3);
  }
  // The role chunk and the first content chunk leave in one write at TTFT.
  EXPECT_EQ(role.at("llmload_send_ns").as_int64(),
            parse_object(data[1]).at("llmload_send_ns").as_int64());
  EXPECT_EQ(data.back(), "[DONE]");
}

TEST(SimServer, ResponsesStreamIsCreatedThenTextDeltasThenCompletedWithUsage) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const std::string body = R"({"model":"llmload-sim","input":[{"role":"user","content":[)"
                           R"({"type":"input_text","text":"hello there simulator"}]}],"max_output_tokens":4,"stream":true})";
  const auto e = run_one(server.port(), post("/v1/responses", body));
  ASSERT_TRUE(e.complete) << e.error.message();
  EXPECT_EQ(e.status, 200);
  const auto data = event_data(e);
  ASSERT_EQ(data.size(), 1u + 4u + 1u);  // created, 4 deltas, completed; no [DONE]
  const auto created = parse_object(data[0]);
  EXPECT_EQ(created.at("type").as_string(), "response.created");
  EXPECT_EQ(created.at("sequence_number").as_int64(), 0);
  const auto& response = created.at("response").as_object();
  EXPECT_EQ(std::string(response.at("id").as_string()).rfind("resp_", 0), 0u);
  EXPECT_EQ(response.at("status").as_string(), "in_progress");
  EXPECT_TRUE(response.at("usage").is_null());
  for (int k = 0; k < 4; ++k) {
    const auto delta = parse_object(data[1 + k]);
    EXPECT_EQ(delta.at("type").as_string(), "response.output_text.delta");
    EXPECT_EQ(delta.at("delta").as_string(), token_text(k));
    EXPECT_EQ(delta.at("sequence_number").as_int64(), k + 1);
  }
  const auto completed = parse_object(data[5]);
  EXPECT_EQ(completed.at("type").as_string(), "response.completed");
  EXPECT_EQ(completed.at("response").at("status").as_string(), "completed");
  const auto& usage = completed.at("response").at("usage").as_object();
  EXPECT_EQ(usage.at("input_tokens").as_int64(), 3);  // the simulator counts words
  EXPECT_EQ(usage.at("output_tokens").as_int64(), 4);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 7);
}

TEST(SimServer, ResponsesRefusesANonStreamedRequestAndAnErrorFaultIsTheErrorEvent) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto whole = run_one(server.port(), post("/v1/responses", R"({"input":"hi","stream":false})"));
  ASSERT_TRUE(whole.complete);
  EXPECT_EQ(whole.status, 400);
  EXPECT_NE(whole.response_body.find("only as a stream"), std::string::npos) << whole.response_body;
  const auto failed = run_one(server.port(), post("/v1/responses", R"({"input":"hi","max_output_tokens":5,"stream":true})",
                                                  {{"x-llmload-fault", "error-after=2"}}));
  ASSERT_TRUE(failed.complete);
  const auto data = event_data(failed);
  ASSERT_EQ(data.size(), 4u);  // created, 2 deltas, the error event
  EXPECT_EQ(parse_object(data[3]).at("type").as_string(), "error");
  EXPECT_EQ(parse_object(data[3]).at("message").as_string(), "simulated failure");
}

TEST(SimServer, ChatUsageCountsTheWordsOfAllTextParts) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  std::string body = chat_body(2, true);
  body.insert(body.size() - 1, R"(,"stream_options":{"include_usage":true,"continuous_usage_stats":true})");
  const auto e = run_one(server.port(), post("/v1/chat/completions", body));
  ASSERT_TRUE(e.complete);
  const auto data = event_data(e);
  ASSERT_EQ(data.size(), 1u + 2u + 2u);
  // "be terse" + "hello there simulator" = 5 words.
  for (int i = 0; i < 4; ++i) {
    const auto usage = parse_object(data[i]).at("usage").as_object();
    EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 5);
    EXPECT_EQ(usage.at("completion_tokens").as_int64(), std::min(i, 2));
  }
}

// ---- non-streaming, keep-alive, other endpoints, errors ----------------------------------

TEST(SimServer, NonStreamingBothFlavours) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto c = run_one(server.port(), post("/v1/completions", completion_body(3, false)));
  ASSERT_TRUE(c.complete);
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.content_type, "application/json");
  EXPECT_FALSE(c.chunked);
  auto o = parse_object(c.response_body);
  EXPECT_EQ(o.at("object").as_string(), "text_completion");
  EXPECT_EQ(o.at("choices").as_array().at(0).at("text").as_string(), " the model of");
  EXPECT_EQ(o.at("choices").as_array().at(0).at("finish_reason").as_string(), "length");
  EXPECT_EQ(o.at("usage").at("prompt_tokens").as_int64(), 6);
  EXPECT_EQ(o.at("usage").at("completion_tokens").as_int64(), 3);
  EXPECT_EQ(o.at("usage").at("total_tokens").as_int64(), 9);
  // TTFT + 2 gaps after the request at the least.
  EXPECT_GE(c.end_ns - c.sent_ns, 4 * kSimMs);

  const auto chat = run_one(server.port(), post("/v1/chat/completions", chat_body(2, false)));
  ASSERT_TRUE(chat.complete);
  o = parse_object(chat.response_body);
  EXPECT_EQ(o.at("object").as_string(), "chat.completion");
  EXPECT_EQ(o.at("choices").as_array().at(0).at("message").at("role").as_string(), "assistant");
  EXPECT_EQ(o.at("choices").as_array().at(0).at("message").at("content").as_string(), " the model");
  EXPECT_EQ(o.at("usage").at("prompt_tokens").as_int64(), 5);
}

TEST(SimServer, RerankAndScoreRoutesAnswerVllmsShapes) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  for (const std::string path : {"/rerank", "/v1/rerank", "/v2/rerank"}) {
    const auto r = run_one(server.port(), post(path, R"({"query":"a b","documents":["c","d e"]})"));
    ASSERT_TRUE(r.complete) << path;
    EXPECT_EQ(r.status, 200) << path << r.response_body;
    const auto o = parse_object(r.response_body);
    EXPECT_EQ(o.at("results").as_array().size(), 2u) << path;
    EXPECT_EQ(o.at("usage").at("prompt_tokens").as_int64(), (2 + 1 + 1) + (2 + 1 + 2)) << path;
    EXPECT_TRUE(std::string(o.at("id").as_string()).starts_with("rerank-")) << path;
  }
  for (const std::string path : {"/score", "/v1/score"}) {
    const auto r = run_one(server.port(), post(path, R"({"text_1":"a","text_2":["b","c"]})"));
    ASSERT_TRUE(r.complete) << path;
    EXPECT_EQ(r.status, 200) << path << r.response_body;
    const auto o = parse_object(r.response_body);
    EXPECT_EQ(o.at("data").as_array().size(), 2u) << path;
    EXPECT_EQ(o.at("data").at(0).at("object").as_string(), "score") << path;
  }
  const auto bad = run_one(server.port(), post("/v1/rerank", R"({"query":"a"})"));
  EXPECT_EQ(bad.status, 400) << bad.response_body;
}

TEST(SimServer, KeepAliveCarriesSequentialRequestsOnOneConnection) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto ex = run_sequence(server.port(),
                               {post("/v1/completions", completion_body(3, true, true)),
                                post("/v1/chat/completions", chat_body(2, false)),
                                get("/v1/models")});
  ASSERT_EQ(ex.size(), 3u);
  for (const auto& e : ex) {
    EXPECT_TRUE(e.complete) << e.target << ": " << e.error.message();
    EXPECT_EQ(e.status, 200) << e.target;
  }
  EXPECT_EQ(event_data(ex[0]).size(), 5u);
  EXPECT_EQ(server.stats().requests, 3u);
}

TEST(SimServer, PipelinedRequestsAreAnsweredInOrder) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const std::string one = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string two = "GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const auto received = raw_exchange(server.port(), one + two);
  const auto first = received.find("HTTP/1.1 200 OK\r\n");
  const auto second = received.find("HTTP/1.1 200 OK\r\n", first + 1);
  ASSERT_NE(first, std::string::npos) << received;
  ASSERT_NE(second, std::string::npos) << received;
  EXPECT_NE(received.find("Connection: close", second), std::string::npos);
  EXPECT_NE(received.find("\"object\":\"list\"", second), std::string::npos);
}

TEST(SimServer, ModelsAndHealth) {
  SimOptions o = fast_options();
  o.model = "org/Some-Model-7B";
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto ex = run_sequence(server.port(), {get("/v1/models"), get("/health")});
  ASSERT_TRUE(ex[0].complete);
  const auto models = parse_object(ex[0].response_body);
  EXPECT_EQ(models.at("object").as_string(), "list");
  const auto& m = models.at("data").as_array().at(0).as_object();
  EXPECT_EQ(m.at("id").as_string(), "org/Some-Model-7B");
  EXPECT_EQ(m.at("object").as_string(), "model");
  EXPECT_EQ(m.at("owned_by").as_string(), "llmload");
  EXPECT_EQ(m.at("root").as_string(), "org/Some-Model-7B");
  EXPECT_TRUE(m.at("parent").is_null());
  EXPECT_EQ(m.at("max_model_len").as_int64(), 32768);
  ASSERT_TRUE(ex[1].complete);
  EXPECT_EQ(ex[1].status, 200);
  EXPECT_TRUE(ex[1].response_body.empty());
}

TEST(SimServer, ErrorsAreOpenAiBodiesAndKeepTheConnection) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  Exchange wrong_method = get("/v1/completions");
  Exchange post_models = post("/v1/models", "{}");
  const auto ex = run_sequence(
      server.port(),
      {get("/v1/nothing"), wrong_method, post_models, post("/v1/completions", R"({"prompt": )"),
       post("/v1/completions", R"({"model":"gpt-4o","prompt":"a"})"),
       post("/v1/chat/completions", R"({"messages":[],"stream":true})"),
       post("/v1/completions", completion_body(2, false))});
  ASSERT_EQ(ex.size(), 7u);
  for (const auto& e : ex) ASSERT_TRUE(e.complete) << e.target << ": " << e.error.message();
  expect_openai_error(ex[0], 404, "/v1/nothing");
  expect_openai_error(ex[1], 405, "Method Not Allowed");
  EXPECT_EQ(ex[1].allow, "POST");
  expect_openai_error(ex[2], 405, "Method Not Allowed");
  EXPECT_EQ(ex[2].allow, "GET");
  expect_openai_error(ex[3], 400, "not valid JSON");
  expect_openai_error(ex[4], 404, "The model `gpt-4o` does not exist.");
  expect_openai_error(ex[5], 400, "'messages'");
  EXPECT_EQ(ex[6].status, 200);
}

TEST(SimServer, MalformedHttpGets400AndTheConnectionCloses) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto received = raw_exchange(server.port(), "NOT AN HTTP REQUEST\r\n\r\n");
  EXPECT_EQ(received.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("Connection: close"), std::string::npos);
}

TEST(SimServer, OversizedBodyGets413) {
  SimOptions o = fast_options();
  o.max_body_bytes = 100;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(2, false, false,
                                                                                 std::string(200, 'a'))));
  EXPECT_EQ(e.status, 413);
}

// ---- faults ------------------------------------------------------------------------------

TEST(SimFaults, StatusAnswersAtOnceWithAnErrorBody) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(4, true),
                                             {{"x-llmload-fault", "status=503"}}));
  ASSERT_TRUE(e.complete);
  expect_openai_error(e, 503, "Simulated HTTP 503");
  EXPECT_EQ(server.stats().chunks, 0u);
}

TEST(SimFaults, ResetAfterClosesWithRstAfterKChunks) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(6, true),
                                             {{"x-llmload-fault", "reset-after=2"}}));
  EXPECT_FALSE(e.complete);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.error, asio::error::connection_reset) << e.error.message();
  const auto data = event_data(e);
  ASSERT_EQ(data.size(), 2u);
  for (const auto& d : data) parse_object(d);
}

TEST(SimFaults, ResetAfterOnANonStreamingRequestDropsTheResponse) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(3, false),
                                             {{"x-llmload-fault", "reset-after=0"}}));
  EXPECT_FALSE(e.complete);
  EXPECT_EQ(e.error, asio::error::connection_reset) << e.error.message();
}

TEST(SimFaults, MalformedAfterSendsBrokenJsonThenCarriesOn) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto ex = run_sequence(
      server.port(), {post("/v1/completions", completion_body(4, true, true),
                           {{"x-llmload-fault", "malformed-after=1"}}),
                      post("/v1/completions", completion_body(2, true),
                           {{"x-llmload-fault", "malformed-after=9"}})});
  ASSERT_TRUE(ex[0].complete);
  auto data = event_data(ex[0]);
  ASSERT_EQ(data.size(), 4u + 1u + 2u);
  EXPECT_EQ(data[1], R"({"choices": [)");
  for (std::size_t i : {0u, 2u, 3u, 4u, 5u}) parse_object(data[i]);
  EXPECT_EQ(data.back(), "[DONE]");
  // k beyond the stream: after the last token, before [DONE].
  ASSERT_TRUE(ex[1].complete);
  data = event_data(ex[1]);
  ASSERT_EQ(data.size(), 4u);
  EXPECT_EQ(data[2], R"({"choices": [)");
}

TEST(SimFaults, ErrorAfterSendsAnErrorEventThenDoneAndKeepsTheConnection) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto ex = run_sequence(server.port(),
                               {post("/v1/completions", completion_body(6, true, true),
                                     {{"x-llmload-fault", "error-after=2"}}),
                                post("/v1/completions", completion_body(2, true))});
  ASSERT_TRUE(ex[0].complete);
  const auto data = event_data(ex[0]);
  ASSERT_EQ(data.size(), 4u);
  parse_object(data[0]);
  parse_object(data[1]);
  EXPECT_EQ(data[2], R"({"error":{"message":"simulated failure","type":"internal_error","param":null,"code":500}})");
  EXPECT_EQ(data[3], "[DONE]");
  ASSERT_TRUE(ex[1].complete);
  EXPECT_EQ(event_data(ex[1]).size(), 3u);
  EXPECT_EQ(server.stats().chunks, 4u);
}

TEST(SimFaults, NoDoneLeavesOutOnlyTheDoneEvent) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto ex = run_sequence(server.port(),
                               {post("/v1/chat/completions", chat_body(3, true),
                                     {{"x-llmload-fault", "no-done"}}),
                                get("/health")});
  ASSERT_TRUE(ex[0].complete);
  const auto data = event_data(ex[0]);
  ASSERT_EQ(data.size(), 4u);  // role + 3 tokens
  for (const auto& d : data) parse_object(d);
  ASSERT_TRUE(ex[1].complete);
}

TEST(SimFaults, UnknownSpecIs400NamingIt) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(2, true),
                                             {{"x-llmload-fault", "no-done, stall=5"}}));
  ASSERT_TRUE(e.complete);
  expect_openai_error(e, 400, "'stall=5'");
}

// ---- timing and scale --------------------------------------------------------------------

TEST(SimServer, FixedTimingIsNeverEarly) {
  SimOptions o;
  o.ttft = 50ms;
  o.itl = 20ms;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(5, true)));
  ASSERT_TRUE(e.complete);
  ASSERT_EQ(e.chunk_ns.size(), 6u);  // 5 tokens + [DONE] (same write as the last token)
  const core::Nanos first = e.chunk_ns.front() - e.sent_ns;
  const core::Nanos last = e.chunk_ns[4] - e.sent_ns;
  EXPECT_GE(first, 50 * kSimMs);
  EXPECT_LT(first, 550 * kSimMs);
  EXPECT_GE(last, 130 * kSimMs);
  EXPECT_LT(last, 630 * kSimMs);
  for (std::size_t k = 1; k < 5; ++k) {
    EXPECT_GE(e.chunk_ns[k] - e.sent_ns, 50 * kSimMs + 20 * kSimMs * static_cast<core::Nanos>(k));
  }
}

// Runs each exchange on its own connection, all at once.
std::vector<std::vector<Exchange>> run_concurrent(std::uint16_t port, std::size_t n, Exchange e) {
  std::vector<std::vector<Exchange>> all(n, std::vector<Exchange>{e});
  asio::io_context ioc;
  for (auto& one : all) asio::co_spawn(ioc, run_connection(port, &one, nullptr), asio::detached);
  ioc.run_for(120s);
  return all;
}

TEST(SimServer, TwoHundredConcurrentStreamsAreExact) {
  SimOptions o;
  o.ttft = 20ms;
  o.itl = 5ms;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto all = run_concurrent(server.port(), 200, post("/v1/completions", completion_body(20, true, true)));
  for (const auto& one : all) {
    const auto& e = one.front();
    ASSERT_TRUE(e.complete) << e.error.message();
    const auto data = event_data(e);
    ASSERT_EQ(data.size(), 22u);
    EXPECT_EQ(parse_object(data[20]).at("usage").at("completion_tokens").as_int64(), 20);
    EXPECT_GE(e.chunk_ns.front() - e.sent_ns, 20 * kSimMs);
  }
  EXPECT_EQ(server.stats().requests, 200u);
  EXPECT_EQ(server.stats().chunks, 200u * 20u);
}

TEST(SimServer, TwoThreadsServeManyConnections) {
  SimOptions o = fast_options();
  o.threads = 2;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto all = run_concurrent(server.port(), 50, post("/v1/chat/completions", chat_body(10, true)));
  for (const auto& one : all) {
    ASSERT_TRUE(one.front().complete) << one.front().error.message();
    EXPECT_EQ(event_data(one.front()).size(), 12u);
  }
  EXPECT_EQ(server.stats().chunks, 500u);
}

// Exact mode's pacer sends without blocking: a client that stops reading fills its socket
// (the rest of that chunk then goes out asynchronously, and pacing resumes after it), and a
// client that goes away mid-stream is noticed at the next write while others are served.
TEST(SimServer, PacedStreamsOutlastAFullSocketAndAVanishedClient) {
  SimOptions o;
  o.ttft = 0ms;
  o.itl = 0ms;  // every chunk is due at once: ~20 MB for 80000 tokens, more than a socket holds
  o.engine.max_model_len = 2000000;  // 80000 and 1000000 tokens fit in the context
  SimServer server(o);
  ASSERT_TRUE(server.start());
  const auto endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  const auto request = [](const std::string& body) {
    return "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  asio::io_context ioc;
  {
    tcp::socket slow(ioc);
    slow.connect(endpoint);
    asio::write(slow, asio::buffer(request(completion_body(80000, true))));
    std::this_thread::sleep_for(300ms);  // not reading: the server's sends hit a full socket
    std::string received;
    boost::system::error_code ec;
    std::array<char, 1 << 16> buf;
    while (!ec) received.append(buf.data(), slow.read_some(asio::buffer(buf), ec));
    std::size_t tokens = 0;
    core::Nanos last_stamp = 0;
    bool ordered = true;
    for (auto at = received.find("\"llmload_send_ns\":"); at != std::string::npos;
         at = received.find("\"llmload_send_ns\":", at + 1)) {
      const core::Nanos stamp = std::atoll(received.c_str() + at + 18);
      ordered = ordered && stamp >= last_stamp;
      last_stamp = stamp;
      ++tokens;
    }
    EXPECT_EQ(tokens, 80000u);
    EXPECT_TRUE(ordered);
    const std::string tail = "data: [DONE]\n\n\r\n0\r\n\r\n";
    ASSERT_GT(received.size(), tail.size());
    EXPECT_EQ(received.substr(received.size() - tail.size()), tail);
    EXPECT_EQ(server.stats().chunks, 80000u);
  }
  {
    tcp::socket gone(ioc);
    gone.connect(endpoint);
    asio::write(gone, asio::buffer(request(completion_body(1000000, true))));
    std::array<char, 4096> buf;
    (void)asio::read(gone, asio::buffer(buf));
    gone.set_option(asio::socket_base::linger(true, 0));
    gone.close();
  }
  const auto e = run_one(server.port(), post("/v1/completions", completion_body(3, true)));
  ASSERT_TRUE(e.complete) << e.error.message();
  EXPECT_EQ(event_data(e).size(), 4u);
  const auto chunks = server.stats().chunks;
  std::this_thread::sleep_for(50ms);  // the vanished client's stream has ended: nothing more is sent
  EXPECT_EQ(server.stats().chunks, chunks);
}

TEST(SimServer, StopWithStreamsInFlightIsPrompt) {
  SimOptions o;
  o.ttft = 1ms;
  o.itl = 20ms;
  o.threads = 2;
  SimServer server(o);
  ASSERT_TRUE(server.start());
  constexpr int kStreams = 20;
  std::vector<std::vector<Exchange>> all(
      kStreams, std::vector<Exchange>{post("/v1/completions", completion_body(1000, true))});
  std::atomic<int> started{0};
  asio::io_context ioc;
  for (auto& one : all) asio::co_spawn(ioc, run_connection(server.port(), &one, &started), asio::detached);
  std::thread client([&ioc] { ioc.run_for(60s); });
  for (int i = 0; i < 1000 && started.load() < kStreams; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(started.load(), kStreams);

  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 2s);
  server.stop();  // idempotent
  client.join();  // every stream ends once its connection is gone
  for (const auto& one : all) {
    EXPECT_FALSE(one.front().complete);
    EXPECT_LT(one.front().chunks.size(), 1000u);
  }
}

// ---- start, addresses, the command -------------------------------------------------------

TEST(SimServer, StartFailsOnABusyPortNamingIt) {
  asio::io_context ioc;
  tcp::acceptor busy(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = busy.local_endpoint().port();
  SimOptions o;
  o.port = port;
  SimServer server(o);
  const auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << started.error().message;
  EXPECT_NE(started.error().message.find("in use"), std::string::npos) << started.error().message;
  server.stop();
}

TEST(SimServer, StopBeforeStartAndBadOptions) {
  {
    SimServer never(SimOptions{});
    never.stop();
  }
  SimOptions o;
  o.threads = 0;
  SimServer zero(o);
  EXPECT_FALSE(zero.start());
  SimOptions bad_host;
  bad_host.host = "no-such-host.invalid";
  SimServer unresolved(bad_host);
  const auto r = unresolved.start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no-such-host.invalid"), std::string::npos);
}

TEST(SimServer, BaseUrlNamesTheBoundPort) {
  SimServer server(fast_options());
  ASSERT_TRUE(server.start());
  EXPECT_NE(server.port(), 0);
  EXPECT_EQ(server.base_url(), "http://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_FALSE(server.start());  // once only

  SimOptions v6 = fast_options();
  v6.host = "::1";
  SimServer server6(v6);
  if (!server6.start()) GTEST_SKIP() << "no IPv6 loopback here";
  EXPECT_EQ(server6.base_url(), "http://[::1]:" + std::to_string(server6.port()));
}

std::uint16_t free_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

TEST(SimCommand, ServesUntilSigtermThenReturnsZero) {
  SimOptions o;
  o.port = free_port();
  o.ttft = 7ms;
  o.itl = std::chrono::microseconds(2500);
  o.model = "m1";
  testing::internal::CaptureStdout();
  int rc = -1;
  std::thread sim([&] { rc = run_sim(o); });
  bool up = false;
  for (int i = 0; i < 500 && !up; ++i) {
    const auto e = run_one(o.port, get("/health"));
    up = e.complete && e.status == 200;
    if (!up) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(up);
  ::kill(::getpid(), SIGTERM);
  sim.join();
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(printed, "llmload sim: serving model 'm1' at http://127.0.0.1:" + std::to_string(o.port) +
                         " (fixed timing: TTFT 7 ms, ITL 2.5 ms)\n");
}

TEST(SimCommand, FlagsFillTheOptions) {
  SimOptions o;
  CLI::App app;
  add_sim_options(app, o);
  app.parse("--host 0.0.0.0 --port 8001 --threads 3 --model m --ttft-ms 12.5 --itl-ms 0.25 "
            "--default-max-tokens 9 --no-send-stamp --no-batch-writes",
            false);
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 8001);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.model, "m");
  EXPECT_EQ(o.ttft, std::chrono::microseconds(12500));
  EXPECT_EQ(o.itl, std::chrono::microseconds(250));
  EXPECT_EQ(o.default_max_tokens, 9);
  EXPECT_FALSE(o.stamp_send_time);
  EXPECT_FALSE(o.batch_writes);

  SimOptions defaults;
  CLI::App plain;
  add_sim_options(plain, defaults);
  plain.parse("", false);
  EXPECT_EQ(defaults.ttft, std::chrono::milliseconds(50));
  EXPECT_TRUE(defaults.stamp_send_time);
  for (const char* bad : {"--threads 0", "--ttft-ms -1", "--port 70000", "--default-max-tokens 0"}) {
    SimOptions x;
    CLI::App a;
    add_sim_options(a, x);
    EXPECT_THROW(a.parse(bad, false), CLI::ParseError) << bad;
  }
}

TEST(SimCommand, BusyPortIsAMessageAndExitCodeOne) {
  asio::io_context ioc;
  tcp::acceptor busy(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  SimOptions o;
  o.port = busy.local_endpoint().port();
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_sim(o), 1);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.rfind("llmload sim: error: cannot listen on 127.0.0.1:", 0), 0u) << err;
}

}  // namespace
}  // namespace llmload::sim
