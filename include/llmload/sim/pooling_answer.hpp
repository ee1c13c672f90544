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
  bool score = false;                  ///< vLLM's /score (text_1, text_2): one score per pair
  std::int64_t prompt_tokens = 0;      ///< over every input
  std::vector<std::uint64_t> inputs;   ///< one hash per input or pair (seeds its vector or score)
  std::vector<std::string> documents;  ///< kRerank: the documents, answered back with their scores
};

/// Parses a pooling body: "model" (absent, null, the served model or a LoRA name; else 404),
/// "input" a string, an array of strings, an array of token ids or an array of arrays of
/// token ids (not empty); for /v1/embeddings without "input", "messages" counted as a chat
/// prompt (text words and image tokens). kRerank: "query" a string and "documents" strings,
/// each pair costing query + 1 + document words. `score` (vLLM's /score): "text_1" one text or
/// as many as "text_2", scored pairwise, each pair costing text_1 + 1 + text_2 words. Other
/// fields (truncate_prompt_tokens, encoding_format, top_n, ...) are accepted and ignored.
/// Errors: 400 naming the field.
ApiResult<PoolingRequest> parse_pooling_request(api::Flavor flavor, std::string_view body,
                                                std::string_view served_model,
                                                std::span<const std::string> lora_modules = {}, bool score = false);

/// The JSON answer in the endpoint's shape: OpenAI's {"object":"list","data":[{"object":
/// "embedding","embedding":[...],"index":i}],"usage":{...}}, vLLM's pooling shape (data[i].data),
/// or Infinity's (OpenAI's without completion_tokens); vLLM's RerankResponse (results by
/// relevance, highest first, each with its document) or ScoreResponse (data[i].score).
/// Scores are deterministic in (0, 1) from each pair's text. `id` and `created` identify it.
std::string pooling_answer_body(const PoolingRequest& request, std::string_view model, std::string_view id,
                                std::int64_t created);

}  // namespace llmload::sim
