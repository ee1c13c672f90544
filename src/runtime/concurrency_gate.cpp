#include "llmload/runtime/concurrency_gate.hpp"

#include "llmload/net/await.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace llmload::runtime {
namespace asio = boost::asio;

asio::awaitable<void> ConcurrencyGate::acquire() {
  std::unique_lock lock(mutex_);
  if (available_ > 0) {
    --available_;
    co_return;
  }
  asio::steady_timer wake(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
  bool granted = false;
  waiters_.push_back(Waiter{wake.get_executor(), &wake, &granted});
  lock.unlock();
  // `granted` is set on our executor, so no other thread touches it while we look.
  while (!granted) co_await wake.async_wait(net::kTuple);
}

void ConcurrencyGate::release() {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) {
    ++available_;
    return;
  }
  const Waiter next = waiters_.front();  // the slot passes to the waiter
  waiters_.pop_front();
  lock.unlock();
  asio::post(next.executor, [next] {
    *next.granted = true;
    next.timer->cancel();
  });
}

std::int64_t ConcurrencyGate::available() const {
  std::lock_guard lock(mutex_);
  return available_;
}

std::size_t ConcurrencyGate::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

}  // namespace llmload::runtime
