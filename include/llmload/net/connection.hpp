#pragma once
/// Client connections and the per-thread keep-alive pool. A Connection belongs to one worker
/// thread (one io_context) and is never shared across threads.

#include "llmload/core/error.hpp"
#include "llmload/net/stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <span>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmload::net {

/// One client connection (TCP, with TLS once enabled on its stream) and its receive buffer.
/// Not thread-safe.
class Connection final {
 public:
  explicit Connection(const boost::asio::any_io_executor& executor) : stream_(executor) {}

  /// The stream to read and write (plain or TLS).
  Stream& stream() noexcept { return stream_; }
  /// The TCP socket under it.
  boost::asio::ip::tcp::socket& socket() noexcept { return stream_.socket(); }
  /// Received bytes not yet consumed by the HTTP parser.
  boost::beast::flat_buffer& buffer() noexcept { return buffer_; }

  /// For an idle kept-alive connection: true if it can carry another request (open, the peer
  /// has not closed it, no stray bytes pending). One non-blocking recv(MSG_PEEK) call.
  bool idle_alive();
  /// Closes the socket, ignoring errors. Pending operations complete with operation_aborted.
  void close() noexcept;
  /// Number of responses completed on this connection.
  std::uint32_t responses = 0;

 private:
  Stream stream_;
  boost::beast::flat_buffer buffer_;
};

/// Idle keep-alive connections of one worker thread to one target. Not thread-safe.
class ConnectionPool final {
 public:
  /// The most recently returned idle connection that is still alive, or nullptr.
  std::unique_ptr<Connection> take();
  /// Returns a connection whose last response completed cleanly with keep-alive.
  void put(std::unique_ptr<Connection> connection);
  std::size_t idle() const noexcept { return idle_.size(); }
  /// Closes every idle connection.
  void clear() noexcept;

 private:
  std::vector<std::unique_ptr<Connection>> idle_;
};

/// Opens the connection's socket, unconnected, for `endpoint`'s protocol with TCP_NODELAY set
/// and the descriptor in non-blocking mode (as Asio's first operation would set it):
/// the socket setup of a connect done ahead (before the benchmark clock), so that connecting
/// is then the connect alone. Errors (such as no free file descriptor) are returned.
boost::system::error_code open_socket(Connection& connection, const boost::asio::ip::tcp::endpoint& endpoint);

/// Connects to the first endpoint that accepts, with TCP_NODELAY set. Returns the last error
/// if none does. With one endpoint (the usual case) it is a plain connect on the socket, which
/// is opened first unless open_socket() opened it ahead.
boost::asio::awaitable<boost::system::error_code> async_connect(
    Connection& connection, std::span<const boost::asio::ip::tcp::endpoint> endpoints);

/// Resolves host:port to endpoints (blocking; done once before a run). The error names the
/// host and the resolver's reason.
core::Result<std::vector<boost::asio::ip::tcp::endpoint>> resolve(const std::string& host,
                                                                 std::uint16_t port);

}  // namespace llmload::net
