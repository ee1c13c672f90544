#pragma once
/// The simulated server's pure half: request parsing and validation, the fault-injection
/// header, the simulator's word "tokenizer", and the exact bytes of every response (HTTP
/// heads, OpenAI JSON bodies, vLLM-shaped SSE chunks framed as HTTP/1.1 chunks). No sockets,
/// no timers; the async shell in sim_server.cpp only decides when to send these bytes.

#include "llmload/api/flavor.hpp"
#include "llmload/core/clock.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::sim {

/// An HTTP error the simulator answers with, as an OpenAI error body. `status` is the HTTP
/// status (also the body's "code"); `message` is the body's "message".
struct ApiError {
  // A two-argument constructor (not an aggregate) so that ApiResult<bool> and
  // ApiResult<std::int64_t> convert from their values unambiguously.
  ApiError() = default;
  ApiError(int status_code, std::string text) : status(status_code), message(std::move(text)) {}

  int status = 400;
  std::string message;
};

/// An ApiError or a value.
template <class T>
using ApiResult = boost::system::result<T, ApiError>;

/// Called by ApiResult<T>::value() on an error; throws std::runtime_error with the message.
[[noreturn]] void throw_exception_from_error(const ApiError& error, const boost::source_location& loc);

/// A validated generation request: only what the fixed-timing simulator needs.
struct GenerationRequest {
  api::Flavor flavor = api::Flavor::kCompletions;
  /// Words in the prompt (see count_words); the simulator's prompt token count.
  std::int64_t prompt_tokens = 0;
  /// Tokens to generate: max_completion_tokens, else max_tokens, else the server default.
  /// Every request runs to this limit (finish_reason "length").
  std::int64_t max_tokens = 0;
  bool stream = false;
  /// stream_options.include_usage: a usage chunk after the last token chunk.
  bool include_usage = false;
  /// stream_options.continuous_usage_stats: running usage in every chunk.
  bool continuous_usage = false;
  /// ignore_eos: generate exactly max_tokens (the engine mode otherwise draws a length).
  bool ignore_eos = false;
  /// Image parts (chat) and the tokens they cost (Qwen2-VL rule, see image_tokens.hpp);
  /// image tokens are part of prompt_tokens.
  std::int64_t images = 0;
  std::int64_t image_tokens = 0;
  /// Prompt token ids, one per prompt token (filled only with ParseOptions::token_ids).
  std::vector<std::uint64_t> prompt_ids;
};

/// How parse_generation_request counts a prompt.
struct ParseOptions {
  /// Chat prompts also count the simulator's chat template: 5 tokens per message
  /// (`<|im_start|>`, role, newline ... `<|im_end|>`, newline), 2 per image
  /// (`<|vision_start|>`, `<|vision_end|>`) and 4 per request (the assistant prompt and a
  /// start token). Off: only the words of text parts (and image tokens) count.
  bool chat_template = false;
  /// Fill GenerationRequest::prompt_ids.
  bool token_ids = false;
  /// Read image parts (a bad image is a 400) and count their tokens; off, they are skipped
  /// as in the exact mode's original behaviour.
  bool image_tokens = false;
};

/// Parses and validates a /v1/completions or /v1/chat/completions JSON body.
/// Fields read: model (absent, null or equal to `served_model`; else 404 "The model `X` does
/// not exist."), prompt (string, array of strings → the first, array of token ids, array of
/// arrays of token ids → the first) or messages (content a string, null, or an array of
/// parts whose {"type":"text"} parts count), max_completion_tokens / max_tokens (integers
/// >= 1), stream, stream_options.{include_usage, continuous_usage_stats}. Every other field
/// (sampling, n, ...) is accepted and ignored. Also read: ignore_eos (boolean) and, with
/// ParseOptions::image_tokens, {"type":"image_url"} parts (`image_url` an object with `url`,
/// or a string): a base64 data URL whose header gives the size, costing image tokens.
/// Errors: 400 with a sentence naming the field, 404 for a wrong model. Thread-safe (no
/// shared state).
ApiResult<GenerationRequest> parse_generation_request(api::Flavor flavor, std::string_view body,
                                                      std::string_view served_model,
                                                      std::int64_t default_max_tokens,
                                                      const ParseOptions& options = {});

/// The simulator's tokenizer: the number of words, i.e. maximal runs of bytes other than
/// ASCII whitespace (space, \t, \n, \v, \f, \r). "a  b\n c" has 3. Chat prompts count the
/// words of every text part of every message, with no template tokens.
std::int64_t count_words(std::string_view text) noexcept;

/// Faults requested through the `x-llmload-fault` header. Negative "after" counts and a zero
/// status mean "not requested". In a stream of n tokens, a reset or error strikes when token
/// k was due (k < n), or right after the last token for k >= n (in place of the usage chunk);
/// if both are given the earlier wins, a reset on a tie. A malformed event goes out in the
/// same write as token k (before it), or after the last token for k >= n. Non-streaming
/// requests: at the time the response is due, reset-after closes with an RST, error-after
/// answers 500 "simulated failure", malformed-after answers 200 with the body `{"choices": [`.
struct FaultPlan {
  /// status=<code>: answer at once with this HTTP status (200..599) and an OpenAI error body.
  int status = 0;
  /// reset-after=<k>: after k token chunks, close the connection with a TCP RST.
  std::int64_t reset_after = -1;
  /// malformed-after=<k>: after k token chunks, send `data: {"choices": [` and carry on.
  std::int64_t malformed_after = -1;
  /// error-after=<k>: after k token chunks, send an error event and [DONE], and end.
  std::int64_t error_after = -1;
  /// no-done: leave out the final `data: [DONE]`.
  bool no_done = false;
  /// stall-ms=<ms>: streams pause this long before token chunk `stall_after` (and every later
  /// chunk comes that much later); non-streaming responses come that much later.
  std::int64_t stall_ms = 0;
  /// stall-after=<k>: where the stall strikes (default 0: before the first token).
  std::int64_t stall_after = 0;
  /// slow-headers-ms=<ms>: the response head (and everything after it) waits this long.
  std::int64_t slow_headers_ms = 0;
  /// split-writes: every write of a streamed response goes out in 7-byte pieces, one
  /// write each (TCP_NODELAY is on, so each is its own segment).
  bool split_writes = false;
};

/// Every fault kind of `--fault-kinds`, in the order picked from: "429", "500", "503",
/// "reset", "error", "malformed", "no-done", "stall", "slow-headers", "split-writes".
std::span<const std::string_view> fault_kinds() noexcept;

/// The FaultPlan of one fault kind (a name from fault_kinds()), for a response of
/// `max_tokens` tokens; `random` (any 64-bit value) places mid-stream faults at token
/// random % max_tokens; stalls and slow headers last 1 s. 400 for an unknown kind.
ApiResult<FaultPlan> fault_of_kind(std::string_view kind, std::uint64_t random, std::int64_t max_tokens);

/// Parses `spec[,spec...]` (specs trimmed of spaces; an empty header is no fault; a repeated
/// spec keeps the last value). Unknown specs and bad values → 400 naming the spec. Counts and
/// milliseconds are integers of at most 9 digits.
ApiResult<FaultPlan> parse_fault_header(std::string_view header);

/// Generated token k (0-based): one word with a leading space from a fixed 64-word list,
/// e.g. token_text(0) == " the". Deterministic; contains no JSON-special characters.
std::string_view token_text(std::int64_t k) noexcept;

/// Appends the concatenation of tokens 0..n-1 (the non-streaming response text).
void append_generated_text(std::string& out, std::int64_t n);

/// What every chunk and body of one response shares.
struct ResponseIdentity {
  /// "cmpl-<hex>" or "chatcmpl-<hex>".
  std::string id;
  /// Unix seconds.
  std::int64_t created = 0;
  /// The served model name as a JSON string literal, quotes included.
  std::string model_json;
};

/// "cmpl-" / "chatcmpl-" followed by 32 lower-case hex digits of `a` and `b`.
std::string make_response_id(api::Flavor flavor, std::uint64_t a, std::uint64_t b);

/// Formats the JSON of each streamed chunk of one response exactly like vLLM (key order,
/// nulls). Every append_* writes one complete JSON object. Not thread-safe; reuse one per
/// connection via reset() (no allocation once its buffer has grown).
class ChunkFormatter final {
 public:
  /// Prepares for one response. `request` supplies flavor, prompt tokens and usage options.
  void reset(const ResponseIdentity& identity, const GenerationRequest& request);

  /// Chat only: the opening {"role":"assistant","content":""} delta.
  void append_role(std::string& out) const;
  /// Token chunk k of n (0-based); the last one carries finish_reason "length".
  void append_token(std::string& out, std::int64_t k, std::int64_t n) const;
  /// Token chunk k; `finish_reason` ("stop", "length") on the last chunk, empty otherwise.
  void append_token(std::string& out, std::int64_t k, std::string_view finish_reason) const;
  /// The include_usage chunk: empty choices and the final usage.
  void append_usage(std::string& out, std::int64_t completion_tokens) const;

 private:
  void append_usage_object(std::string& out, std::int64_t completion_tokens) const;

  std::string prefix_;  // {"id":..,"object":..,"created":..,"model":..,"choices":[
  api::Flavor flavor_ = api::Flavor::kCompletions;
  std::int64_t prompt_tokens_ = 0;
  bool continuous_usage_ = false;
};

/// The events of one write, each framed as its own HTTP/1.1 chunk `<hex>\r\ndata: <json>\n\n\r\n`.
/// JSON events may be stamped: finalize() inserts "llmload_send_ns":<stamp> as the object's
/// last member, so the stamp can be taken after all formatting, just before the write.
/// Not thread-safe; reuse one per connection (clear() keeps capacity: no allocation per chunk).
class SseBatch final {
 public:
  void clear() noexcept;
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

/// The OpenAI error "type" for an HTTP status ("BadRequestError", "NotFoundError", ...).
std::string_view error_type(int status) noexcept;

/// {"error":{"message":M,"type":T,"param":null,"code":status}}.
std::string error_body(int status, std::string_view message);

/// Appends a complete HTTP/1.1 response with a Content-Length body. `extra_headers` are
/// whole header lines, each ending in "\r\n". `keep_alive` false adds "Connection: close".
void append_response(std::string& out, int status, std::string_view content_type,
                     std::string_view body, bool keep_alive, std::string_view extra_headers = {});

/// Appends an OpenAI error response (application/json).
void append_error_response(std::string& out, const ApiError& error, bool keep_alive,
                           std::string_view extra_headers = {});

/// Appends the head of a 200 SSE response (text/event-stream, chunked transfer coding).
void append_stream_head(std::string& out, bool keep_alive);

/// Appends the non-streaming body: "text_completion" with choices[0].text, or
/// "chat.completion" with choices[0].message, finish_reason "length", and usage.
void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request);

/// The same with `completion_tokens` tokens and the given finish_reason ("stop", "length").
void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request, std::int64_t completion_tokens,
                            std::string_view finish_reason);

/// Handles a vLLM POST /tokenize body: {"prompt": "..."} or {"messages": [...]} (chat
/// template counted as in parse_generation_request with chat_template on unless
/// "add_special_tokens" is false), optional "model". Answers
/// {"count":N,"max_model_len":M,"tokens":[ids],"token_strs":null}. 400/404 as for generation.
ApiResult<std::string> tokenize_body(std::string_view body, std::string_view served_model,
                                     std::int64_t max_model_len);

/// Handles a vLLM POST /detokenize body {"tokens": [ids], "model": optional}: answers
/// {"prompt":"..."}, the words of known ids joined by spaces (ids the word list cannot invert
/// render as "<|id|>"). 400 for a missing or non-integer token list.
ApiResult<std::string> detokenize_body(std::string_view body, std::string_view served_model);

/// Appends the GET /v1/models body for one served model (`created` in unix seconds;
/// `max_model_len` as reported, the engine's limit in engine mode).
void append_models_body(std::string& out, std::string_view model, std::int64_t created,
                        std::int64_t max_model_len = 32768);

}  // namespace llmload::sim
