#include "llmload/metrics/repeat_stats.hpp"

#include <cmath>

namespace llmload::metrics {

double student_t_975(std::int64_t df) {
  static constexpr double kTable[] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
                                      2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
                                      2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
                                      2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df < 1) return NAN;
  if (df <= 30) return kTable[df - 1];
  // Cornish-Fisher expansion of t around the normal quantile z (Abramowitz & Stegun 26.7.5).
  constexpr double z = 1.959963984540054;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  const double g1 = (z3 + z) / 4, g2 = (5 * z5 + 16 * z3 + 3 * z) / 96,
               g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double n = static_cast<double>(df);
  return z + g1 / n + g2 / (n * n) + g3 / (n * n * n);
}

RepeatStat repeat_stat(std::span<const double> values) {
  RepeatStat s;
  s.values.assign(values.begin(), values.end());
  s.n = static_cast<std::int64_t>(values.size());
  if (values.empty()) return s;
  double sum = 0;
  for (const double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  s.ci_low = s.ci_high = s.mean;
  if (s.n < 2) return s;
  double squares = 0;
  for (const double v : values) squares += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(squares / static_cast<double>(s.n - 1));
  s.cv = s.mean != 0 ? s.std / std::abs(s.mean) : 0.0;
  const double half = student_t_975(s.n - 1) * s.std / std::sqrt(static_cast<double>(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

}  // namespace llmload::metrics
