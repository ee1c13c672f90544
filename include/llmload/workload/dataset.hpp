#pragma once
/// Builds the workload of a run from the dataset flags: picks the source by name, applies
/// vLLM's oversampling, and returns the requests in send order with notes for the user.

#include "llmload/core/error.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/request_spec.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

namespace llmload::workload {

/// The requests of `options.name` (one of kDatasets). `tokenizer` may be null: lengths
/// are then counted in words and the notes say so. Every input problem (unknown name, missing
/// file, malformed line N, unreadable image, a flag out of range) is an error naming the file,
/// line and problem; nothing is sent before this returns. Deterministic for a seed.
core::Result<Dataset> make_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// vLLM's maybe_oversample_requests(): when `dataset.specs` has fewer than `num_prompts`
/// requests, appends copies of requests picked as Python's `random.choice` picks them after
/// `random.seed(seed)`, and adds a note. With `no_oversample` a dataset smaller than
/// `num_prompts` is an error naming both numbers. An empty dataset is an error naming `what`.
core::Result<void> oversample(Dataset& dataset, std::size_t num_prompts, std::uint64_t seed,
                              bool no_oversample, std::string_view what);

/// The --no-oversample refusal: an error naming `what`, `have` and `num_prompts` when
/// `no_oversample` is set and the dataset has fewer than `num_prompts` prompts.
core::Result<void> check_no_oversample(std::size_t have, std::size_t num_prompts, bool no_oversample,
                                       std::string_view what);

/// Input tokens of `text` as vLLM counts a dataset prompt (`len(tokenizer(text).input_ids)`,
/// special tokens included) or, without a tokenizer, its words.
std::int64_t count_prompt_tokens(const tokenizer::Tokenizer* tokenizer, std::string_view text);

}  // namespace llmload::workload
