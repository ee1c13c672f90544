#pragma once
/// The simulator's pooling endpoints: OpenAI's /v1/embeddings, vLLM's /pooling and the
/// Infinity server's /embeddings. A request's inputs are counted with the simulator's word
/// tokenizer; the answer holds one deterministic unit vector per input (the same input gives
/// the same vector) and the usage. Pure functions, no shared state (thread-safe).

#include "llmload/api/flavor.hpp"
#include "llmload/sim/api_error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::sim {

/// The length of every vector the simulator answers.
inline constexpr std::size_t kSimEmbeddingDims = 16;

/// A validated pooling request.
struct PoolingRequest {
  api::Flavor flavor = api::Flavor::kEmbeddings;
  std::int64_t prompt_tokens = 0;      ///< over every input
  std::vector<std::uint64_t> inputs;   ///< one hash per input (seeds its vector)
};

/// Parses a pooling body: "model" (absent, null, the served model or a LoRA name; else 404),
/// "input" a string, an array of strings, an array of token ids or an array of arrays of
/// token ids (not empty). Other fields (truncate_prompt_tokens, encoding_format, ...) are
/// accepted and ignored. Errors: 400 naming the field.
ApiResult<PoolingRequest> parse_pooling_request(api::Flavor flavor, std::string_view body,
                                                std::string_view served_model,
                                                std::span<const std::string> lora_modules = {});

/// The JSON answer in the endpoint's shape: OpenAI's {"object":"list","data":[{"object":
/// "embedding","embedding":[...],"index":i}],"usage":{...}}, vLLM's pooling shape (data[i].data),
/// or Infinity's (OpenAI's without completion_tokens). `id` and `created` identify it.
std::string pooling_answer_body(const PoolingRequest& request, std::string_view model, std::string_view id,
                                std::int64_t created);

}  // namespace llmload::sim
