#pragma once
/// vLLM's `random-rerank` dataset (RandomDatasetForReranking): one random query shared by
/// every request and --num-prompts random documents, sent --random-batch-size documents per
/// request. For a reranker (the default) the query takes half of --random-input-len less one
/// separator token and each document the rest, and a request counts (query + 1) tokens per
/// document plus its documents; with --no-reranker (an embedding model scoring pairs) the
/// query is --random-input-len long and is sent once, ahead of one document fewer per batch
/// and one document fewer in all. The text is words from the built-in list (one word ≈ one
/// token; with a tokenizer each text's length is its count). Deterministic for --seed.

#include "llmload/core/error.hpp"
#include "llmload/tokenizer/tokenizer.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/request_spec.hpp"

namespace llmload::workload {

/// Each request: prompt = the query, documents = its batch, prompt_len = vLLM's count, no
/// output tokens. Errors name the flag.
core::Result<Dataset> make_random_rerank_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

}  // namespace llmload::workload
