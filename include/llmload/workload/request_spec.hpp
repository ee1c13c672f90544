#pragma once
/// What one request sends: produced by a dataset source before the run, read-only afterwards.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmload::workload {

/// An audio file as the openai-audio backend sends it (workload/audio_data.hpp): the file's
/// bytes, the multipart part's filename and content type, and its duration from the header.
struct AudioClip {
  std::string bytes;
  std::string filename;
  std::string content_type;
  double duration_s = 0;
};

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
  /// The body's "model" for this request (a --lora-modules adapter); empty: the run's model.
  std::string model;
  /// Optional label for per-category breakdowns (empty when the dataset has none).
  std::string category;
  /// Images sent as `image_url` parts of the chat user message, in order: each value is the
  /// URL as sent (a `data:image/...;base64,` URL or an http(s) URL). Shared, immutable
  /// strings: an image used by many requests is read and encoded once. Empty for text-only.
  std::vector<std::shared_ptr<const std::string>> images;
  /// Reference answers from the dataset (custom JSONL `answers`), for accuracy checks; never
  /// sent.
  std::vector<std::string> answers;
  /// random-rerank: the documents scored against the query in `prompt` (vllm-rerank sends
  /// them as `documents`; an embeddings backend sends [prompt, documents...] as `input`).
  std::vector<std::string> documents;
  /// openai-audio: the clip sent as the form's `file` part (shared: a clip used by many
  /// requests is read once); null for every other request.
  std::shared_ptr<const AudioClip> audio;
  /// Multi-turn conversations (llmload extension; -1/0 for single requests): the index of
  /// the conversation's previous turn in the workload. A turn is sent `think_time_ns` after
  /// its previous turn's answer completed, carrying every earlier turn (user prompt, then the
  /// answer the server actually gave) as chat history before its own prompt.
  std::int32_t previous_turn = -1;
  std::int32_t conversation = -1;  ///< conversation number, -1 when not part of one
  std::int32_t turn = 0;           ///< 0-based position in its conversation
  std::int64_t think_time_ns = 0;  ///< wait after the previous turn's answer
};

/// A dataset source's output: the requests in send order, and notes for the user (what was
/// approximated, filtered or oversampled), printed before the run.
struct Dataset {
  std::vector<RequestSpec> specs;
  std::vector<std::string> notes;
  /// When each request is due (ns from the run's origin, one per spec, non-decreasing) for
  /// datasets that carry their own timing (trace replay); empty otherwise, and the arrival
  /// schedule (--request-rate, --burstiness) decides.
  std::vector<std::int64_t> send_offsets_ns;
};

}  // namespace llmload::workload
