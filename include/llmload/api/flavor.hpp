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
///   kInfinityEmbeddings "infinity-embeddings" (the Infinity server's /embeddings).
enum class Flavor { kCompletions, kChat, kEmbeddings, kPooling, kInfinityEmbeddings };

/// Whether vLLM runs the backend as a pooling task (its POOLING_BACKENDS): a whole JSON
/// answer, TTFT = E2EL = the time to read it, input tokens from its usage, no output tokens.
constexpr bool is_pooling(Flavor f) noexcept {
  return f == Flavor::kEmbeddings || f == Flavor::kPooling || f == Flavor::kInfinityEmbeddings;
}

/// What vLLM's request function requires the request URL to end with ("completions",
/// "chat/completions", "embeddings", "pooling"); it also accepts "profile".
std::string_view endpoint_suffix(Flavor flavor);

/// vLLM's --backend names llmload accepts, in vLLM's order (ASYNC_REQUEST_FUNCS).
std::span<const std::string_view> backend_names();

/// The flavour of a --backend name; nullopt for a name llmload does not know.
std::optional<Flavor> flavor_for_backend(std::string_view backend);

}  // namespace llmload::api
