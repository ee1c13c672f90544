#include "llmload/app/capacity_search.hpp"

#include <cmath>

namespace llmload::app {

bool CapacitySearch::close_enough() const {
  return over_rate() ? (*fail_ - *pass_) / *pass_ <= search_.tolerance : *fail_ - *pass_ <= 1;
}

std::optional<double> CapacitySearch::next() const {
  if (probes_ == 0) return search_.from;
  if (!pass_) return std::nullopt;  // even `from` misses an SLO
  if (probes_ == 1) return search_.to;
  if (!fail_) return std::nullopt;  // `to` meets every SLO
  if (probes_ >= search_.max_runs || close_enough()) return std::nullopt;
  return over_rate() ? std::sqrt(*pass_ * *fail_) : std::floor((*pass_ + *fail_) / 2);
}

void CapacitySearch::record(double value, bool passed) {
  ++probes_;
  if (passed) pass_ = value;
  else fail_ = value;
}

}  // namespace llmload::app
