#pragma once
/// Python's `random` module, bit for bit: the MT19937 generator seeded as `random.seed(n)`
/// seeds it (init_by_array over the integer's 32-bit words), and the exact algorithms of
/// `random()`, `getrandbits()`, `shuffle()`, `choice()` and `choices()`. vLLM's datasets pick,
/// shuffle and oversample prompts with these, so for the same --seed llmload selects the same
/// entries of a ShareGPT, custom or sonnet file as `vllm bench serve` does.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace llmload::workload {

/// Python's random.Random. Not thread-safe: one instance per consumer; cheap to construct
/// (2.5 KB of state).
class PyRandom final {
 public:
  /// Same state as Python's `random.seed(seed)` for a non-negative integer seed.
  explicit PyRandom(std::uint64_t seed);

  /// Next 32-bit output of MT19937 (CPython's genrand_uint32).
  std::uint32_t next_u32();
  /// `random.random()`: a double in [0, 1) with 53 random bits.
  double random();
  /// `random.getrandbits(k)` for 1 <= k <= 64.
  std::uint64_t getrandbits(int k);
  /// `random._randbelow(n)`: uniform in [0, n); 0 when n == 0.
  std::uint64_t randbelow(std::uint64_t n);

  /// `random.shuffle(items)`.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i-- > 1;) {
      const auto j = static_cast<std::size_t>(randbelow(i + 1));
      std::swap(items[i], items[j]);
    }
  }
  /// Index picked by `random.choice(seq)` for a sequence of `size` items (size > 0).
  std::size_t choice_index(std::size_t size) { return static_cast<std::size_t>(randbelow(size)); }
  /// Index picked by one draw of `random.choices(seq)` (no weights): floor(random() * size).
  std::size_t choices_index(std::size_t size) {
    return static_cast<std::size_t>(std::floor(random() * static_cast<double>(size)));
  }

 private:
  static constexpr int kN = 624;
  std::uint32_t mt_[kN]{};
  int index_ = kN;
};

}  // namespace llmload::workload
