#include "llmload/config/balance.hpp"

namespace llmload::config {

std::string_view balance_name(Balance balance) noexcept {
  return balance == Balance::kLeastInFlight ? "least-in-flight" : "round-robin";
}

core::Result<Balance> parse_balance(std::string_view text, std::string_view where) {
  if (text == "round-robin") return Balance::kRoundRobin;
  if (text == "least-in-flight") return Balance::kLeastInFlight;
  return core::fail("{} is '{}'; write round-robin or least-in-flight", where, text);
}

}  // namespace llmload::config
