#pragma once
/// Request bodies for the OpenAI-compatible completions and chat-completions APIs, shaped and
/// ordered as vLLM's `vllm bench serve` sends them (backends "openai", "openai-chat" and the
/// pooling backends "openai-embeddings", "vllm-pooling", "infinity-embeddings").

#include "llmload/api/flavor.hpp"
#include "llmload/core/error.hpp"
#include "llmload/workload/request_spec.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace llmload::api {

/// Which field carries the output-token limit. kAuto: completions → `max_tokens`, chat →
/// `max_completion_tokens` (what vLLM sends); kBoth sends `max_tokens` then
/// `max_completion_tokens`, for servers that know only one of them.
enum class MaxTokensField { kAuto, kMaxTokens, kMaxCompletionTokens, kBoth };

/// Sampling fields. Each one is left out of the body while unset; set ones are written in
/// vLLM's order: top_p, top_k, min_p, temperature, frequency_penalty, presence_penalty,
/// repetition_penalty. Plain data.
struct SamplingParams {
  std::optional<double> temperature, top_p, min_p, frequency_penalty, presence_penalty,
      repetition_penalty;
  std::optional<std::int64_t> top_k;
};

/// Everything in a body besides the RequestSpec. Built once before the run and read by every
/// worker thread (read-only, so sharing it is safe).
struct BodyOptions {
  std::string model;                    ///< the "model" field (served model name)
  bool stream = true;                   ///< "stream"; false also drops "stream_options"
  bool include_usage = true;            ///< stream_options.include_usage
  bool continuous_usage_stats = false;  ///< stream_options.continuous_usage_stats (vLLM), sent only when true
  bool ignore_eos = false;              ///< "ignore_eos" (vLLM extension), sent only when true
  MaxTokensField max_tokens_field = MaxTokensField::kAuto;
  std::optional<std::int64_t> logprobs;  ///< "logprobs", sent only when set
  SamplingParams sampling;
  /// Chat: a text-only user message's content as a plain string instead of vLLM's array of
  /// parts (--chat-content-format string, for servers that take only strings). Messages
  /// with images keep the array.
  bool string_content = false;
  /// Merged last, like vLLM's `payload.update(extra_body)`: a key we already write is replaced
  /// in place by this value, other keys are appended in this object's order.
  std::optional<boost::json::object> extra_body;
};

/// Parses the value of the --extra-body flag. It must be a JSON object; otherwise the error
/// names the flag and says what is wrong (empty, invalid JSON and at which byte, not an object).
core::Result<boost::json::object> parse_extra_body(std::string_view json);

/// The serialized JSON body of one request (compact, UTF-8; the prompt is escaped, invalid
/// UTF-8 in it becomes U+FFFD). Pure function; thread-safe. `spec.expected_output_len` is the
/// token limit. Chat: the user message's content is the text part, then one
/// {"type": "image_url", "image_url": {"url": ...}} part per `spec.images` entry, as vLLM sends
/// them. Completions bodies have no place for images and leave them out (dataset construction
/// refuses images unless the backend can carry them). Pooling flavours (is_pooling): vLLM's
/// bodies for them, `input` = the prompt (with documents: [prompt, documents...]), no
/// sampling fields and no token limit; the chat embeddings send `messages` (the images after
/// the text part, before it for vlm2vec); vllm-rerank sends `query` and `documents` and, as
/// vLLM, neither ignore_eos nor the extra body. openai-responses (kResponses): `model`, `input`
/// (the prompt, or with images [{"role":"user","content":[{"type":"input_text",...},
/// {"type":"input_image","image_url":...}...]}]), `max_output_tokens`, `stream`, then `top_p`
/// and `temperature` when set, then the extra body; no other sampling field, no ignore_eos.
std::string build_body(Flavor flavor, const workload::RequestSpec& spec, const BodyOptions& options);

/// One earlier exchange of a conversation: what the user sent and what the server answered.
struct ChatTurn {
  std::string_view user;
  std::string_view assistant;
};

/// Chat with history (multi-turn conversations): `messages` holds, before the spec's user
/// message, one user and one assistant message (string contents) per earlier turn, in order.
/// With an empty history this is build_body(kChat, spec, options).
std::string build_chat_body(const workload::RequestSpec& spec, std::span<const ChatTurn> history,
                            const BodyOptions& options);

/// The default request path of a flavor: "/v1/completions", "/v1/chat/completions",
/// "/v1/embeddings", "/pooling" (vLLM's), "/embeddings" (Infinity's), "/v1/rerank" or
/// "/v1/responses".
/// The view refers to a string literal (valid forever).
std::string_view default_endpoint(Flavor flavor);

/// What vLLM's request function does to an image request's prompt before building the body,
/// for request `index` of the workload (vLLM's request id ends with it): the clip backends
/// send the image alone (empty text); openai-embeddings-vlm2vec sends "Represent the given
/// image." for even indexes and "Represent the given image with the following question: "
/// + prompt for odd ones. Other flavours and text-only requests are left as they are.
void adapt_to_backend(Flavor flavor, workload::RequestSpec& spec, std::size_t index);

/// vLLM's num_input_sequences of a pooling request: a rerank request's documents, an
/// embeddings request's inputs (1 + documents when it has any), else 1.
std::int64_t input_sequences(Flavor flavor, const workload::RequestSpec& spec);

}  // namespace llmload::api
