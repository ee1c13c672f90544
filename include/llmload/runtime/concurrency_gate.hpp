#pragma once
/// vLLM's --max-concurrency across every worker thread of a run: a FIFO semaphore whose
/// waiters are resumed on their own executors.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <mutex>

namespace llmload::runtime {

/// A counting semaphore for coroutines on any number of threads, granted in FIFO order.
/// Thread-safe. Costs one short lock per acquire() and release() (per request, never per
/// chunk). The gate must outlive every coroutine waiting in acquire().
class ConcurrencyGate final {
 public:
  /// `limit`: slots available at once (>= 1).
  explicit ConcurrencyGate(std::int64_t limit) : available_(limit) {}
  ConcurrencyGate(const ConcurrencyGate&) = delete;
  ConcurrencyGate& operator=(const ConcurrencyGate&) = delete;

  /// Takes a slot, waiting in FIFO order when none is free. The wait is a timer of the
  /// caller's own executor that release() cancels through that executor, so every handler
  /// runs where the waiting coroutine lives.
  boost::asio::awaitable<void> acquire();

  /// Gives a slot back: to the longest waiter if any (resumed on its executor), else to the
  /// pool. Call once per completed acquire().
  void release();

  /// Slots free now (for tests; a snapshot).
  std::int64_t available() const;
  /// Coroutines waiting now (for tests; a snapshot).
  std::size_t waiting() const;

 private:
  struct Waiter {
    boost::asio::any_io_executor executor;
    boost::asio::steady_timer* timer;  // lives in the waiting coroutine's frame until granted
    bool* granted;
  };
  mutable std::mutex mutex_;
  std::int64_t available_;
  std::deque<Waiter> waiters_;
};

}  // namespace llmload::runtime
