#pragma once
/// Tokens per chunk from a tokenizer, for servers that do not send continuous usage: the
/// per-token ITL and the peak output throughput in tokens then work with any server.

#include "llmload/metrics/request_record.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

#include <cstddef>
#include <span>

namespace llmload::runtime {

/// For each successful record that has no chunk_tokens but has chunk_text_end (one entry per
/// token chunk), sets chunk_tokens[k] to the number of tokens of the text and the reasoning
/// text chunk k added, each encoded on its own (no special tokens). An estimate: a token
/// the server split across two chunks counts in both, and byte-pair merges across a chunk
/// boundary are not seen; for one-token chunks (vLLM's usual stream) it is the token count.
/// Returns how many records it filled. Call after the run (not on the load path).
std::size_t count_chunk_tokens(std::span<metrics::RequestRecord> records, const tokenizer::Tokenizer& tokenizer);

}  // namespace llmload::runtime
