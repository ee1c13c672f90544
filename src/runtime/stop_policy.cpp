#include "llmload/runtime/stop_policy.hpp"

#include <algorithm>

namespace llmload::runtime {
namespace {

// a + b without overflow (a grace period of hours from a boot-relative stamp is fine; one of
// nanoseconds::max() must not wrap into the past).
core::Nanos saturating_add(core::Nanos a, std::int64_t b) noexcept {
  if (b > 0 && a > StopPolicy::kNever - b) return StopPolicy::kNever;
  return a + b;
}

}  // namespace

StopPolicy::StopPolicy(core::Nanos origin_ns, std::chrono::nanoseconds duration,
                       std::chrono::nanoseconds grace_period) noexcept
    : send_deadline_ns_(duration.count() > 0 ? saturating_add(origin_ns, duration.count()) : kNever),
      grace_period_(std::max(grace_period, std::chrono::nanoseconds::zero())) {}

void StopPolicy::start_grace(core::Nanos now_ns) noexcept {
  grace_started_ = true;
  grace_end_ns_ = saturating_add(now_ns, grace_period_.count());
}

StopLevel StopPolicy::update(core::Nanos now_ns, int signals) noexcept {
  if (level_ == StopLevel::kRunning && now_ns >= send_deadline_ns_) {
    // The duration is over: requests in flight finish (a stop request from here on starts
    // the grace period).
    level_ = StopLevel::kStopping;
    duration_reached_ = true;
  } else if (level_ == StopLevel::kRunning && signals >= 1) {
    level_ = StopLevel::kStopping;
    start_grace(now_ns);
  }
  if (duration_reached_ && signals >= 1 && !grace_started_) start_grace(now_ns);
  if (level_ == StopLevel::kStopping && (signals >= 2 || (grace_started_ && now_ns >= grace_end_ns_))) {
    level_ = StopLevel::kCancelling;
  }
  return level_;
}

core::Nanos StopPolicy::next_deadline_ns() const noexcept {
  switch (level_) {
    case StopLevel::kRunning: return send_deadline_ns_;
    case StopLevel::kStopping: return grace_started_ ? grace_end_ns_ : kNever;
    case StopLevel::kCancelling: return kNever;
  }
  return kNever;
}

}  // namespace llmload::runtime
