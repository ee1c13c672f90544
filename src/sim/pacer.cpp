#include "llmload/sim/pacer.hpp"

#include "llmload/net/await.hpp"
#include "llmload/sim/exact_streamer.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace llmload::sim {

namespace asio = boost::asio;

void Pacer::add(core::Clock::time_point due, ExactStreamer* streamer) {
  heap_.push_back({due, streamer});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  // A deadline before the armed one re-arms the timer (not needed inside a round: the loop
  // re-arms after it).
  if (timer_ != nullptr && !in_round_ && due < armed_) timer_->cancel();
}

asio::awaitable<void> Pacer::loop() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer_ = &timer;
  struct Unhook {
    Pacer* pacer;
    ~Unhook() { pacer->timer_ = nullptr; }
  } unhook{this};
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    if (!heap_.empty() && heap_.front().due <= core::Clock::now()) {
      // Still behind (or ITL 0): let the other handlers and the reactor run once, without
      // the timer's system calls, then carry on.
      co_await asio::post(executor, asio::use_awaitable);
    } else {
      armed_ = heap_.empty() ? core::Clock::time_point::max() : heap_.front().due;
      timer.expires_at(armed_);
      co_await timer.async_wait(net::kTuple);
    }
    // A round serves at most the streams queued when it began (at least 64 chunks): a stream
    // with ITL 0 comes straight back due, and the bound lets the reactor run between rounds.
    in_round_ = true;
    for (std::size_t budget = std::max<std::size_t>(heap_.size(), 64); budget > 0 && !heap_.empty(); --budget) {
      if (heap_.front().due > core::Clock::now()) break;
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      ExactStreamer* streamer = heap_.back().streamer;
      heap_.pop_back();
      streamer->pace_due();
    }
    in_round_ = false;
  }
}

}  // namespace llmload::sim
