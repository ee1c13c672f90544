#include "llmload/net/connection.hpp"

#include "llmload/net/await.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace llmload::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool Connection::idle_alive() {
  auto& socket = stream_.socket();
  if (!socket.is_open() || buffer_.size() != 0) return false;
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // -1 with EAGAIN: nothing pending and still open. 0: the peer closed. >0: stray bytes.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() noexcept {
  boost::system::error_code ignored;
  auto& socket = stream_.socket();
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

std::unique_ptr<Connection> ConnectionPool::take() {
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->idle_alive()) return connection;
    connection->close();
  }
  return nullptr;
}

void ConnectionPool::put(std::unique_ptr<Connection> connection) {
  idle_.push_back(std::move(connection));
}

void ConnectionPool::clear() noexcept {
  for (auto& c : idle_) c->close();
  idle_.clear();
}

boost::system::error_code open_socket(Connection& connection, const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto& socket = connection.socket();
  socket.open(endpoint.protocol(), ec);
  if (!ec) socket.set_option(tcp::no_delay(true), ec);
  // The non-blocking mode Asio would set on the first operation (an ioctl on the clock).
  if (!ec) socket.native_non_blocking(true, ec);
  return ec;
}

asio::awaitable<boost::system::error_code> async_connect(Connection& connection,
                                                         std::span<const tcp::endpoint> endpoints) {
  auto& socket = connection.socket();
  if (endpoints.size() == 1) {
    if (!socket.is_open()) {
      if (const auto ec = open_socket(connection, endpoints.front())) co_return ec;
    }
    const auto [ec] = co_await socket.async_connect(endpoints.front(), kTuple);
    co_return ec;
  }
  // Several addresses: Asio's range connect tries each in turn (reopening the socket for each).
  auto [ec, endpoint] = co_await asio::async_connect(socket, endpoints, kTuple);
  if (!ec) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
  }
  co_return ec;
}

core::Result<std::vector<tcp::endpoint>> resolve(const std::string& host, std::uint16_t port) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    return core::fail("cannot resolve host '{}': {}", host, ec.message());
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& r : results) endpoints.push_back(r.endpoint());
  if (endpoints.empty()) return core::fail("host '{}' resolved to no address", host);
  return endpoints;
}

}  // namespace llmload::net
