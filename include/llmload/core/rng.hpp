#pragma once
/// Seeded random numbers. Every random choice in a run (prompts, lengths, arrival gaps) comes
/// from an Rng derived from the run's --seed and a fixed stream name, so the same seed gives
/// byte-identical requests and the same schedule on every machine with this build.

#include <cstdint>
#include <random>
#include <string_view>

namespace llmload::core {

/// splitmix64's step: `z` advanced by the golden gamma, then mixed (Steele, Lea and Flood):
/// a seeded hash of one 64-bit value, the same on every machine.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// A deterministic pseudo-random generator (64-bit Mersenne Twister). Not thread-safe: one
/// instance per consumer. Distributions are implemented here (not std::*_distribution) so the
/// sequence does not depend on the standard library's implementation.
class Rng final {
 public:
  /// Seeds from `seed` mixed with a stream name, so independent consumers of the same seed
  /// (e.g. "schedule", "dataset") get independent sequences.
  explicit Rng(std::uint64_t seed, std::string_view stream = {});

  /// Next raw 64-bit value.
  std::uint64_t next_u64() { return engine_(); }
  /// Uniform double in [0, 1).
  double uniform01();
  /// Uniform integer in [lo, hi] (inclusive); requires lo <= hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  /// Standard normal deviate (Box–Muller).
  double normal();
  /// Gamma(shape, scale) deviate (Marsaglia–Tsang); shape > 0, scale > 0.
  double gamma(double shape, double scale);
  /// Exponential deviate with the given mean.
  double exponential(double mean);

 private:
  std::mt19937_64 engine_;
};

}  // namespace llmload::core
