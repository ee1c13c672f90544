#pragma once
/// A TCP stream that may carry TLS: the plain socket, with an OpenSSL layer over it once
/// enable_tls() was called. Satisfies Asio's AsyncReadStream and AsyncWriteStream, so Beast
/// and asio::async_write work on it unchanged; without TLS an operation costs one branch more
/// than on the socket itself. Belongs to one thread (one io_context); not thread-safe.

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <cstddef>
#include <optional>
#include <utility>

namespace llmload::net {

class Stream {  // not final: Asio's executor detection derives from stream types
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using Tls = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;

  explicit Stream(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
  explicit Stream(const executor_type& executor) : socket_(executor) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }
  bool tls() const noexcept { return tls_.has_value(); }
  /// The TLS layer (for the handshake and its settings); only when tls().
  Tls& tls_stream() noexcept { return *tls_; }

  /// Puts a TLS layer over the (connected) socket. The handshake is the caller's, on
  /// tls_stream(). `context` must outlive the stream.
  Tls& enable_tls(boost::asio::ssl::context& context) {
    tls_.emplace(socket_, context);
    return *tls_;
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) tls_->async_read_some(b, std::move(handler));
          else socket_.async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) tls_->async_write_some(b, std::move(handler));
          else socket_.async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

 private:
  boost::asio::ip::tcp::socket socket_;
  std::optional<Tls> tls_;  // declared after socket_: destroyed before it
};

}  // namespace llmload::net
