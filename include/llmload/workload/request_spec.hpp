#pragma once
/// What one request sends: produced by a dataset source before the run, read-only afterwards.

#include <cstdint>
#include <string>

namespace llmload::workload {

/// One request of the workload. Plain data; built before the run starts and shared read-only
/// by the worker threads.
struct RequestSpec {
  /// Text prompt (completions) or the user message's text part (chat).
  std::string prompt;
  /// Input length in tokens as the dataset counts it (exact with a tokenizer, approximate
  /// without one). The run's reported input tokens prefer the server's usage.prompt_tokens.
  std::int32_t prompt_len = 0;
  /// Output tokens to ask for (sent as max_tokens / max_completion_tokens).
  std::int32_t expected_output_len = 0;
  /// Optional label for per-category breakdowns (empty when the dataset has none).
  std::string category;
};

}  // namespace llmload::workload
