#pragma once
/// Trace replay: vLLM's `timed_trace` (JSON Lines with configurable field names, timestamp
/// unit and tokens per hash id) and `mooncake`, which is timed_trace in the Mooncake traces'
/// format.

#include "llmload/core/error.hpp"
#include "llmload/tokenizer/tokenizer.hpp"
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/request_spec.hpp"

namespace llmload::workload {

/// vLLM's timed_trace: trace replay of a JSON Lines trace whose lines hold a timestamp, an
/// input length, an output length and hash ids under the names --timed-trace-label-* give
/// (defaults timestamp, input_length, output_length, hash_ids), lines in time order. The first
/// --num-prompts lines are sent at (timestamp − first timestamp) × --timed-trace-sec-multiplier
/// (the unit: 0.001 for milliseconds) × --trace-time-scale (Dataset::send_offsets_ns), not by
/// the arrival schedule. Hash id k stands for --timed-trace-chunk-hash-size tokens: each
/// distinct hash id gets one deterministic block of random tokens (built-in words without a
/// tokenizer, random vocabulary ids with one), and a prompt is its hash ids' blocks in order,
/// cut to input_length, so requests with equal leading hash ids share a prompt prefix and
/// exercise the server's prefix cache. Where the ids run out before input_length, tokens
/// unique to the request fill the rest (vLLM sends only the covered tokens; said in the
/// notes). With a tokenizer the decoded ids are made exact by decode_to_target_len(), which
/// changes only the end of a prompt. A shorter trace is sent whole (refused with
/// --no-oversample). Every line is validated; errors name the file and line.
core::Result<Dataset> make_timed_trace_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// `mooncake`: timed_trace in the Mooncake traces' format (mooncake_trace_format():
/// timestamps in milliseconds, 512 tokens per hash id, the default field names).
core::Result<Dataset> make_mooncake_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer);

/// Checks the timed_trace flags (block size, unit, field names).
core::Result<void> check_timed_trace_options(const TimedTraceOptions& f);

}  // namespace llmload::workload
