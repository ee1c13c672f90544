#pragma once
/// vLLM's arrival process, precomputed: when each request of the run is due, as offsets from
/// the run's time origin. Pure and deterministic for a given seed.

#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace llmload::schedule {

/// vLLM's --ramp-up-strategy: the rate moves from start_rps to end_rps over the requests.
struct RampUp {
  enum class Strategy { kLinear, kExponential };
  Strategy strategy = Strategy::kLinear;
  double start_rps = 0;
  double end_rps = 0;
};

/// Inputs of the arrival process (vLLM's --request-rate, --burstiness, --ramp-up-*, --seed).
struct ArrivalOptions {
  /// Requests per second; +infinity sends every request at offset 0.
  double request_rate = std::numeric_limits<double>::infinity();
  /// Gamma shape of the inter-arrival gaps: 1 = Poisson, < 1 burstier, > 1 more regular,
  /// +infinity = constant gaps of 1/rate.
  double burstiness = 1.0;
  std::optional<RampUp> ramp_up;
  std::uint64_t seed = 0;
};

/// Scheduled offset (ns from the run's origin) of each of `count` requests, non-decreasing.
/// Matches vLLM's get_request(): gap i ~ Gamma(shape=burstiness, scale=1/(rate·burstiness));
/// offsets are cumulative sums, so the first request waits one gap too; without ramp-up the
/// offsets are rescaled so the last one lands exactly at count/rate. Errors name the flag
/// (non-positive rate or burstiness, bad ramp-up bounds).
core::Result<std::vector<core::Nanos>> make_arrival_offsets(std::size_t count,
                                                            const ArrivalOptions& options);

/// The rate in effect for request `index` of `count` (the configured rate, or the ramp's).
double rate_at(const ArrivalOptions& options, std::size_t index, std::size_t count);

}  // namespace llmload::schedule
