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
#include "llmload/tokenizer/tokenizer.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace llmload::workload {

/// vLLM's ShareGPTDataset: a JSON array of objects whose "conversations" has at least two
/// turns; the first turn's "value" is the prompt, the second's token length is the output
/// length unless --sharegpt-output-len/--output-len is given. With a tokenizer, vLLM's
/// is_valid_sequence() filter applies (prompt ≥ 4 tokens, output ≥ 4 unless fixed, prompt ≤
/// 1024, prompt + output ≤ 2048); without one, lengths are counted in words and nothing is
/// filtered (said in the notes). Oversampled to --num-prompts (refused with --no-oversample).
core::Result<Dataset> make_sharegpt_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// `custom` (and `image-qa`, the same reader): JSON Lines, one object per line: "prompt" (string,
/// required; "question" is accepted in its place, as VisionArena/OKVQA exports name it), "output_tokens"
/// (integer ≥ 1, used unless --custom-output-len/--output-len is given; default 256),
/// "images" (array of local paths, relative to the file's folder, or http(s)/data URLs;
/// chat backend only), "category" (string, for per-category results), "answers" (string or
/// array of strings, kept as reference answers). Blank lines are skipped. Every line is
/// validated before any request is sent; errors name the file and line.
core::Result<Dataset> make_custom_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// One line of a `custom` / `image-qa` file as the simulator's answers mode reads it.
struct ReferenceLine {
  std::string prompt;                ///< "prompt" (or "question"), as written
  std::string category;              ///< "" when the line has none
  std::vector<std::string> answers;  ///< "answers" (a string is one answer)
  std::uint32_t line = 0;            ///< 1-based line number in the file
};

/// Reads every line of a `custom` / `image-qa` JSON Lines file with the same line rules as
/// make_custom_dataset() (images are neither checked nor read). Bounded: a file over
/// `max_bytes` is refused, naming its size. Errors name the file and line.
core::Result<std::vector<ReferenceLine>> read_reference_lines(const std::filesystem::path& path,
                                                              std::uint64_t max_bytes);

/// vLLM's BurstGPTDataset: a BurstGPT CSV (header Timestamp, Model, Request tokens, Response
/// tokens, Total tokens, Log Type; columns found by name, in any order). Rows whose Model is
/// "GPT-4" and whose Response tokens > 0 are kept; --num-prompts of them are picked without
/// replacement (Python's random.shuffle after random.seed(--seed): the same seed picks the same
/// rows here, but not the rows pandas' DataFrame.sample picks in vLLM), or with replacement
/// when there are fewer (refused with --no-oversample). Each prompt has "Request tokens"
/// tokens: with a tokenizer, vLLM's ids (i + j) over the usable vocabulary made exact with
/// decode_to_target_len() (vLLM sends them decoded as they are, which re-encode to far fewer
/// tokens); without one, random built-in words. The output length is "Response tokens". Errors
/// name the file and line (missing column, wrong field count, a non-integer count).
core::Result<Dataset> make_burstgpt_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);
/// vLLM's SonnetDataset: lines of a poem file; each prompt is "Pick as many lines as you can
/// from these poem lines:\n", a fixed prefix of lines, then lines drawn with Python's
/// random.choices, sized from the average line length to --sonnet-input-len, kept when the
/// prompt fits. No chat template is applied (llmload has no Jinja engine): the base offset
/// is the base prompt's own token count. Without a tokenizer lengths are words.
core::Result<Dataset> make_sonnet_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

}  // namespace llmload::workload
