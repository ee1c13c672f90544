#pragma once
/// Decoder of the JSON payloads streamed by OpenAI-compatible servers (vLLM, SGLang, OpenAI,
/// TGI's error shape): one SSE `data:` payload in, the few fields the load tester needs out.
/// Hot path: every streamed chunk of every request goes through it.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace llmload::api {

/// Token counts from a chunk's top-level "usage" object; -1 where a count is absent or null.
/// The largest token count a usage field may carry (a larger one, or a negative one, makes
/// the chunk malformed).
inline constexpr std::int64_t kMaxUsageTokens = 2147483647;

struct Usage {
  std::int64_t prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;
  bool operator==(const Usage&) const = default;
};

/// An error reported inside the stream (OpenAI error object, vLLM's legacy error, TGI's
/// `{"error": "..."}`). Fields are "" when absent or null; other non-strings are given as
/// compact JSON (an integer code 400 reads "400").
struct ServerError {
  std::string message, type, code;
  bool operator==(const ServerError&) const = default;
};

/// What one payload says. The string views point into the decoder's buffers and stay valid
/// until the next decode() call on the same decoder.
struct Chunk {
  bool done = false;               ///< the payload was exactly "[DONE]" (after trimming whitespace)
  bool has_choices = false;        ///< "choices" is a non-empty array (vLLM's token-chunk test)
  std::string_view text;           ///< choices[0].text, or .delta.content (chat), or .message.content; "" if null/absent
  std::string_view reasoning;      ///< choices[0].delta.reasoning_content or .reasoning (the first non-empty one)
  std::string_view finish_reason;  ///< choices[0].finish_reason; "" if null/absent
  std::optional<Usage> usage;      ///< top-level "usage" when it is an object, with or without choices
  std::optional<ServerError> error;  ///< top-level "error" (object or string), or {"object":"error",...}
  std::optional<std::int64_t> server_send_ns;  ///< top-level "llmload_send_ns" (the simulator's send stamp)
  /// The OpenAI Responses API's events (a top-level "type"): `type` is that name ("" when
  /// absent or not a string). A response.output_text.delta event is a token chunk
  /// (`text_delta`, its "delta" in `text`); response.completed and response.incomplete end
  /// the stream (`completed`; the "response" object's usage.input_tokens / output_tokens /
  /// total_tokens are read into `usage` as prompt / completion / total tokens); an "error"
  /// event (its message and code) and response.failed (response.error, or a sentence saying
  /// it failed) set `error`.
  std::string_view type;
  bool text_delta = false;
  bool completed = false;
};

/// Decodes chunks with one reused simdjson DOM parser and one reused padded copy buffer, so
/// steady-state decoding allocates nothing (except a ServerError's strings). Memory: about 15
/// bytes per byte of the largest recent payload (16 KiB minimum; given back after a payload
/// over 1 MiB). One decoder per worker thread: not thread-safe. Movable.
class ChunkDecoder final {
 public:
  ChunkDecoder();
  ~ChunkDecoder();
  ChunkDecoder(ChunkDecoder&&) noexcept;
  ChunkDecoder& operator=(ChunkDecoder&&) noexcept;
  ChunkDecoder(const ChunkDecoder&) = delete;
  ChunkDecoder& operator=(const ChunkDecoder&) = delete;

  /// Decodes one SSE data payload. `data` need not be padded or outlive the call (it is
  /// copied). The whole payload is validated; fields are then read in document order in one
  /// pass and unknown fields are ignored. Errors: invalid JSON (syntax, invalid UTF-8, a bad
  /// escape, more than one value), an empty payload, a non-object, or a known field of the
  /// wrong type give "malformed chunk: <reason>: <first 120 bytes as a JSON string>". Views in
  /// the returned Chunk stay valid until the next decode() call.
  core::Result<Chunk> decode(std::string_view data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace llmload::api
