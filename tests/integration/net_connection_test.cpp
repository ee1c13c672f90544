// net::open_socket and net::async_connect on loopback: a socket opened ahead (before the
// benchmark clock, as the runner does for its first requests) connects with TCP_NODELAY kept;
// one opened by the connect itself has it too; with several addresses each is tried in turn.
#include "llmload/net/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace llmload::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Runs net::async_connect to completion on `io`; the error it gave.
boost::system::error_code connect(asio::io_context& io, Connection& connection, const std::vector<tcp::endpoint>& endpoints) {
  std::optional<boost::system::error_code> result;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { result = co_await async_connect(connection, endpoints); },
                 asio::detached);
  io.run_for(std::chrono::seconds(5));
  io.restart();
  EXPECT_TRUE(result.has_value()) << "the connect did not complete";
  return result.value_or(asio::error::timed_out);
}

bool no_delay(Connection& connection) {
  tcp::no_delay option;
  connection.socket().get_option(option);
  return option.value();
}

/// A loopback port with nothing listening.
tcp::endpoint refusing_endpoint(asio::io_context& io) {
  tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto at = probe.local_endpoint();
  probe.close();
  return at;
}

TEST(NetConnection, ASocketOpenedAheadConnectsWithNoDelayKept) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  Connection connection(io.get_executor());
  ASSERT_FALSE(open_socket(connection, acceptor.local_endpoint()));
  ASSERT_TRUE(connection.socket().is_open());
  EXPECT_TRUE(no_delay(connection));
  EXPECT_TRUE(connection.socket().native_non_blocking());  // Asio's own setting, done ahead
  boost::system::error_code not_connected;
  connection.socket().remote_endpoint(not_connected);
  EXPECT_TRUE(not_connected);  // opened, not connected: nothing went on the network yet
  const auto native = connection.socket().native_handle();
  ASSERT_FALSE(connect(io, connection, {acceptor.local_endpoint()}));
  EXPECT_EQ(connection.socket().native_handle(), native);  // the same socket, not a new one
  EXPECT_EQ(connection.socket().remote_endpoint(), acceptor.local_endpoint());
  EXPECT_TRUE(no_delay(connection));
}

TEST(NetConnection, WithoutOpeningAheadTheConnectOpensTheSocketWithNoDelay) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  Connection connection(io.get_executor());
  ASSERT_FALSE(connect(io, connection, {acceptor.local_endpoint()}));
  EXPECT_EQ(connection.socket().remote_endpoint(), acceptor.local_endpoint());
  EXPECT_TRUE(no_delay(connection));
}

TEST(NetConnection, ARefusedConnectIsAnErrorNotAThrow) {
  asio::io_context io;
  const auto nobody = refusing_endpoint(io);
  Connection ahead(io.get_executor());
  ASSERT_FALSE(open_socket(ahead, nobody));
  EXPECT_EQ(connect(io, ahead, {nobody}), asio::error::connection_refused);
  Connection plain(io.get_executor());
  EXPECT_EQ(connect(io, plain, {nobody}), asio::error::connection_refused);
}

TEST(NetConnection, SeveralAddressesAreTriedInTurn) {
  asio::io_context io;
  const auto nobody = refusing_endpoint(io);
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  Connection connection(io.get_executor());
  ASSERT_FALSE(connect(io, connection, {nobody, acceptor.local_endpoint()}));
  EXPECT_EQ(connection.socket().remote_endpoint(), acceptor.local_endpoint());
  EXPECT_TRUE(no_delay(connection));
}

}  // namespace
}  // namespace llmload::net
