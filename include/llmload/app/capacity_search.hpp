#pragma once
/// The capacity search of `llmload run`: the highest rate (or concurrency) of one stage that
/// meets every SLO. Both ends of [from, to] are probed, then the value halfway (geometric for
/// rates, integer for concurrency) between the highest passing and the lowest failing one,
/// until they are within the tolerance or the runs are used up. A pure object: the caller
/// runs each probe and records whether it passed.

#include "llmload/config/profile.hpp"

#include <cstdint>
#include <optional>

namespace llmload::app {

class CapacitySearch final {
 public:
  explicit CapacitySearch(config::ProfileSearch search) : search_(search) {}

  /// The value to probe next, or nullopt when the search is over.
  std::optional<double> next() const;
  /// The outcome of probing `value` (the value next() gave).
  void record(double value, bool passed);

  std::optional<double> highest_passing() const { return pass_; }
  std::optional<double> lowest_failing() const { return fail_; }
  std::int64_t probes() const { return probes_; }
  bool over_rate() const { return search_.over == "rate"; }

 private:
  bool close_enough() const;

  config::ProfileSearch search_;
  std::int64_t probes_ = 0;
  std::optional<double> pass_, fail_;
};

}  // namespace llmload::app
