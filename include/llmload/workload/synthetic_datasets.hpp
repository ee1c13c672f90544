#pragma once
/// Generated datasets besides `random`: vLLM's `prefix_repetition` and `random-mm`.

#include "llmload/core/error.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/request_spec.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

#include <string_view>

namespace llmload::workload {

/// vLLM's PrefixRepetitionRandomDataset: --prefix-repetition-num-prefixes random prefixes of
/// --prefix-repetition-prefix-len tokens, each followed by floor(num_prompts / num_prefixes)
/// random suffixes of --prefix-repetition-suffix-len tokens (so fewer than num_prompts
/// requests when it does not divide; said in the notes), shuffled. With a tokenizer each part
/// is made exact with decode_to_target_len(); without one, parts are words.
core::Result<Dataset> make_prefix_repetition_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// vLLM's RandomMultiModalDataset for images: the random dataset's text, plus per request a
/// number of images uniform in [floor(b(1−r)), min(ceil(b(1+r)), Σ limits)] whose sizes are
/// drawn from the bucket probabilities (a modality at its --random-mm-limit-mm-per-prompt
/// limit drops out), each of independent random RGB pixels, sent as a JPEG data URL as vLLM
/// sends them (quality 75, 4:2:0) or, with --random-mm-image-format png, a PNG one. Chat
/// backend only. Video buckets (frames > 1) are refused.
core::Result<Dataset> make_random_mm_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// Parses --random-mm-bucket-config, vLLM's Python dict literal of (height, width, frames)
/// tuples to probabilities, e.g. "{(256, 256, 1): 0.5, (720, 1280, 1): 0.5}". Zero-probability
/// buckets are dropped and the rest normalized. Errors quote the flag and the problem.
core::Result<std::vector<MmBucket>> parse_bucket_config(std::string_view text);

/// Parses --random-mm-limit-mm-per-prompt, a JSON object of modality to count, e.g.
/// {"image": 255, "video": 0}.
core::Result<std::map<std::string, std::int64_t>> parse_limit_mm_per_prompt(std::string_view text);

}  // namespace llmload::workload
