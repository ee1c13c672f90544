#pragma once
/// vLLM's datasets that `vllm bench serve` loads from the Hugging Face Hub (`--dataset-name hf`)
/// and `spec_bench`, read here from local exports: no network access, ever.
///
/// `hf`: --dataset-path is a Parquet file (workload/parquet_reader.hpp), a JSON Lines file, a
/// JSON array file, or a folder of them, two levels of subfolders included (a local snapshot;
/// with --hf-split only the files whose path contains the split), and --hf-name says
/// which of vLLM's datasets it holds (or --dataset-path is that name and a folder of that name
/// exists). Each dataset is read as vLLM's class for it reads a record (see hub_recipes()):
/// prompt fields, the output length (--hf-output-len / --output-len, else vLLM's default for
/// the dataset, else the reference answer's length with vLLM's length filter), images for the
/// multimodal ones (chat backend only). Differences from vLLM, said in the notes: records are
/// taken in the order of Python's random.shuffle after random.seed(--seed) (vLLM streams the
/// Hub's own shuffle, which cannot be reproduced offline), and no chat template is applied on
/// the client (the server applies its own to chat requests).
///
/// `spec_bench`: Spec-Bench's question.jsonl: the first of each line's "turns" is the prompt,
/// its "category" labels the request (per-category results) and --spec-bench-category keeps
/// one category; shuffled and oversampled with seed 0 as vLLM does (its SpecBench ignores
/// --seed); output length --spec-bench-output-len / --output-len (256).

#include "llmload/core/error.hpp"
#include "llmload/tokenizer/tokenizer.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/request_spec.hpp"

#include <string>
#include <vector>

namespace llmload::workload {

/// `--dataset-name hf` from a local export.
core::Result<Dataset> make_hf_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// `--dataset-name audio` (llmload's): a JSON Lines (or JSON, or Parquet) file whose records
/// hold "audio" (a WAV/FLAC path, relative ones against the file's folder, or the Hub's
/// {"bytes", "path"}); shuffled with --seed as hf is, filtered by the --asr-* lengths, output
/// length --output-len (128). The same records as vLLM's speech datasets (hf with --hf-name
/// openslr/librispeech_asr, ...), which go through make_hf_dataset.
core::Result<Dataset> make_audio_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// `--dataset-name spec_bench`.
core::Result<Dataset> make_spec_bench_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// The Hub names `hf` reads (vLLM's SUPPORTED_DATASET_PATHS of the classes ported), for help
/// and messages.
std::vector<std::string> hub_dataset_names();

/// Checks the hf / spec_bench flags that need no file (distances in [0, 1], min <= max).
core::Result<void> check_hub_options(const HubDatasetOptions& hub);

}  // namespace llmload::workload
