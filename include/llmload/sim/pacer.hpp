#pragma once
/// Exact mode's batched chunk writer, one per server thread: every plain-socket stream that
/// waits for its next chunk sits in a min-heap by deadline, and one timer wake-up writes every
/// chunk that is due.

#include "llmload/core/clock.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <vector>

namespace llmload::sim {

class ExactStreamer;

/// A chunk costs a heap push/pop and a send instead of a timer, a completion handler and a
/// coroutine resumption: at each wake-up the pacer calls ExactStreamer::pace_due() on every
/// stream that is due, which writes its chunk (stamp, then a non-blocking send) and queues
/// its next one. Streams leave the heap (and their coroutine wakes) only when they are done,
/// their socket is full or failed. Used on its worker's thread only (not thread-safe).
class Pacer final {
 public:
  /// Queues `streamer`, whose next chunk is due at `due`; it must stay alive until called.
  void add(core::Clock::time_point due, ExactStreamer* streamer);

  /// Runs forever on the worker's io_context, serving due streams; ends when destroyed with
  /// its context.
  boost::asio::awaitable<void> loop();

 private:
  struct Entry {
    core::Clock::time_point due;
    ExactStreamer* streamer;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.due > b.due; }
  };
  std::vector<Entry> heap_;
  boost::asio::steady_timer* timer_ = nullptr;  // the loop's, while it runs
  core::Clock::time_point armed_ = core::Clock::time_point::max();
  bool in_round_ = false;
};

}  // namespace llmload::sim
