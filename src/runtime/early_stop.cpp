#include "llmload/runtime/early_stop.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::runtime {
namespace {

std::int64_t in_flight(const StopSample& s) { return s.started - s.finished; }

double seconds(core::Nanos ns) { return core::ns_to_s(ns); }

}  // namespace

EarlyStopJudge::EarlyStopJudge(config::StopWhen rules) : rules_(rules) {
  if (rules_.error_rate) longest_window_ = std::max<core::Nanos>(longest_window_, rules_.over.count());
  longest_window_ = std::max<core::Nanos>(longest_window_, rules_.saturation.count());
}

const StopSample* EarlyStopJudge::at_or_before(core::Nanos t) const {
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (it->elapsed_ns <= t) return &*it;
  }
  return nullptr;
}

std::optional<StoppedEarly> EarlyStopJudge::add(const StopSample& sample) {
  if (decided_) return decided_;
  samples_.push_back(sample);
  // Keep the latest sample at or before now − the longest window, and every later one.
  while (samples_.size() >= 2 && samples_[1].elapsed_ns <= sample.elapsed_ns - longest_window_) samples_.pop_front();
  if (auto r = check_errors(sample)) decided_ = std::move(r);
  else if (auto r = check_error_rate(sample)) decided_ = std::move(r);
  else if (auto r = check_saturation(sample)) decided_ = std::move(r);
  if (decided_) decided_->at_ns = sample.elapsed_ns;
  return decided_;
}

std::optional<StoppedEarly> EarlyStopJudge::check_errors(const StopSample& now) const {
  if (!rules_.errors || now.failed < *rules_.errors) return std::nullopt;
  StoppedEarly s;
  s.reason = "errors";
  s.message = fmt::format("{} requests failed (limit {})", now.failed, *rules_.errors);
  s.figures = {{"failed", static_cast<double>(now.failed)}, {"limit", static_cast<double>(*rules_.errors)}};
  return s;
}

std::optional<StoppedEarly> EarlyStopJudge::check_error_rate(const StopSample& now) const {
  if (!rules_.error_rate || rules_.over.count() <= 0) return std::nullopt;
  const StopSample* base = at_or_before(now.elapsed_ns - rules_.over.count());
  if (base == nullptr) return std::nullopt;  // the run is not a window old yet
  const std::int64_t finished = now.finished - base->finished, failed = now.failed - base->failed;
  if (finished < config::kMinWindowRequests) return std::nullopt;
  const double rate = static_cast<double>(failed) / static_cast<double>(finished);
  if (!(rate > *rules_.error_rate)) return std::nullopt;
  StoppedEarly s;
  s.reason = "error_rate";
  s.message = fmt::format("{:.1f}% of the {} requests that finished in the last {:.1f} s failed (limit {:g}%)",
                          rate * 100, finished, seconds(now.elapsed_ns - base->elapsed_ns), *rules_.error_rate * 100);
  s.figures = {{"error_rate", rate},
               {"limit", *rules_.error_rate},
               {"finished_in_window", static_cast<double>(finished)},
               {"failed_in_window", static_cast<double>(failed)},
               {"window_s", seconds(now.elapsed_ns - base->elapsed_ns)}};
  return s;
}

std::optional<StoppedEarly> EarlyStopJudge::check_saturation(const StopSample& now) const {
  const core::Nanos w = rules_.saturation.count();
  if (w <= 0) return std::nullopt;
  const StopSample* a = at_or_before(now.elapsed_ns - w);
  const StopSample* m = at_or_before(now.elapsed_ns - w / 2);
  if (a == nullptr || m == nullptr || a == m || a->finished <= 0) return std::nullopt;
  const std::int64_t fa = in_flight(*a), fm = in_flight(*m), fn = in_flight(now);
  const bool growing = fa < fm && fm < fn && fn - fa >= std::max(kSaturationMinGrowth, fa);
  const std::int64_t first = m->finished - a->finished, second = now.finished - m->finished;
  const bool flat = static_cast<double>(second) <= 1.1 * static_cast<double>(first);
  if (!growing || !flat) return std::nullopt;
  const double half_s = seconds(m->elapsed_ns - a->elapsed_ns), second_s = seconds(now.elapsed_ns - m->elapsed_ns);
  const double rate1 = half_s > 0 ? static_cast<double>(first) / half_s : 0.0;
  const double rate2 = second_s > 0 ? static_cast<double>(second) / second_s : 0.0;
  StoppedEarly s;
  s.reason = "saturation";
  s.message = fmt::format("over-saturated: requests in flight grew from {} to {} in {:.1f} s while completions "
                          "stayed flat ({:.2f}/s, then {:.2f}/s)",
                          fa, fn, seconds(now.elapsed_ns - a->elapsed_ns), rate1, rate2);
  s.figures = {{"in_flight_start", static_cast<double>(fa)}, {"in_flight_middle", static_cast<double>(fm)},
               {"in_flight_end", static_cast<double>(fn)},   {"completions_per_s_first_half", rate1},
               {"completions_per_s_second_half", rate2},     {"window_s", seconds(now.elapsed_ns - a->elapsed_ns)}};
  return s;
}

}  // namespace llmload::runtime
