#pragma once
/// vLLM's `random` dataset, two ways:
///  - with a tokenizer (vLLM's RandomDataset exactly): token ids sampled from the vocabulary
///    without special tokens, decoded to text and re-encoded, with vLLM's correction loop so
///    each prompt encodes to the requested number of tokens;
///  - without one: prompts of a requested length in words drawn from a built-in word list (one
///    word ≈ one token; the built-in simulator counts exactly one token per word).
/// Both share a random prefix across prompts and sample lengths with --random-range-ratio.

#include "llmload/core/error.hpp"
#include "llmload/core/rng.hpp"
#include "llmload/workload/request_spec.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

#include <cstdint>
#include <functional>
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

/// Without a tokenizer: `count` requests. Input lengths are uniform integers in
/// [floor(L·(1−r)), ceil(L·(1+r))], output lengths likewise with a lower bound of 1 (vLLM's
/// sampling rule); every prompt starts with the same prefix_len-word prefix. The same seed
/// yields byte-identical prompts. Errors name the offending flag.
core::Result<std::vector<RequestSpec>> make_random_dataset(std::size_t count,
                                                           const RandomDatasetOptions& options);

/// Counts the tokens of a prompt as the target server does (its `/tokenize`), special tokens
/// included. An error means the server cannot count (the caller falls back to words).
using TokenCounter = std::function<core::Result<std::int64_t>(std::string_view text)>;

/// Without a tokenizer but with the server's count: the word prompts above, each then grown or
/// shortened at its end (never into the shared prefix) until `count_tokens` says it has
/// prefix_len + its sampled input length tokens, up to `max_rounds` counts per prompt.
/// prompt_len is the server's final count. Notes say the lengths came from the server and how
/// many prompts missed. Errors are the first of count_tokens' (or a flag's).
core::Result<Dataset> make_random_dataset(std::size_t count, const RandomDatasetOptions& options,
                                          const TokenCounter& count_tokens, int max_rounds = 10);

/// With a tokenizer, as vLLM's RandomDataset.sample(): the sampled input length L' is
/// --random-input-len minus the tokens the post-processor adds (BOS), so prompt + special
/// tokens = the requested length; lengths uniform in [floor(L'(1−r)), ceil(L'(1+r))]; each
/// prompt is prefix_len shared random ids + a run of consecutive allowed ids from a random
/// offset, decoded and re-encoded through decode_to_target_len(). prompt_len is the encoded
/// length of the final prompt (special tokens excluded, as vLLM reports it). Notes say how many
/// prompts missed their target after the retries. Deterministic for a seed and tokenizer.
core::Result<Dataset> make_random_dataset(std::size_t count, const RandomDatasetOptions& options,
                                          const tokenizer::Tokenizer& tokenizer);

/// Text whose encoding (without special tokens) has `target_len` tokens, from `ids`: vLLM's
/// gen_prompt_decode_to_target_len(). Decode, re-encode; too long → truncate the ids, too
/// short → append random ids in [0, model_vocab_size), up to `max_retry` times. Returns the
/// final text and sets `*encoded_len` to its encoded length (which differs from target_len only
/// when the retries ran out). Ids outside the vocabulary fail.
core::Result<std::string> decode_to_target_len(const tokenizer::Tokenizer& tokenizer, std::vector<std::int32_t> ids,
                                               std::size_t target_len, core::Rng& rng,
                                               std::size_t* encoded_len, int max_retry = 10);

/// Ids a random prompt may use: the model vocabulary without special tokens and without
/// unassigned ids (vLLM's `allowed_tokens`), ascending.
std::vector<std::int32_t> allowed_token_ids(const tokenizer::Tokenizer& tokenizer);

/// Appends `count` words drawn uniformly from builtin_words() with `rng`, separated by single
/// spaces (and one before the first when `out` is not empty). Deterministic for the rng state.
void append_random_words(std::string& out, std::int64_t count, core::Rng& rng);

/// The built-in word list prompts are drawn from (lower-case English words, no spaces).
std::span<const std::string_view> builtin_words();

/// Whitespace-separated words in `text`: the token count used without a tokenizer (exact for
/// the built-in simulator, which counts one token per word).
std::int64_t count_words(std::string_view text);

}  // namespace llmload::workload
