#pragma once
/// The bytes of a streamed response's chunks: the generated token words, vLLM-shaped JSON
/// chunks (ChunkFormatter) and their SSE events framed as HTTP/1.1 chunks (SseBatch). No
/// sockets, no timers.

#include "llmload/api/flavor.hpp"
#include "llmload/core/clock.hpp"
#include "llmload/sim/request_parser.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::sim {

/// How many distinct token words there are: token_text(k) repeats with this period, and
/// ids below it are the simulator's word ids of those words.
inline constexpr std::int64_t kTokenWords = 64;

/// Generated token k (0-based): one word with a leading space from a fixed 64-word list,
/// e.g. token_text(0) == " the". Deterministic; contains no JSON-special characters.
std::string_view token_text(std::int64_t k) noexcept;

/// Appends the concatenation of tokens 0..n-1 (the non-streaming response text).
void append_generated_text(std::string& out, std::int64_t n);

/// The same for a response to `request`: its answer's tokens first (answers mode).
void append_generated_text(std::string& out, const GenerationRequest& request, std::int64_t n);

/// What every chunk and body of one response shares.
struct ResponseIdentity {
  /// "cmpl-<hex>", "chatcmpl-<hex>" or "resp_<hex>".
  std::string id;
  /// Unix seconds.
  std::int64_t created = 0;
  /// The served model name as a JSON string literal, quotes included.
  std::string model_json;
};

/// "cmpl-" / "chatcmpl-" / "resp_" (Responses API) followed by 32 lower-case hex digits of `a` and `b`.
std::string make_response_id(api::Flavor flavor, std::uint64_t a, std::uint64_t b);

/// Formats the JSON of each streamed chunk of one response exactly like vLLM (key order,
/// nulls); for the Responses API (kResponses) its events: append_role writes
/// response.created, append_token(s) response.output_text.delta, append_usage
/// response.completed with the usage (input_tokens, output_tokens, total_tokens); each event
/// carries a rising sequence_number. Every append_* writes one complete JSON object. Not thread-safe; reuse one per
/// connection via reset() (no allocation once its buffer has grown).
class ChunkFormatter final {
 public:
  /// Prepares for one response. `request` supplies flavor, prompt tokens, usage options and
  /// the answer's tokens; it must outlive the formatter's use for this response.
  void reset(const ResponseIdentity& identity, const GenerationRequest& request);
  /// A temporary request would dangle (the formatter keeps a pointer to it).
  void reset(const ResponseIdentity& identity, GenerationRequest&& request) = delete;

  /// Chat: the opening {"role":"assistant","content":""} delta; Responses API: response.created
  /// (see opens_with_role).
  void append_role(std::string& out) const;
  /// Token chunk k of n (0-based); the last one carries finish_reason "length" ("stop" when
  /// the request's answer ends the response).
  void append_token(std::string& out, std::int64_t k, std::int64_t n) const;
  /// Token chunk k; `finish_reason` ("stop", "length") on the last chunk, empty otherwise.
  void append_token(std::string& out, std::int64_t k, std::string_view finish_reason) const;
  /// One chunk carrying tokens first .. first+count-1 (speculative decoding emits several
  /// per step); continuous usage counts first+count completion tokens.
  void append_tokens(std::string& out, std::int64_t first, std::int64_t count, std::string_view finish_reason) const;
  /// The include_usage chunk: empty choices and the final usage.
  void append_usage(std::string& out, std::int64_t completion_tokens) const;

 private:
  void append_usage_object(std::string& out, std::int64_t completion_tokens) const;

  std::string prefix_;  // {"id":..,"object":..,"created":..,"model":..,"choices":[
  api::Flavor flavor_ = api::Flavor::kCompletions;
  const GenerationRequest* request_ = nullptr;
  std::int64_t prompt_tokens_ = 0;
  bool continuous_usage_ = false;
  ResponseIdentity identity_;  // Responses API: the created and completed events' response object
};

/// Whether a stream of the flavour opens with ChunkFormatter::append_role before its first token
/// (chat's role chunk, the Responses API's response.created).
constexpr bool opens_with_role(api::Flavor f) noexcept {
  return f == api::Flavor::kChat || f == api::Flavor::kResponses;
}

/// Whether a stream of the flavour always ends with ChunkFormatter::append_usage and without
/// [DONE] (the Responses API's response.completed).
constexpr bool ends_with_completed_event(api::Flavor f) noexcept { return f == api::Flavor::kResponses; }

/// The events of one write, each framed as its own HTTP/1.1 chunk `<hex>\r\ndata: <json>\n\n\r\n`.
/// JSON events may be stamped: finalize() inserts "llmload_send_ns":<stamp> as the object's
/// last member, so the stamp can be taken after all formatting, just before the write.
/// Not thread-safe; reuse one per connection (clear() keeps capacity: no allocation per chunk).
class SseBatch final {
 public:
  /// Forgets every event (keeps the buffers' capacity).
  void clear() noexcept;
  /// No event since clear().
  bool empty() const noexcept { return events_.empty(); }

  /// The buffer to append one event's data to; then call commit_event().
  std::string& data() noexcept { return data_; }
  /// Everything appended to data() since the previous commit becomes one event. `stamped`
  /// requires that data to be a JSON object (ending in '}').
  void commit_event(bool stamped);
  /// Appends an event with literal data (e.g. "[DONE]"); never stamped.
  void add_event(std::string_view data);
  /// Appends the zero-length chunk that ends a chunked body.
  void add_last_chunk();

  /// Frames everything into one contiguous byte string; valid until the next call of any
  /// member. `send_ns` is written into stamped events.
  std::string_view finalize(core::Nanos send_ns);

 private:
  struct Event {
    std::uint32_t begin;
    std::uint32_t end;
    bool stamped;
  };
  std::string data_;
  std::uint32_t committed_ = 0;
  std::vector<Event> events_;
  bool last_chunk_ = false;
  std::string wire_;
};

/// Appends an OpenAI usage object {"prompt_tokens":P,"total_tokens":P+C,"completion_tokens":C}.
void append_usage_json(std::string& out, std::int64_t prompt_tokens, std::int64_t completion_tokens);

}  // namespace llmload::sim
