#pragma once
/// Statistics over repeated runs of one plan (bench --num-runs, a profile's `repeat:`): for a
/// metric measured once per run, the mean, the sample standard deviation, the coefficient of
/// variation and the two-sided 95% confidence interval of the mean (Student t with n − 1
/// degrees of freedom). Pure. (Not in vLLM.)

#include <cstdint>
#include <span>
#include <vector>

namespace llmload::metrics {

/// One metric over n runs. With n = 1 the spread is 0 and the interval is the value itself.
struct RepeatStat {
  std::int64_t n = 0;
  double mean = 0;
  double std = 0;      ///< sample standard deviation (n − 1 in the denominator)
  double cv = 0;       ///< std / |mean| (0 when the mean is 0)
  double ci_low = 0;   ///< mean − t(0.975, n − 1) × std / √n
  double ci_high = 0;  ///< mean + t(0.975, n − 1) × std / √n
  std::vector<double> values;  ///< one per run, in run order
};

/// The 0.975 quantile of Student's t distribution with `df` >= 1 degrees of freedom: exact to
/// four decimals from a table up to 30, a Cornish-Fisher expansion beyond (error < 1e-4).
double student_t_975(std::int64_t df);

/// The statistics of `values` (at least one).
RepeatStat repeat_stat(std::span<const double> values);

}  // namespace llmload::metrics
