#include "llmload/sim/session_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

namespace llmload::sim {

namespace asio = boost::asio;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

SessionIo::SessionIo(asio::ip::tcp::socket socket)
    : stream_(std::move(socket)), timer_(stream_.get_executor()) {}

asio::awaitable<bool> SessionIo::write_bytes(std::string_view bytes, bool split) {
  const std::size_t piece = split ? 7 : bytes.size();
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const std::size_t size = std::min(piece, bytes.size() - at);
    auto [ec, written] = co_await asio::async_write(stream_, asio::buffer(bytes.data() + at, size), kTuple);
    if (ec) co_return false;
  }
  co_return true;
}

asio::awaitable<Next> SessionIo::send(std::string_view bytes, bool keep_alive) {
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), kTuple);
  if (ec) co_return Next::kGone;
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

asio::awaitable<bool> SessionIo::wait_until(core::Clock::time_point deadline) {
  if (core::Clock::now() >= deadline) co_return true;
  timer_.expires_at(deadline);
  auto [ec] = co_await timer_.async_wait(kTuple);
  co_return !ec;
}

asio::awaitable<void> SessionIo::sleep_until(core::Clock::time_point deadline) {
  while (core::Clock::now() < deadline) {
    timer_.expires_at(deadline);
    co_await timer_.async_wait(kTuple);
  }
}

void SessionIo::reset_connection() {
  boost::system::error_code ignored;
  stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  stream_.socket().close(ignored);
}

}  // namespace llmload::sim
