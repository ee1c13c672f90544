#include "llmload/sim/session_io.hpp"

#include "llmload/net/await.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

namespace llmload::sim {

namespace asio = boost::asio;

namespace {
using net::kTuple;
}  // namespace

SessionIo::SessionIo(asio::ip::tcp::socket socket)
    : stream_(std::move(socket)), timer_(stream_.get_executor()), read_timer_(stream_.get_executor()) {}

SessionIo::~SessionIo() { guard_->alive = false; }

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

void SessionIo::guard_read(const boost::beast::http::basic_parser<true>* parser, core::Clock::time_point idle_deadline,
                           core::Clock::time_point whole_deadline) {
  ++guard_->generation;
  guard_->parser = parser;
  guard_->whole_deadline = whole_deadline;
  read_timer_.expires_at(std::min(idle_deadline, whole_deadline));
  wait_read_deadline();
}

void SessionIo::end_read_guard() {
  ++guard_->generation;
  guard_->parser = nullptr;
  read_timer_.cancel();
}

void SessionIo::wait_read_deadline() {
  read_timer_.async_wait([this, guard = guard_, generation = guard_->generation](boost::system::error_code ec) {
    if (ec || !guard->alive || guard->generation != generation) return;
    if (guard->parser != nullptr && guard->parser->got_some() && core::Clock::now() < guard->whole_deadline) {
      read_timer_.expires_at(guard->whole_deadline);  // it started: the whole request's deadline
      wait_read_deadline();
      return;
    }
    ++guard->generation;
    boost::system::error_code ignored;
    stream_.socket().close(ignored);  // the pending read fails; the session ends
  });
}

}  // namespace llmload::sim
