#pragma once
/// vLLM's `random` dataset without a tokenizer: prompts of a requested length in words drawn
/// from a built-in word list (one word ≈ one token; the built-in simulator counts exactly one
/// token per word), a shared random prefix, and output lengths with --random-range-ratio.

#include "llmload/core/error.hpp"
#include "llmload/workload/request_spec.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace llmload::workload {

/// The random dataset's flags (vLLM's names and defaults).
struct RandomDatasetOptions {
  std::int64_t input_len = 1024;   ///< --random-input-len
  std::int64_t output_len = 128;   ///< --random-output-len
  std::int64_t prefix_len = 0;     ///< --random-prefix-len: shared prefix, added to each prompt
  double range_ratio = 0.0;        ///< --random-range-ratio, in [0, 1)
  std::uint64_t seed = 0;          ///< --seed
};

/// `count` requests. Input lengths are uniform integers in [floor(L·(1−r)), ceil(L·(1+r))],
/// output lengths likewise with a lower bound of 1 (vLLM's sampling rule); every prompt starts
/// with the same prefix_len-word prefix. The same seed yields byte-identical prompts.
/// Errors name the offending flag.
core::Result<std::vector<RequestSpec>> make_random_dataset(std::size_t count,
                                                           const RandomDatasetOptions& options);

/// The built-in word list prompts are drawn from (lower-case English words, no spaces).
std::span<const std::string_view> builtin_words();

}  // namespace llmload::workload
