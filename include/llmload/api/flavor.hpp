#pragma once
/// The OpenAI API flavour of a request, shared by the client's request builder and the
/// simulator's request parser, and vLLM's backend names (--backend) that select it.

#include <optional>
#include <span>
#include <string_view>

namespace llmload::api {

/// Which API a request targets:
/// - kCompletions: vLLM's backends "openai" and "vllm" (/v1/completions, a `prompt`);
/// - kChat: "openai-chat" (/v1/chat/completions, `messages`);
/// - the pooling backends, one whole JSON answer per request (no stream): kEmbeddings
///   "openai-embeddings" (/v1/embeddings), kPooling "vllm-pooling" (vLLM's /pooling),
///   kInfinityEmbeddings "infinity-embeddings" (the Infinity server's /embeddings); the chat
///   forms of /v1/embeddings (`messages` with image parts): kEmbeddingsChat
///   "openai-embeddings-chat", kEmbeddingsClip "openai-embeddings-clip" (an image request sends
///   the image alone), kEmbeddingsVlm2Vec "openai-embeddings-vlm2vec" (image first, vLLM's
///   VLM2Vec prompts); kInfinityEmbeddingsClip "infinity-embeddings-clip" (an image as Infinity's
///   image input); kRerank "vllm-rerank" (vLLM's /rerank: a query and its documents);
/// - kResponses: "openai-responses" (the OpenAI Responses API, /v1/responses: an `input`,
///   streamed as typed events — response.output_text.delta carries the tokens,
///   response.completed the usage);
/// - kAudio: "openai-audio" (speech to text, /v1/audio/transcriptions or /translations: a
///   multipart/form-data POST of the audio file and form fields, streamed as chat-completion
///   chunks, `choices[0].delta.content`, with usage).
enum class Flavor {
  kCompletions,
  kChat,
  kEmbeddings,
  kPooling,
  kInfinityEmbeddings,
  kEmbeddingsChat,
  kEmbeddingsClip,
  kEmbeddingsVlm2Vec,
  kInfinityEmbeddingsClip,
  kRerank,
  kResponses,
  kAudio,
};

/// Whether vLLM runs the backend as a pooling task (its POOLING_BACKENDS): a whole JSON
/// answer, TTFT = E2EL = the time to read it, input tokens from its usage, no output tokens.
constexpr bool is_pooling(Flavor f) noexcept {
  return f != Flavor::kCompletions && f != Flavor::kChat && f != Flavor::kResponses && f != Flavor::kAudio;
}

/// The /v1/embeddings backends that send chat messages (vLLM's async_request_openai_embeddings_chat).
constexpr bool is_chat_embeddings(Flavor f) noexcept {
  return f == Flavor::kEmbeddingsChat || f == Flavor::kEmbeddingsClip || f == Flavor::kEmbeddingsVlm2Vec;
}

/// Whether a request of the backend can carry a dataset's images (chat messages, the chat
/// embeddings and Infinity's clip input).
constexpr bool carries_images(Flavor f) noexcept {
  return f == Flavor::kChat || f == Flavor::kResponses || is_chat_embeddings(f) ||
         f == Flavor::kInfinityEmbeddingsClip;
}

/// What vLLM's request function requires the request URL to end with ("completions",
/// "chat/completions", "embeddings", "pooling", "rerank", "responses", "transcriptions"); it
/// also accepts "profile".
std::string_view endpoint_suffix(Flavor flavor);

/// Whether `endpoint` ends as vLLM's request function for `flavor` requires: endpoint_suffix,
/// "profile", and for openai-audio also "translations".
bool endpoint_fits(Flavor flavor, std::string_view endpoint);

/// vLLM's --backend names llmload accepts, in vLLM's order (ASYNC_REQUEST_FUNCS).
std::span<const std::string_view> backend_names();

/// The flavour of a --backend name; nullopt for a name llmload does not know.
std::optional<Flavor> flavor_for_backend(std::string_view backend);

}  // namespace llmload::api
