#pragma once
/// The layered time limits of one request (whole request, connect, first byte, idle between
/// reads): the pure deadline arithmetic (RequestDeadlines, testable with any clock) and the
/// one-timer shell that enforces it on an executor (Watchdog).

#include "llmload/core/clock.hpp"
#include "llmload/metrics/request_record.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace llmload::net {
class Connection;
}

namespace llmload::runtime {

/// One request's limits. The whole-request limit always applies; zero (or less) turns any of
/// the others off.
struct RequestLimits {
  std::chrono::nanoseconds whole = std::chrono::hours(6);  ///< start → end (vLLM's 6 h)
  std::chrono::nanoseconds connect{};     ///< TCP connect and TLS handshake, per attempt
  std::chrono::nanoseconds first_byte{};  ///< request sent → first response byte
  std::chrono::nanoseconds idle{};        ///< longest silence between two response reads
};

/// Where a request is, for its limits.
enum class RequestPhase : std::uint8_t {
  kConnect,    ///< connecting (the connect limit runs)
  kFirstByte,  ///< sent, waiting for the response (the first-byte limit runs)
  kReading,    ///< reading the response (the idle limit runs)
};

/// Deadline arithmetic of one request's limits, no timer and no clock: the caller passes every
/// instant (steady-clock ns). Not thread-safe; a few stores per call, no allocation.
class RequestDeadlines final {
 public:
  static constexpr core::Nanos kNever = INT64_MAX;

  /// `start_ns`: when the request started (the whole-request limit counts from there).
  RequestDeadlines(const RequestLimits& limits, core::Nanos start_ns) noexcept;

  /// Enters `phase` at `now_ns`: its limit starts counting (and so does the idle limit).
  void enter(RequestPhase phase, core::Nanos now_ns) noexcept;
  /// A response read completed at `now_ns` (one store).
  void on_read(core::Nanos now_ns) noexcept { last_read_ns_ = now_ns; }

  /// The earliest instant at which a limit expires if nothing else happens; kNever if none.
  core::Nanos next_deadline_ns() const noexcept;
  /// The limit expired at `now_ns`, if any: kTimeout (whole request) before the phase's own
  /// (kConnectTimeout, kFirstByteTimeout) before kIdleTimeout.
  std::optional<metrics::Outcome> expired(core::Nanos now_ns) const noexcept;

  RequestPhase phase() const noexcept { return phase_; }

 private:
  core::Nanos idle_deadline_ns() const noexcept;

  RequestLimits limits_;
  core::Nanos whole_deadline_ns_;
  core::Nanos phase_deadline_ns_ = kNever;
  core::Nanos last_read_ns_ = 0;
  RequestPhase phase_ = RequestPhase::kConnect;
};

/// Enforces one request's limits with one timer that is re-armed only when a phase begins;
/// the idle limit is checked lazily when the timer fires, so a read costs one store. Lives on
/// one executor (the request's): not thread-safe. Shared by the request coroutine and the
/// timer's handler (hence shared_ptr); call done() when the request is over.
class Watchdog final : public std::enable_shared_from_this<Watchdog> {
 public:
  Watchdog(boost::asio::any_io_executor executor, const RequestLimits& limits, core::Nanos start_ns);

  /// Enters a phase at `now_ns` (arming the timer for its limit when that is the earliest).
  void enter(RequestPhase phase, core::Nanos now_ns);
  /// A response read completed at `now_ns`.
  void on_read(core::Nanos now_ns) noexcept { deadlines_.on_read(now_ns); }

  /// Ends the request now with `outcome` (closing `connection`); the first call wins.
  void expire(metrics::Outcome outcome);
  /// The request is over: drops the timer.
  void done();

  /// The connection to close when a limit expires (null between connections).
  net::Connection* connection = nullptr;
  /// Which limit ended the request (kCancelled when the run cancelled it), if any.
  std::optional<metrics::Outcome> fired;
  /// Where the runner keeps it in its worker's list of requests in flight (its own bookkeeping).
  std::size_t in_flight_slot = 0;

 private:
  void arm();
  void on_timer();

  boost::asio::steady_timer timer_;
  RequestDeadlines deadlines_;
  core::Nanos armed_at_ = RequestDeadlines::kNever;
};

/// The error text of a request ended by a limit or by the run's cancellation (names the flag).
std::string_view timeout_text(metrics::Outcome outcome) noexcept;

}  // namespace llmload::runtime
