#include "llmload/api/flavor.hpp"

#include <array>

namespace llmload::api {

namespace {

struct BackendEntry {
  std::string_view name;
  Flavor flavor;
};

// vLLM's ASYNC_REQUEST_FUNCS (vllm/benchmarks/lib/endpoint_request_func.py), those llmload has.
constexpr std::array kBackends{
    BackendEntry{"vllm", Flavor::kCompletions},
    BackendEntry{"openai", Flavor::kCompletions},
    BackendEntry{"openai-chat", Flavor::kChat},
    BackendEntry{"openai-audio", Flavor::kAudio},
    BackendEntry{"openai-embeddings", Flavor::kEmbeddings},
    BackendEntry{"openai-embeddings-chat", Flavor::kEmbeddingsChat},
    BackendEntry{"openai-embeddings-clip", Flavor::kEmbeddingsClip},
    BackendEntry{"openai-embeddings-vlm2vec", Flavor::kEmbeddingsVlm2Vec},
    BackendEntry{"infinity-embeddings", Flavor::kInfinityEmbeddings},
    BackendEntry{"infinity-embeddings-clip", Flavor::kInfinityEmbeddingsClip},
    BackendEntry{"vllm-pooling", Flavor::kPooling},
    BackendEntry{"vllm-rerank", Flavor::kRerank},
    // The Responses API (not in vLLM's released list; the name of vLLM's pending backend).
    BackendEntry{"openai-responses", Flavor::kResponses},
};

constexpr auto kNames = [] {
  std::array<std::string_view, kBackends.size()> names{};
  for (std::size_t i = 0; i < kBackends.size(); ++i) names[i] = kBackends[i].name;
  return names;
}();

}  // namespace

std::span<const std::string_view> backend_names() { return kNames; }

std::optional<Flavor> flavor_for_backend(std::string_view backend) {
  for (const auto& entry : kBackends) {
    if (entry.name == backend) return entry.flavor;
  }
  return std::nullopt;
}

std::string_view endpoint_suffix(Flavor flavor) {
  switch (flavor) {
    case Flavor::kCompletions: return "completions";
    case Flavor::kChat: return "chat/completions";
    case Flavor::kEmbeddings:
    case Flavor::kEmbeddingsChat:
    case Flavor::kEmbeddingsClip:
    case Flavor::kEmbeddingsVlm2Vec:
    case Flavor::kInfinityEmbeddings:
    case Flavor::kInfinityEmbeddingsClip: return "embeddings";
    case Flavor::kPooling: return "pooling";
    case Flavor::kRerank: return "rerank";
    case Flavor::kResponses: return "responses";
    case Flavor::kAudio: return "transcriptions";
  }
  return "completions";
}

bool endpoint_fits(Flavor flavor, std::string_view endpoint) {
  if (endpoint.ends_with("profile") || endpoint.ends_with(endpoint_suffix(flavor))) return true;
  return flavor == Flavor::kAudio && endpoint.ends_with("translations");
}

}  // namespace llmload::api
