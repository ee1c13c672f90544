// The simulator as a server on a network: requests beyond its context get vLLM's 400 (no
// arithmetic on the raw numbers), idle, slow and half-sent requests are closed in bounded time,
// and a flood of idle connections does not keep /health from answering.
#include "sim_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <memory>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

namespace llmload::sim {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing_support::Started;
using namespace std::chrono_literals;

SimOptions quick_options() {
  SimOptions o;
  o.ttft = 2ms;
  o.itl = 1ms;
  return o;
}

/// Reads until the server closes the connection or `limit` passes; the time it took.
std::chrono::milliseconds time_until_closed(tcp::socket& socket, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  ::timeval tv{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::array<char, 256> buf;
  for (;;) {
    const auto n = ::recv(socket.native_handle(), buf.data(), buf.size(), 0);
    if (n <= 0) break;  // closed (0), reset, or our own receive timeout
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST(SimLimits, MaxTokensBeyondTheContextGets400AsVllmAtOnce) {
  Started s(quick_options());
  for (const char* stream : {"false", "true"}) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = net::fetch(s.base, s.endpoints, "POST", "/v1/completions", {},
                              fmt::format(R"({{"prompt":"hi","max_tokens":500000000000,"stream":{}}})", stream), 10s);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("This model's maximum context length is 32768 tokens. However, you requested "
                           "500000000001 tokens (1 in the messages, 500000000000 in the completion)."),
              std::string::npos)
        << r->body;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }
  const auto near_int64 = net::fetch(s.base, s.endpoints, "POST", "/v1/completions", {},
                                     R"({"prompt":"hi","max_tokens":9223372036854775807})", 10s);
  ASSERT_TRUE(near_int64) << near_int64.error().message;
  EXPECT_EQ(near_int64->status, 400) << near_int64->body;
  const auto fits = net::fetch(s.base, s.endpoints, "POST", "/v1/completions", {},
                               R"({"prompt":"hi","max_tokens":3})", 10s);
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(fits->status, 200) << fits->body;
  const auto health = net::fetch(s.base, s.endpoints, "GET", "/health", {}, {}, 2s);
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health->status, 200);
}

TEST(SimLimits, IdleConnectionIsClosedAfterTheKeepAliveTimeout) {
  SimOptions o = quick_options();
  o.keep_alive_timeout = 200ms;
  Started s(o);
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(s.endpoints.front());
  const auto waited = time_until_closed(socket, 5000ms);
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 3000ms);
}

TEST(SimLimits, HalfSentRequestIsClosedAfterTheReadTimeout) {
  SimOptions o = quick_options();
  o.keep_alive_timeout = 200ms;
  o.request_read_timeout = 700ms;
  Started s(o);
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(s.endpoints.front());
  // Started, so the keep-alive timeout no longer applies; never finished.
  asio::write(socket, asio::buffer(std::string_view("POST /v1/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\n\r\n{")));
  const auto waited = time_until_closed(socket, 5000ms);
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 3000ms);
}

TEST(SimLimits, FloodOfIdleConnectionsIsDroppedAndHealthAnswers) {
  SimOptions o = quick_options();
  o.keep_alive_timeout = 300ms;
  Started s(o);
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<tcp::socket>(ioc));
    idle.back()->connect(s.endpoints.front());
  }
  int closed = 0;
  for (auto& socket : idle) closed += time_until_closed(*socket, 3000ms) < 3000ms ? 1 : 0;
  EXPECT_EQ(closed, 200);
  const auto health = net::fetch(s.base, s.endpoints, "GET", "/health", {}, {}, 2s);
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health->status, 200);
}

TEST(SimLimits, KeptAliveClientReopensAfterTheServerClosedAnIdleConnection) {
  SimOptions o = quick_options();
  o.keep_alive_timeout = 200ms;
  Started s(o);
  net::KeepAliveClient client(s.base, s.endpoints);
  for (int i = 0; i < 2; ++i) {
    const auto r = client.request("GET", "/health", {}, {}, 2000ms);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    std::this_thread::sleep_for(400ms);
  }
  EXPECT_EQ(client.connections_opened(), 2);
}

}  // namespace
}  // namespace llmload::sim
