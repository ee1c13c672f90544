#pragma once
/// The OpenAI API flavour of a generation request, shared by the client's request builder
/// and the simulator's request parser.

namespace llmload::api {

/// Which OpenAI API a request targets: vLLM's backend "openai" (/v1/completions, a `prompt`)
/// or "openai-chat" (/v1/chat/completions, `messages`).
enum class Flavor { kCompletions, kChat };

}  // namespace llmload::api
