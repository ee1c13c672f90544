// PyRandom against values printed by CPython 3's random module (seeded as random.seed(n)).
#include "llmload/workload/py_random.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace llmload::workload {
namespace {

TEST(PyRandom, ShuffleRandomAndChoiceMatchCPythonSeed0) {
  PyRandom rng(0);
  std::vector<int> x(10);
  std::iota(x.begin(), x.end(), 0);
  rng.shuffle(x);  // random.seed(0); random.shuffle(list(range(10)))
  EXPECT_EQ(x, (std::vector<int>{7, 8, 1, 5, 3, 4, 2, 0, 9, 6}));
  EXPECT_DOUBLE_EQ(rng.random(), 0.3580493746949883);
  EXPECT_EQ(rng.choice_index(100), 27u);
}

TEST(PyRandom, ShuffleMatchesCPythonSeed7) {
  PyRandom rng(7);
  std::vector<int> x(10);
  std::iota(x.begin(), x.end(), 0);
  rng.shuffle(x);
  EXPECT_EQ(x, (std::vector<int>{8, 3, 1, 4, 7, 0, 9, 6, 2, 5}));
}

TEST(PyRandom, ChoiceAndChoicesMatchCPython) {
  PyRandom a(0);  // [random.choice(range(3)) for _ in range(5)]
  std::vector<std::size_t> picks;
  for (int i = 0; i < 5; ++i) picks.push_back(a.choice_index(3));
  EXPECT_EQ(picks, (std::vector<std::size_t>{1, 1, 0, 1, 2}));
  PyRandom b(3);  // [random.choices(range(5))[0] for _ in range(8)]
  picks.clear();
  for (int i = 0; i < 8; ++i) picks.push_back(b.choices_index(5));
  EXPECT_EQ(picks, (std::vector<std::size_t>{1, 2, 1, 3, 3, 0, 0, 4}));
}

TEST(PyRandom, LargeSeedAndWideGetrandbitsMatchCPython) {
  PyRandom rng((std::uint64_t{1} << 40) + 5);  // two key words
  EXPECT_EQ(rng.getrandbits(33), 6461264164u);
  EXPECT_EQ(rng.getrandbits(33), 5448614569u);
  EXPECT_DOUBLE_EQ(rng.random(), 0.9257865475671585);
}

}  // namespace
}  // namespace llmload::workload
