#pragma once
/// The byte and timer operations of one simulator connection, shared by the session and the
/// exact-mode streamer.

#include "llmload/core/clock.hpp"
#include "llmload/net/stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string_view>

namespace llmload::sim {

/// What to do with the connection after a response.
enum class Next {
  kKeepAlive,  ///< read the next request
  kClose,      ///< shut down the sending side and end
  kGone,       ///< the connection failed or was reset: just end
};

/// One connection's stream (plain or TLS) and its timer. Used on its worker's thread only
/// (not thread-safe). Coroutines here return false/kGone when the connection failed; none
/// throws.
class SessionIo final {
 public:
  /// Takes the accepted socket; the timer runs on its executor.
  explicit SessionIo(boost::asio::ip::tcp::socket socket);

  /// The stream, plain or TLS (see net::Stream).
  net::Stream& stream() noexcept { return stream_; }
  /// The connection's timer. Cancelling it is how the pacer and the engine host wake the
  /// connection's coroutine.
  boost::asio::steady_timer& timer() noexcept { return timer_; }

  /// Writes `bytes`, in 7-byte pieces (one write each) with `split`; false if the
  /// connection failed.
  boost::asio::awaitable<bool> write_bytes(std::string_view bytes, bool split);
  /// Writes `bytes` in one write and says what follows: kGone on failure, else kKeepAlive
  /// or kClose as `keep_alive` says.
  boost::asio::awaitable<Next> send(std::string_view bytes, bool keep_alive);
  /// Waits until `deadline` unless it has passed; false if the wait was cancelled.
  boost::asio::awaitable<bool> wait_until(core::Clock::time_point deadline);
  /// Waits until `deadline` even though wake-ups cancel the timer (engine mode).
  boost::asio::awaitable<void> sleep_until(core::Clock::time_point deadline);
  /// Closes the connection with a TCP RST (SO_LINGER 0).
  void reset_connection();

 private:
  net::Stream stream_;  // plain, or TLS with --tls-cert/--tls-key
  boost::asio::steady_timer timer_;
};

}  // namespace llmload::sim
