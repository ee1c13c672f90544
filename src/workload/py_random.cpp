#include "llmload/workload/py_random.hpp"

#include <bit>

namespace llmload::workload {

PyRandom::PyRandom(std::uint64_t seed) {
  // CPython's random_seed(): the absolute value's 32-bit words, least significant first, at
  // least one word (seed 0 is the key [0]).
  std::uint32_t key[2] = {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  const int key_len = (seed >> 32) != 0 ? 2 : 1;

  mt_[0] = 19650218U;
  for (int i = 1; i < kN; ++i) {
    mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  }
  int i = 1, j = 0;
  for (int k = kN > key_len ? kN : key_len; k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] + static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
    if (j >= key_len) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<std::uint32_t>(i);
    ++i;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;
  index_ = kN;
}

std::uint32_t PyRandom::next_u32() {
  constexpr int kM = 397;
  constexpr std::uint32_t kMatrixA = 0x9908b0dfU, kUpper = 0x80000000U, kLower = 0x7fffffffU;
  if (index_ >= kN) {
    auto twist = [&](int k, int next, int far) {
      const std::uint32_t y = (mt_[k] & kUpper) | (mt_[next] & kLower);
      mt_[k] = mt_[far] ^ (y >> 1) ^ ((y & 1U) != 0 ? kMatrixA : 0U);
    };
    int k = 0;
    for (; k < kN - kM; ++k) twist(k, k + 1, k + kM);
    for (; k < kN - 1; ++k) twist(k, k + 1, k + kM - kN);
    twist(kN - 1, 0, kM - 1);
    index_ = 0;
  }
  std::uint32_t y = mt_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

double PyRandom::random() {
  const std::uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

std::uint64_t PyRandom::getrandbits(int k) {
  if (k <= 32) return next_u32() >> (32 - k);
  // CPython fills 32-bit words least significant first; the last word keeps its top bits.
  const std::uint64_t low = next_u32();
  const std::uint64_t high = next_u32() >> (64 - k);
  return low | (high << 32);
}

std::uint64_t PyRandom::randbelow(std::uint64_t n) {
  if (n == 0) return 0;
  const int k = static_cast<int>(std::bit_width(n));
  std::uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

}  // namespace llmload::workload
