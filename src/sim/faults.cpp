#include "llmload/sim/faults.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::sim {

ApiResult<FaultPlan> parse_fault_header(std::string_view header) {
  FaultPlan plan;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view spec = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!spec.empty() && (spec.front() == ' ' || spec.front() == '\t')) spec.remove_prefix(1);
    while (!spec.empty() && (spec.back() == ' ' || spec.back() == '\t')) spec.remove_suffix(1);
    if (spec.empty()) continue;

    if (spec == "no-done") {
      plan.no_done = true;
      continue;
    }
    if (spec == "split-writes") {
      plan.split_writes = true;
      continue;
    }
    const auto eq = spec.find('=');
    const std::string_view name = spec.substr(0, eq);
    const std::string_view arg = eq == std::string_view::npos ? std::string_view{} : spec.substr(eq + 1);
    std::int64_t* count = nullptr;
    if (name == "reset-after") count = &plan.reset_after;
    if (name == "malformed-after") count = &plan.malformed_after;
    if (name == "error-after") count = &plan.error_after;
    if (name == "stall-ms") count = &plan.stall_ms;
    if (name == "stall-after") count = &plan.stall_after;
    if (name == "slow-headers-ms") count = &plan.slow_headers_ms;
    if (count == nullptr && name != "status") {
      return bad_request(fmt::format(
          "Unknown fault '{}' in x-llmload-fault; known: status=<code>, reset-after=<k>, "
          "malformed-after=<k>, error-after=<k>, no-done, stall-ms=<ms>, stall-after=<k>, "
          "slow-headers-ms=<ms>, split-writes.", spec));
    }
    std::int64_t value = 0;
    bool ok = !arg.empty() && arg.size() <= 9;
    for (const char c : arg) {
      ok = ok && c >= '0' && c <= '9';
      value = value * 10 + (c - '0');
    }
    if (count != nullptr) {
      if (!ok) {
        return bad_request(fmt::format(
            "Bad fault '{}' in x-llmload-fault: the count must be a non-negative integer.", spec));
      }
      *count = value;
    } else {
      if (!ok || value < 200 || value > 599) {
        return bad_request(fmt::format(
            "Bad fault '{}' in x-llmload-fault: the status must be an integer in 200..599.", spec));
      }
      plan.status = static_cast<int>(value);
    }
  }
  return plan;
}

namespace {
constexpr std::string_view kFaultKinds[] = {"429", "500", "503", "reset", "error",
                                            "malformed", "no-done", "stall", "slow-headers", "split-writes"};
}  // namespace

std::span<const std::string_view> fault_kinds() noexcept { return kFaultKinds; }

ApiResult<FaultPlan> fault_of_kind(std::string_view kind, std::uint64_t random, std::int64_t max_tokens) {
  FaultPlan plan;
  const auto at = static_cast<std::int64_t>(random % static_cast<std::uint64_t>(std::max<std::int64_t>(max_tokens, 1)));
  if (kind == "429") plan.status = 429;
  else if (kind == "500") plan.status = 500;
  else if (kind == "503") plan.status = 503;
  else if (kind == "reset") plan.reset_after = at;
  else if (kind == "error") plan.error_after = at;
  else if (kind == "malformed") plan.malformed_after = at;
  else if (kind == "no-done") plan.no_done = true;
  else if (kind == "stall") {
    plan.stall_ms = 1000;
    plan.stall_after = at;
  } else if (kind == "slow-headers") plan.slow_headers_ms = 1000;
  else if (kind == "split-writes") plan.split_writes = true;
  else return bad_request(fmt::format("Unknown fault kind '{}'.", kind));
  return plan;
}

std::pair<Cut, std::int64_t> stream_cut(const FaultPlan& fault, std::int64_t n) {
  Cut cut = Cut::kNone;
  std::int64_t cut_at = n;
  if (fault.reset_after >= 0) {
    cut = Cut::kReset;
    cut_at = std::min(fault.reset_after, n);
  }
  if (fault.error_after >= 0 && (cut == Cut::kNone || std::min(fault.error_after, n) < cut_at)) {
    cut = Cut::kError;
    cut_at = std::min(fault.error_after, n);
  }
  return {cut, cut_at};
}

}  // namespace llmload::sim
