// Interval reports: the workers' recorders swapped at each boundary on the workers' own
// threads, merged, numbered and timed from the origin; a finished worker's read directly; the
// last, partial interval. Boundaries are passed in as instants (no sleeping).
#include "llmload/runtime/interval_harvester.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <thread>

namespace llmload::runtime {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr core::Nanos kOrigin = 7'000'000'000;
constexpr core::Nanos kSecond = 1'000'000'000;

metrics::RequestRecord finished(bool ok) {
  metrics::RequestRecord r;
  r.start_ns = 1'000;
  r.chunk_ns = {51'000'000, 71'000'000};
  r.outcome = ok ? metrics::Outcome::kOk : metrics::Outcome::kHttpStatus;
  return r;
}

/// A worker: its own io_context on its own thread, kept running until release().
struct TestWorker {
  TestWorker(IntervalHarvester& harvester)
      : harvester(harvester), slot(harvester.add_worker(context.get_executor())) {}
  ~TestWorker() { stop(); }

  void start() {
    thread = std::thread([this] {
      context.run();
      harvester.worker_done(slot, context);
    });
  }
  // Records on the worker's thread (after everything posted to it before).
  void record(bool ok) {
    asio::post(context, [this, ok] { slot.recorder().record(finished(ok)); });
  }
  // Counts tokens arriving at `at` (steady clock) on the worker's thread.
  void arrive(core::Nanos at, std::int64_t tokens) {
    asio::post(context, [this, at, tokens] { slot.recorder().count_arrival(at, tokens); });
  }
  void stop() {
    guard.reset();
    if (thread.joinable()) thread.join();
  }

  IntervalHarvester& harvester;
  asio::io_context context{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(context);
  IntervalHarvester::Slot& slot;
  std::thread thread;
};

TEST(IntervalHarvester, MergesEveryWorkersIntervalAtEachBoundary) {
  std::vector<IntervalReport> reports;
  const auto wall = std::chrono::system_clock::now();
  IntervalHarvester harvester(1s, kOrigin, wall, [&](const IntervalReport& r) { reports.push_back(r); },
                              [] { return std::int64_t{3}; });
  TestWorker a(harvester), b(harvester);
  a.start();
  b.start();
  a.record(true);
  b.record(true);
  b.record(false);
  EXPECT_EQ(harvester.next_boundary_ns(), kOrigin + kSecond);
  harvester.close_due(kOrigin + kSecond - 1);
  EXPECT_TRUE(reports.empty());
  harvester.close_due(kOrigin + kSecond);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].index, 0);
  EXPECT_EQ(reports[0].start_ns, 0);
  EXPECT_EQ(reports[0].end_ns, kSecond);
  EXPECT_FALSE(reports[0].last);
  EXPECT_EQ(reports[0].in_flight, 3);
  EXPECT_EQ(reports[0].origin_wall, wall);
  EXPECT_EQ(reports[0].recorded.completed, 2);
  EXPECT_EQ(reports[0].recorded.failed, 1);
  EXPECT_EQ(reports[0].recorded.ttft_us.total_count(), 2);

  // Two boundaries passed at once: both intervals are closed, the second empty.
  a.record(true);
  harvester.close_due(kOrigin + 3 * kSecond + kSecond / 2);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[1].recorded.completed, 1);
  EXPECT_EQ(reports[1].start_ns, kSecond);
  EXPECT_EQ(reports[2].recorded.completed, 0);
  EXPECT_EQ(reports[2].end_ns, 3 * kSecond);
  EXPECT_EQ(harvester.next_boundary_ns(), kOrigin + 4 * kSecond);

  // A worker that has finished hands over through its slot; the last interval is partial.
  b.record(true);
  b.stop();
  a.record(false);
  a.stop();
  harvester.close_last(3 * kSecond + 700'000'000);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_TRUE(reports[3].last);
  EXPECT_EQ(reports[3].index, 3);
  EXPECT_EQ(reports[3].start_ns, 3 * kSecond);
  EXPECT_EQ(reports[3].end_ns, 3 * kSecond + 700'000'000);
  EXPECT_EQ(reports[3].recorded.completed, 1);
  EXPECT_EQ(reports[3].recorded.failed, 1);
  EXPECT_EQ(harvester.closed(), 4);
}

TEST(IntervalHarvester, TheLastIntervalNeverEndsBeforeItStarts) {
  std::vector<IntervalReport> reports;
  IntervalHarvester harvester(1s, kOrigin, {}, [&](const IntervalReport& r) { reports.push_back(r); }, nullptr);
  TestWorker a(harvester);
  a.start();
  harvester.close_due(kOrigin + 2 * kSecond);
  a.stop();
  harvester.close_last(kSecond + 1);  // the run ended inside an interval already closed
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[2].start_ns, 2 * kSecond);
  EXPECT_EQ(reports[2].end_ns, 2 * kSecond);
  EXPECT_EQ(reports[2].in_flight, 0);  // no in-flight counter given
}

// Output tokens go to the interval their arrival stamp is in, also when the worker counted
// them before it handed its recorder over (a chunk read just after the boundary).
TEST(IntervalHarvester, ArrivedTokensFollowTheirStampsNotTheSwap) {
  std::vector<IntervalReport> reports;
  IntervalHarvester harvester(1s, kOrigin, {}, [&](const IntervalReport& r) { reports.push_back(r); }, nullptr);
  TestWorker a(harvester), b(harvester);
  a.start();
  b.start();
  a.arrive(kOrigin + 10, 5);
  b.arrive(kOrigin + kSecond - 1, 2);
  a.arrive(kOrigin + kSecond, 3);           // after the first boundary, before the swap
  b.arrive(kOrigin + kSecond + 7, 4);
  harvester.close_due(kOrigin + kSecond);   // the swap
  a.arrive(kOrigin + kSecond + 20, 6);      // on the new recorder
  a.arrive(kOrigin + 2 * kSecond + 1, 1);   // after the second boundary, before its swap
  harvester.close_due(kOrigin + 2 * kSecond);
  b.arrive(kOrigin + 2 * kSecond + 5, 8);
  a.arrive(kOrigin + 3 * kSecond + 5, 9);   // past the nominal end: the last interval takes it
  a.stop();
  b.stop();
  harvester.close_last(2 * kSecond + 500'000'000);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].recorded.arrived_tokens, 7);
  EXPECT_EQ(reports[1].recorded.arrived_tokens, 3 + 4 + 6);
  EXPECT_EQ(reports[2].recorded.arrived_tokens, 1 + 8 + 9);
  for (const auto& r : reports) EXPECT_EQ(r.recorded.arrived_tokens_later, 0);
}

}  // namespace
}  // namespace llmload::runtime
