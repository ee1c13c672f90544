// The run-wide concurrency gate: FIFO grants, never more holders than the limit, waiters
// resumed on their own executors (threads).
#include "llmload/runtime/concurrency_gate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace llmload::runtime {
namespace {

namespace asio = boost::asio;

// Lets the other coroutines of this executor run a few times.
asio::awaitable<void> yield_a_few(int times) {
  for (int k = 0; k < times; ++k) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

struct Tally {
  std::vector<int> order;
  int holding = 0, most = 0;
};

asio::awaitable<void> hold(ConcurrencyGate& gate, int id, Tally& tally) {
  co_await gate.acquire();
  tally.order.push_back(id);
  tally.most = std::max(tally.most, ++tally.holding);
  co_await yield_a_few(3);
  --tally.holding;
  gate.release();
}

TEST(ConcurrencyGate, GrantsInArrivalOrderAndNeverMoreThanTheLimit) {
  asio::io_context io;
  ConcurrencyGate gate(2);
  Tally tally;
  for (int id = 0; id < 6; ++id) asio::co_spawn(io, hold(gate, id, tally), asio::detached);
  io.run();
  EXPECT_EQ(tally.order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(tally.most, 2);
  EXPECT_EQ(gate.available(), 2);
  EXPECT_EQ(gate.waiting(), 0u);
}

struct Shared {
  std::atomic<int> holding{0}, most{0}, done{0}, wrong_thread{0};
};

asio::awaitable<void> hold_on_thread(ConcurrencyGate& gate, Shared& shared, const std::thread::id* home) {
  co_await gate.acquire();
  if (std::this_thread::get_id() != *home) ++shared.wrong_thread;
  const int now = ++shared.holding;
  int seen = shared.most.load();
  while (now > seen && !shared.most.compare_exchange_weak(seen, now)) {}
  co_await yield_a_few(5);
  --shared.holding;
  gate.release();
  ++shared.done;
}

TEST(ConcurrencyGate, WaitersOnOtherThreadsResumeOnTheirOwn) {
  ConcurrencyGate gate(4);
  Shared shared;
  constexpr int kThreads = 3, kEach = 40;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::thread::id> homes(kThreads);
  for (int t = 0; t < kThreads; ++t) contexts.push_back(std::make_unique<asio::io_context>(1));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      asio::co_spawn(*contexts[static_cast<std::size_t>(t)], hold_on_thread(gate, shared, &homes[static_cast<std::size_t>(t)]),
                     asio::detached);
    }
  }
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      homes[static_cast<std::size_t>(t)] = std::this_thread::get_id();
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();  // every home known first
      contexts[static_cast<std::size_t>(t)]->run();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared.done.load(), kThreads * kEach);
  EXPECT_LE(shared.most.load(), 4);
  EXPECT_EQ(shared.wrong_thread.load(), 0);
  EXPECT_EQ(gate.available(), 4);
}

}  // namespace
}  // namespace llmload::runtime
