// The control-request clients against real sockets on loopback: fetch() and KeepAliveClient
// (one connection for many requests, a fresh one when the server closed it, the deadline).
#include "llmload/net/simple_client.hpp"

#include "llmload/net/connection.hpp"
#include "llmload/sim/sim_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace llmload::net {
namespace {

using namespace std::chrono_literals;

struct Sim {
  explicit Sim(std::uint16_t port = 0) {
    sim::SimOptions options;
    options.port = port;
    server = std::make_unique<sim::SimServer>(options);
    auto started = server->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    base = parse_url(server->base_url()).value();
    endpoints = resolve(base.host, base.port).value();
  }
  std::unique_ptr<sim::SimServer> server;
  Url base;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
};

std::int64_t count_of(const SimpleResponse& r) { return boost::json::parse(r.body).at("count").as_int64(); }

TEST(KeepAliveClient, ManyRequestsShareOneConnection) {
  Sim sim;
  KeepAliveClient client(sim.base, sim.endpoints);
  std::string prompt;
  for (int i = 1; i <= 50; ++i) {
    prompt += " w";
    const auto r = client.request("POST", "/tokenize", {}, R"({"prompt":")" + prompt + R"("})", 10s);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(count_of(*r), i);
  }
  EXPECT_EQ(client.connections_opened(), 1);
  EXPECT_EQ(sim.server->stats().requests, 50u);
  // fetch() still opens (and closes) a connection per call.
  const auto once = fetch(sim.base, sim.endpoints, "GET", "/health", {}, {}, 10s);
  ASSERT_TRUE(once) << once.error().message;
  EXPECT_EQ(once->status, 200);
}

TEST(KeepAliveClient, AConnectionTheServerClosedIsReplacedOnce) {
  std::uint16_t port = 0;
  KeepAliveClient* client = nullptr;
  std::unique_ptr<KeepAliveClient> owned;
  {
    Sim first;
    port = first.base.port;
    owned = std::make_unique<KeepAliveClient>(first.base, first.endpoints);
    client = owned.get();
    ASSERT_TRUE(client->request("GET", "/health", {}, {}, 10s));
    first.server->stop();  // closes the kept-alive connection
  }
  Sim second(port);  // a new server on the same port
  const auto r = client->request("POST", "/tokenize", {}, R"({"prompt":"a b c"})", 10s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(count_of(*r), 3);
  EXPECT_EQ(client->connections_opened(), 2);
  EXPECT_EQ(second.server->stats().requests, 1u);
}

TEST(KeepAliveClient, ASilentServerTimesOutAndNoServerIsAnError) {
  // A listener that never accepts: the kernel completes the handshake, nobody answers.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const Url base = parse_url("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port())).value();
  KeepAliveClient client(base, resolve(base.host, base.port).value());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = client.request("GET", "/health", {}, {}, 200ms);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("timed out waiting for the response"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(base.to_string()), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  silent.close();
  const auto refused = client.request("GET", "/health", {}, {}, 2s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.find("timed out"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace llmload::net
