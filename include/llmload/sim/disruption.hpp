#pragma once
/// Disruptions of the simulator on command (not in vLLM): what a stalled, failing or
/// restarting server does to its users. Asked for through SimServer::disrupt() (a profile
/// stage's `events: [{at: 10s, sim: pause, for: 5s}]` against the built-in simulator) or the
/// simulator's loopback-only control endpoint `POST /llmload/sim/KIND?for=5s[&rate=30%]`
/// (`llmload sim` as its own process). Parsing and the fail window are pure/lock-free here;
/// SimServer applies them.

#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmload::sim {

/// What a disruption does for its duration.
enum class DisruptionKind {
  /// Every server thread stops (as if the process were frozen): nothing is read, written or
  /// accepted; streams in flight stall; new connections wait in the listen backlog. After
  /// it, everything due is written at once.
  kPause,
  /// Generation requests arriving are answered 503 (with probability `fraction`); streams in
  /// flight carry on.
  kFail,
  /// Every open connection is shut down (streams in flight end mid-answer) and the listener
  /// is closed (connections refused) until the duration has passed; then it accepts again.
  kRestart,
};

/// Longest disruption accepted (a bound on every input).
inline constexpr auto kMaxDisruption = std::chrono::hours(24);

struct SimDisruption {
  DisruptionKind kind = DisruptionKind::kPause;
  std::chrono::nanoseconds duration{};  ///< pause and fail: > 0; restart: >= 0
  double fraction = 1.0;                ///< fail only: share of requests answered 503, (0, 1]
};

/// "pause", "fail" or "restart" (the error lists them).
core::Result<DisruptionKind> parse_disruption_kind(std::string_view name);
std::string_view disruption_kind_name(DisruptionKind kind);

/// Checks a disruption: pause and fail need a duration above 0, none above kMaxDisruption;
/// `fraction` in (0, 1] and only on fail. The error says what to write.
core::Result<void> check_disruption(const SimDisruption& d);

/// Parses the compact form "KIND [DURATION] [PERCENT]" (e.g. "pause 5s", "fail 10s 30%",
/// "restart", "restart 2s"), then checks it.
core::Result<SimDisruption> parse_disruption(std::string_view text);

/// Parses the control endpoint's query ("for=5s&rate=30%") for `kind`, then checks it.
core::Result<SimDisruption> parse_disruption_query(DisruptionKind kind, std::string_view query);

/// "pause for 5s", "fail 30% of requests for 10s", "restart (refusing connections for 2s)".
std::string describe_disruption(const SimDisruption& d);

/// The fail window, shared by every server thread: set by any thread, read by sessions
/// (relaxed atomics; a request on the edge of the window may go either way).
class FailWindow final {
 public:
  /// Fails `fraction` of the generation requests arriving until `until_ns` (steady clock).
  void open(core::Nanos until_ns, double fraction);
  /// Whether the window is open at `now_ns`.
  bool open_at(core::Nanos now_ns) const { return now_ns < until_ns_.load(std::memory_order_relaxed); }
  /// Whether a request arriving at `now_ns` is failed; `draw` is a uniform 64-bit value.
  bool fails(core::Nanos now_ns, std::uint64_t draw) const;

 private:
  std::atomic<core::Nanos> until_ns_{0};
  std::atomic<std::uint64_t> threshold_{0};  // fails when draw >> 11 < threshold (53-bit scale)
};

}  // namespace llmload::sim
