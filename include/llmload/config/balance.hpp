#pragma once
/// How requests are spread over several targets (bench --balance, profiles target.balance),
/// when a run names more than one base URL (replicas without a router).

#include "llmload/core/error.hpp"

#include <string_view>

namespace llmload::config {

enum class Balance {
  kRoundRobin,    ///< request i (in send order, first turns only) goes to target i mod N
  kLeastInFlight  ///< each request to the target with the fewest requests in flight
};

/// "round-robin" or "least-in-flight".
std::string_view balance_name(Balance balance) noexcept;
/// Parses a balance name; the error lists the names and mentions `where` (a flag or key).
core::Result<Balance> parse_balance(std::string_view text, std::string_view where);

/// The most targets one run may name.
inline constexpr std::size_t kMaxTargets = 256;

}  // namespace llmload::config
