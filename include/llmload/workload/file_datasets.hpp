#pragma once
/// Datasets read from a file (--dataset-path): vLLM's `sharegpt`, `custom` (JSONL) and
/// `sonnet`. Entries are picked as vLLM picks them (Python's random.shuffle after
/// random.seed(--seed), see py_random.hpp), so the same seed selects the same entries.
///
/// Memory: files are read twice instead of held in memory. The first pass streams the file
/// (1 MiB blocks; ShareGPT's single JSON array through scan_json_array()) and keeps 24 bytes
/// per usable entry (offset, size, line); the second reads back only the entries selected, in
/// shuffled order. A 1 GiB ShareGPT file (~100k conversations) thus needs ~2.4 MB of index,
/// one 1 MiB block, its largest entry, and the selected prompts themselves.

#include "llmload/core/error.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/request_spec.hpp"
#include "llmload/workload/tokenizer.hpp"

namespace llmload::workload {

/// vLLM's ShareGPTDataset: a JSON array of objects whose "conversations" has at least two
/// turns; the first turn's "value" is the prompt, the second's token length is the output
/// length unless --sharegpt-output-len/--output-len is given. With a tokenizer, vLLM's
/// is_valid_sequence() filter applies (prompt ≥ 4 tokens, output ≥ 4 unless fixed, prompt ≤
/// 1024, prompt + output ≤ 2048); without one, lengths are counted in words and nothing is
/// filtered (said in the notes). Oversampled to --num-prompts (unless --no-oversample).
core::Result<Dataset> make_sharegpt_dataset(const DatasetOptions& options, const Tokenizer* tokenizer);

/// `custom`: JSON Lines, one object per line: "prompt" (string, required), "output_tokens"
/// (integer ≥ 1, used unless --custom-output-len/--output-len is given; default 256),
/// "images" (array of local paths, relative to the file's folder, or http(s)/data URLs;
/// chat backend only), "category" (string, for per-category results), "answers" (string or
/// array of strings, kept as reference answers). Blank lines are skipped. Every line is
/// validated before any request is sent; errors name the file and line.
core::Result<Dataset> make_custom_dataset(const DatasetOptions& options, const Tokenizer* tokenizer);

/// vLLM's SonnetDataset: lines of a poem file; each prompt is "Pick as many lines as you can
/// from these poem lines:\n", a fixed prefix of lines, then lines drawn with Python's
/// random.choices, sized from the average line length to --sonnet-input-len, kept when the
/// prompt fits. No chat template is applied (llmload has no Jinja engine): the base offset
/// is the base prompt's own token count. Without a tokenizer lengths are words.
core::Result<Dataset> make_sonnet_dataset(const DatasetOptions& options, const Tokenizer* tokenizer);

}  // namespace llmload::workload
