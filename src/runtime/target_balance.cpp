#include "llmload/runtime/target_balance.hpp"

#include <algorithm>

namespace llmload::runtime {

std::uint16_t round_robin_target(std::size_t ordinal, std::size_t targets) noexcept {
  return static_cast<std::uint16_t>(targets == 0 ? 0 : ordinal % targets);
}

std::uint16_t least_in_flight_target(std::span<const std::int64_t> in_flight, std::size_t start) noexcept {
  const std::size_t n = in_flight.size();
  std::size_t best = start % n;
  for (std::size_t k = 1; k < n; ++k) {
    const std::size_t t = (start + k) % n;
    if (in_flight[t] < in_flight[best]) best = t;
  }
  return static_cast<std::uint16_t>(best);
}

std::vector<std::uint16_t> round_robin_targets(std::span<const std::int32_t> previous_turn, std::size_t targets) {
  std::vector<std::uint16_t> out(previous_turn.size(), 0);
  std::size_t ordinal = 0;
  for (std::size_t i = 0; i < previous_turn.size(); ++i) {
    const auto previous = previous_turn[i];
    if (previous >= 0 && static_cast<std::size_t>(previous) < i) {
      out[i] = out[static_cast<std::size_t>(previous)];
    } else {
      out[i] = round_robin_target(ordinal++, targets);
    }
  }
  return out;
}

TargetLoad::TargetLoad(std::size_t targets)
    : size_(std::max<std::size_t>(targets, 1)), in_flight_(std::make_unique<std::atomic<std::int64_t>[]>(size_)) {
  for (std::size_t t = 0; t < size_; ++t) in_flight_[t].store(0, std::memory_order_relaxed);
}

std::uint16_t TargetLoad::least_loaded(std::size_t start) const {
  constexpr std::size_t kOnStack = 64;
  std::int64_t small[kOnStack];
  std::vector<std::int64_t> large;
  std::span<std::int64_t> counts(small, std::min(size_, kOnStack));
  if (size_ > kOnStack) {
    large.resize(size_);
    counts = large;
  }
  for (std::size_t t = 0; t < size_; ++t) counts[t] = in_flight_[t].load(std::memory_order_relaxed);
  return least_in_flight_target(counts, start);
}

void TargetLoad::started(std::uint16_t target) noexcept { in_flight_[target].fetch_add(1, std::memory_order_relaxed); }

void TargetLoad::finished(std::uint16_t target) noexcept { in_flight_[target].fetch_sub(1, std::memory_order_relaxed); }

}  // namespace llmload::runtime
