#include "llmload/core/rng.hpp"

#include <cmath>

namespace llmload::core {

namespace {
// FNV-1a then splitmix64: spreads a (seed, stream) pair over the whole 64-bit seed space.
std::uint64_t mix(std::uint64_t seed, std::string_view stream) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : stream) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::uint64_t z = seed ^ h;
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

Rng::Rng(std::uint64_t seed, std::string_view stream) : engine_(mix(seed, stream)) {}

double Rng::uniform01() {
  // 53 random bits -> exactly representable doubles in [0, 1).
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  // In unsigned arithmetic: hi - lo overflows int64 for ranges wider than INT64_MAX (UBSan).
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  if (span == 0) return static_cast<std::int64_t>(engine_());  // full 64-bit range
  // Rejection sampling removes modulo bias.
  const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % span);
  std::uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % span);
}

double Rng::normal() {
  double u1;
  do {
    u1 = uniform01();
  } while (u1 <= 0.0);
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Rng::gamma(double shape, double scale) {
  if (shape < 1.0) {
    // Boost a shape < 1 to shape + 1 and correct with U^(1/shape) (Marsaglia–Tsang).
    double u;
    do {
      u = uniform01();
    } while (u <= 0.0);
    return gamma(shape + 1.0, scale) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform01();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v * scale;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v * scale;
  }
}

double Rng::exponential(double mean) {
  double u;
  do {
    u = uniform01();
  } while (u <= 0.0);
  return -std::log(u) * mean;
}

}  // namespace llmload::core
