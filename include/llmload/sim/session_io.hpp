#pragma once
/// The byte and timer operations of one simulator connection, shared by the session and the
/// exact-mode streamer.

#include "llmload/core/clock.hpp"
#include "llmload/net/stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <memory>

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

  /// Bounds the read of the next request into `parser`: the connection is closed if nothing
  /// of it has arrived by `idle_deadline` (an idle kept-alive connection) or if it is not
  /// whole by `whole_deadline` (a slow or half-sent request); the pending read then fails.
  /// `parser` (null: a TLS handshake, closed at the earlier deadline) must outlive the guard;
  /// end_read_guard() ends it once the read is done.
  void guard_read(const boost::beast::http::basic_parser<true>* parser, core::Clock::time_point idle_deadline,
                  core::Clock::time_point whole_deadline);
  void end_read_guard();

  ~SessionIo();

 private:
  net::Stream stream_;  // plain, or TLS with --tls-cert/--tls-key
  boost::asio::steady_timer timer_;

  // The read guard's state, shared with its timer's handler, which may run after this object
  // is gone (alive false then) or after the guarded read ended (generation moved on).
  struct ReadGuard {
    bool alive = true;
    std::uint64_t generation = 0;
    const boost::beast::http::basic_parser<true>* parser = nullptr;
    core::Clock::time_point whole_deadline;
  };
  void wait_read_deadline();
  boost::asio::steady_timer read_timer_;
  std::shared_ptr<ReadGuard> guard_ = std::make_shared<ReadGuard>();
};

}  // namespace llmload::sim
