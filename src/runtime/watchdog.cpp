#include "llmload/runtime/watchdog.hpp"

#include "llmload/net/connection.hpp"

#include <algorithm>

namespace llmload::runtime {
using metrics::Outcome;

namespace {

// from + limit, saturating at kNever.
core::Nanos saturating_add(core::Nanos from, std::chrono::nanoseconds limit) noexcept {
  if (limit.count() > 0 && from > RequestDeadlines::kNever - limit.count()) return RequestDeadlines::kNever;
  return from + limit.count();
}

// The deadline of a limit that zero (or less) turns off.
core::Nanos deadline_after(core::Nanos from, std::chrono::nanoseconds limit) noexcept {
  return limit.count() > 0 ? saturating_add(from, limit) : RequestDeadlines::kNever;
}

}  // namespace

RequestDeadlines::RequestDeadlines(const RequestLimits& limits, core::Nanos start_ns) noexcept
    : limits_(limits), whole_deadline_ns_(saturating_add(start_ns, limits.whole)) {}

void RequestDeadlines::enter(RequestPhase phase, core::Nanos now_ns) noexcept {
  phase_ = phase;
  last_read_ns_ = now_ns;
  const auto limit = phase == RequestPhase::kConnect     ? limits_.connect
                     : phase == RequestPhase::kFirstByte ? limits_.first_byte
                                                         : std::chrono::nanoseconds{};
  phase_deadline_ns_ = deadline_after(now_ns, limit);
}

core::Nanos RequestDeadlines::idle_deadline_ns() const noexcept {
  return phase_ == RequestPhase::kReading ? deadline_after(last_read_ns_, limits_.idle) : kNever;
}

core::Nanos RequestDeadlines::next_deadline_ns() const noexcept {
  return std::min({whole_deadline_ns_, phase_deadline_ns_, idle_deadline_ns()});
}

std::optional<Outcome> RequestDeadlines::expired(core::Nanos now_ns) const noexcept {
  if (now_ns >= whole_deadline_ns_) return Outcome::kTimeout;
  if (now_ns >= phase_deadline_ns_) {
    return phase_ == RequestPhase::kConnect ? Outcome::kConnectTimeout : Outcome::kFirstByteTimeout;
  }
  if (now_ns >= idle_deadline_ns()) return Outcome::kIdleTimeout;
  return std::nullopt;
}

Watchdog::Watchdog(boost::asio::any_io_executor executor, const RequestLimits& limits, core::Nanos start_ns)
    : timer_(std::move(executor)), deadlines_(limits, start_ns) {}

void Watchdog::enter(RequestPhase phase, core::Nanos now_ns) {
  deadlines_.enter(phase, now_ns);
  arm();
}

void Watchdog::expire(Outcome outcome) {
  if (fired) return;
  fired = outcome;
  if (connection != nullptr) connection->close();
}

void Watchdog::done() {
  armed_at_ = RequestDeadlines::kNever;
  timer_.cancel();
}

void Watchdog::arm() {
  const core::Nanos due = deadlines_.next_deadline_ns();
  if (due >= armed_at_ || fired) return;
  armed_at_ = due;
  timer_.expires_at(core::to_time_point(due));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_timer();
  });
}

void Watchdog::on_timer() {
  armed_at_ = RequestDeadlines::kNever;
  if (const auto outcome = deadlines_.expired(core::now_ns())) {
    expire(*outcome);
  } else {
    arm();  // woke for a limit that moved later (a read came in): sleep until the new one
  }
}

std::string_view timeout_text(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::kConnectTimeout: return "connect timed out (--connect-timeout)";
    case Outcome::kFirstByteTimeout: return "no response byte within --first-byte-timeout";
    case Outcome::kIdleTimeout: return "response stalled longer than --idle-timeout";
    case Outcome::kCancelled: return "cancelled: the run was stopped";
    default: return "request timed out (--request-timeout)";
  }
}

}  // namespace llmload::runtime
