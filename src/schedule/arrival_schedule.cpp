#include "llmload/schedule/arrival_schedule.hpp"

#include "llmload/core/rng.hpp"

#include <algorithm>
#include <cmath>

namespace llmload::schedule {

double rate_at(const ArrivalOptions& options, std::size_t index, std::size_t count) {
  if (!options.ramp_up) return options.request_rate;
  const auto& ramp = *options.ramp_up;
  const double progress =
      static_cast<double>(index) / static_cast<double>(std::max<std::size_t>(count - 1, 1));
  if (ramp.strategy == RampUp::Strategy::kLinear) {
    return ramp.start_rps + (ramp.end_rps - ramp.start_rps) * progress;
  }
  return ramp.start_rps * std::pow(ramp.end_rps / ramp.start_rps, progress);
}

core::Result<std::vector<core::Nanos>> make_arrival_offsets(std::size_t count,
                                                            const ArrivalOptions& options) {
  if (!(options.burstiness > 0)) {
    return core::fail("--burstiness must be a positive number (got {}); 1 means Poisson arrivals",
                      options.burstiness);
  }
  if (options.ramp_up) {
    const auto& ramp = *options.ramp_up;
    if (ramp.start_rps < 0 || ramp.end_rps < 0) {
      return core::fail("--ramp-up-start-rps and --ramp-up-end-rps must be non-negative");
    }
    if (ramp.start_rps > ramp.end_rps) {
      return core::fail("--ramp-up-start-rps ({}) must not exceed --ramp-up-end-rps ({})",
                        ramp.start_rps, ramp.end_rps);
    }
    if (ramp.strategy == RampUp::Strategy::kExponential && ramp.start_rps == 0) {
      return core::fail("--ramp-up-strategy exponential needs --ramp-up-start-rps above 0");
    }
  } else if (!(options.request_rate > 0)) {
    return core::fail("--request-rate must be a positive number or 'inf' (got {})",
                      options.request_rate);
  }

  core::Rng rng(options.seed, "arrivals");
  std::vector<double> delay_s(count, 0.0);
  for (std::size_t i = 0; i < count; ++i) {
    const double rate = rate_at(options, i, count);
    if (!(rate > 0)) {
      // A linear ramp starting at 0 rps: the first request has no defined gap (vLLM asserts
      // here); treat a zero rate as "due immediately".
      delay_s[i] = 0.0;
    } else if (std::isinf(rate)) {
      delay_s[i] = 0.0;
    } else if (std::isinf(options.burstiness)) {
      delay_s[i] = 1.0 / rate;
    } else {
      delay_s[i] = rng.gamma(options.burstiness, 1.0 / (rate * options.burstiness));
    }
  }
  for (std::size_t i = 1; i < count; ++i) delay_s[i] += delay_s[i - 1];
  if (!options.ramp_up && count > 0 && delay_s.back() != 0.0) {
    // vLLM rescales so the run's nominal length is exactly count/rate regardless of the seed.
    const double factor = (static_cast<double>(count) / options.request_rate) / delay_s.back();
    for (auto& d : delay_s) d *= factor;
  }
  std::vector<core::Nanos> offsets(count);
  for (std::size_t i = 0; i < count; ++i) {
    offsets[i] = static_cast<core::Nanos>(std::llround(delay_s[i] * 1e9));
  }
  return offsets;
}

}  // namespace llmload::schedule
