// A request's layered time limits: the pure deadline arithmetic with injected instants, then
// the one-timer shell on an io_context.
#include "llmload/runtime/watchdog.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace llmload::runtime {
namespace {

using namespace std::chrono_literals;
using metrics::Outcome;

constexpr core::Nanos kWatchdogMs = 1'000'000;
constexpr core::Nanos kStart = 5'000 * kWatchdogMs;

RequestLimits limits(std::chrono::nanoseconds whole, std::chrono::nanoseconds connect = {},
                     std::chrono::nanoseconds first_byte = {}, std::chrono::nanoseconds idle = {}) {
  RequestLimits l;
  l.whole = whole;
  l.connect = connect;
  l.first_byte = first_byte;
  l.idle = idle;
  return l;
}

TEST(RequestDeadlines, TheWholeRequestLimitCountsFromTheStart) {
  RequestDeadlines d(limits(1s), kStart);
  EXPECT_EQ(d.next_deadline_ns(), kStart + 1'000 * kWatchdogMs);
  EXPECT_EQ(d.expired(kStart + 999 * kWatchdogMs), std::nullopt);
  EXPECT_EQ(d.expired(kStart + 1'000 * kWatchdogMs), Outcome::kTimeout);
}

TEST(RequestDeadlines, ConnectAndFirstByteLimitsCountFromTheirPhase) {
  RequestDeadlines d(limits(1h, 100ms, 300ms), kStart);
  d.enter(RequestPhase::kConnect, kStart + 10 * kWatchdogMs);
  EXPECT_EQ(d.next_deadline_ns(), kStart + 110 * kWatchdogMs);
  EXPECT_EQ(d.expired(kStart + 109 * kWatchdogMs), std::nullopt);
  EXPECT_EQ(d.expired(kStart + 110 * kWatchdogMs), Outcome::kConnectTimeout);
  d.enter(RequestPhase::kFirstByte, kStart + 50 * kWatchdogMs);  // connected in time, request sent
  EXPECT_EQ(d.next_deadline_ns(), kStart + 350 * kWatchdogMs);
  EXPECT_EQ(d.expired(kStart + 349 * kWatchdogMs), std::nullopt);
  EXPECT_EQ(d.expired(kStart + 350 * kWatchdogMs), Outcome::kFirstByteTimeout);
  d.enter(RequestPhase::kReading, kStart + 200 * kWatchdogMs);  // first byte in time: no idle limit set
  EXPECT_EQ(d.next_deadline_ns(), kStart + 3'600'000 * kWatchdogMs);
  EXPECT_EQ(d.expired(kStart + 10'000 * kWatchdogMs), std::nullopt);
}

TEST(RequestDeadlines, TheIdleLimitMovesWithEveryRead) {
  RequestDeadlines d(limits(1h, {}, {}, 50ms), kStart);
  d.enter(RequestPhase::kConnect, kStart);
  EXPECT_EQ(d.expired(kStart + 1'000 * kWatchdogMs), std::nullopt) << "no idle limit before reading";
  const core::Nanos first = kStart + 1'000 * kWatchdogMs;
  d.enter(RequestPhase::kReading, first);
  EXPECT_EQ(d.next_deadline_ns(), first + 50 * kWatchdogMs);
  d.on_read(first + 40 * kWatchdogMs);
  EXPECT_EQ(d.next_deadline_ns(), first + 90 * kWatchdogMs);
  EXPECT_EQ(d.expired(first + 89 * kWatchdogMs), std::nullopt);
  EXPECT_EQ(d.expired(first + 90 * kWatchdogMs), Outcome::kIdleTimeout);
}

TEST(RequestDeadlines, TheWholeRequestLimitComesFirst) {
  RequestDeadlines d(limits(100ms, 100ms, {}, 10ms), kStart);
  d.enter(RequestPhase::kConnect, kStart);
  EXPECT_EQ(d.expired(kStart + 100 * kWatchdogMs), Outcome::kTimeout);
  d.enter(RequestPhase::kReading, kStart);
  EXPECT_EQ(d.expired(kStart + 100 * kWatchdogMs), Outcome::kTimeout);
  EXPECT_EQ(d.expired(kStart + 20 * kWatchdogMs), Outcome::kIdleTimeout);
}

TEST(RequestDeadlines, ZeroTurnsALimitOffButTheWholeRequestsAlwaysApplies) {
  RequestDeadlines off(limits(std::chrono::nanoseconds::max()), kStart);
  off.enter(RequestPhase::kReading, kStart);
  EXPECT_EQ(off.next_deadline_ns(), RequestDeadlines::kNever);
  EXPECT_EQ(off.expired(kStart + 3'600'000'000 * kWatchdogMs), std::nullopt);
  RequestDeadlines zero(limits(0ns), kStart);
  EXPECT_EQ(zero.expired(kStart), Outcome::kTimeout);
}

TEST(Watchdog, FiresTheLimitOfThePhaseAndOnlyOnce) {
  boost::asio::io_context io;
  auto watchdog = std::make_shared<Watchdog>(io.get_executor(), limits(1h, 1ms), core::now_ns());
  watchdog->enter(RequestPhase::kConnect, core::now_ns());
  io.run();  // the 1 ms timer
  EXPECT_EQ(watchdog->fired, Outcome::kConnectTimeout);
  watchdog->expire(Outcome::kCancelled);
  EXPECT_EQ(watchdog->fired, Outcome::kConnectTimeout);
}

TEST(Watchdog, ACancelledRequestIsCancelledAndDoneDropsTheTimer) {
  boost::asio::io_context io;
  auto watchdog = std::make_shared<Watchdog>(io.get_executor(), limits(1h), core::now_ns());
  watchdog->enter(RequestPhase::kFirstByte, core::now_ns());
  watchdog->expire(Outcome::kCancelled);
  watchdog->done();
  io.run();  // returns at once: no timer left
  EXPECT_EQ(watchdog->fired, Outcome::kCancelled);
  EXPECT_EQ(timeout_text(Outcome::kCancelled), "cancelled: the run was stopped");
  EXPECT_EQ(timeout_text(Outcome::kIdleTimeout), "response stalled longer than --idle-timeout");
}

}  // namespace
}  // namespace llmload::runtime
