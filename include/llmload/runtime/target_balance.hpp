#pragma once
/// Which of several targets (replicas without a router) a request goes to: round-robin in
/// send order, or the target with the fewest requests in flight; every later turn of a
/// conversation follows its first turn (session affinity). The choices are pure functions;
/// TargetLoad holds the per-target in-flight counters least-in-flight reads.

#include "llmload/config/balance.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace llmload::runtime {

/// Round-robin: the target of the `ordinal`-th request that starts a conversation or stands
/// alone (later turns are not counted: they follow their first turn), of `targets` > 0.
std::uint16_t round_robin_target(std::size_t ordinal, std::size_t targets) noexcept;

/// Least-in-flight: the target with the smallest count; ties go to the first one at or after
/// `start` (mod the count of targets), so equal loads do not all land on target 0. `in_flight`
/// is not empty.
std::uint16_t least_in_flight_target(std::span<const std::int64_t> in_flight, std::size_t start) noexcept;

/// Round-robin targets of a run's requests: `previous_turn[i]` >= 0 marks request i as a later
/// turn of a conversation (it gets its first turn's target). Pure.
std::vector<std::uint16_t> round_robin_targets(std::span<const std::int32_t> previous_turn, std::size_t targets);

/// Requests in flight per target, shared by every worker thread: one relaxed atomic add when a
/// request starts and one when it ends (no lock); a choice reads every counter once.
class TargetLoad final {
 public:
  explicit TargetLoad(std::size_t targets);
  std::size_t size() const noexcept { return size_; }
  /// Least-in-flight's choice now (ties from `start` on); the caller then calls started().
  std::uint16_t least_loaded(std::size_t start) const;
  void started(std::uint16_t target) noexcept;
  void finished(std::uint16_t target) noexcept;

 private:
  std::size_t size_;
  std::unique_ptr<std::atomic<std::int64_t>[]> in_flight_;
};

}  // namespace llmload::runtime
