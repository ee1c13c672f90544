#pragma once
/// The timeline of one request as the client observed it. Written by exactly one request
/// coroutine (on one worker thread), read by the aggregator after the request completed.

#include "llmload/core/clock.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::metrics {

/// How a request ended. Everything but kOk is a failure, counted and reported by name.
enum class Outcome : std::uint8_t {
  kOk,                ///< HTTP 200 and at least one chunk with non-empty `choices`
  kNoContent,         ///< HTTP 200 but no chunk with non-empty `choices` arrived
  kHttpStatus,        ///< a non-200 status (code in http_status)
  kServerError,       ///< an OpenAI error object arrived inside the stream
  kConnectError,      ///< name resolution or TCP connect failed
  kConnectionClosed,  ///< the server closed or reset the connection before the response ended
  kProtocolError,     ///< the HTTP response could not be parsed
  kMalformedChunk,    ///< an SSE `data:` payload was not valid JSON of the expected shape
  kEventTooLarge,     ///< an SSE event exceeded the configured size cap
  kTimeout,           ///< the whole request exceeded --request-timeout
  kCancelled,         ///< the run was interrupted before the request finished
  kConnectTimeout,    ///< connecting took longer than --connect-timeout
  kFirstByteTimeout,  ///< no response byte within --first-byte-timeout of the request being sent
  kIdleTimeout,       ///< no byte for --idle-timeout between two reads of the response
  kTlsError,          ///< the TLS handshake failed (certificate, host name, protocol)
  kResponseTooLarge,  ///< the response body exceeded --max-response-bytes
};

/// Stable snake_case name of an outcome ("ok", "http_status", ...), used in reports and JSON.
std::string_view outcome_name(Outcome outcome) noexcept;

/// One request's timeline. All stamps are absolute steady-clock nanoseconds (core::now_ns());
/// 0 means "did not happen". Stamps are taken when bytes arrive, before any parsing.
struct RequestRecord {
  std::uint32_t index = 0;        ///< position in the workload (input order)
  std::uint16_t target = 0;       ///< which target it went to (RunPlan::replicas order; 0 with one)
  core::Nanos scheduled_ns = 0;   ///< planned send time from the precomputed schedule
  core::Nanos dispatch_ns = 0;    ///< released by the dispatcher (before the concurrency gate)
  core::Nanos start_ns = 0;       ///< vLLM's `st`: exchange starts, after the gate, before connect
  core::Nanos connect_ns = 0;     ///< time spent connecting (0 when a kept-alive connection was reused)
  core::Nanos sent_ns = 0;        ///< request bytes fully written
  core::Nanos first_byte_ns = 0;  ///< first response byte arrived
  core::Nanos end_ns = 0;         ///< response complete, or the moment the failure was seen
  /// Receive delay of every token chunk that carried the simulator's send stamp
  /// (`llmload_send_ns`): arrival − send, same steady clock (llmload extension).
  std::vector<core::Nanos> receive_delay_ns;
  /// Arrival of every chunk with non-empty `choices` (vLLM's token chunks), in order.
  std::vector<core::Nanos> chunk_ns;
  /// Tokens carried by each token chunk (same length as chunk_ns), from the growth of
  /// usage.completion_tokens when the server sends usage in every chunk (vLLM's
  /// continuous_usage_stats); empty when it does not (llmload extension).
  std::vector<std::int32_t> chunk_tokens;
  /// Byte length of generated_text and of reasoning_text after each token chunk, kept only
  /// when the runner is asked to (a tokenizer is loaded: runtime::count_chunk_tokens turns
  /// them into chunk_tokens for servers that send no continuous usage).
  std::vector<std::array<std::uint32_t, 2>> chunk_text_end;
  std::int32_t dataset_prompt_len = 0;        ///< the workload's input token count
  std::int32_t usage_prompt_tokens = -1;      ///< usage.prompt_tokens, -1 if never sent
  std::int32_t usage_completion_tokens = -1;  ///< usage.completion_tokens, -1 if never sent
  std::int32_t http_status = 0;               ///< HTTP status, 0 if no response head arrived
  Outcome outcome = Outcome::kOk;
  bool saw_done = false;          ///< the stream ended with `data: [DONE]` (Responses API: response.completed)
  std::string error;              ///< why it failed (empty when ok)
  std::string generated_text;     ///< concatenated text/content deltas
  std::string reasoning_text;     ///< concatenated reasoning deltas (reasoning models)
  std::string finish_reason;      ///< last non-empty finish_reason seen
  /// The W3C trace id the request carried in its traceparent header (all zeros: none).
  std::array<std::uint8_t, 16> trace_id{};

  bool ok() const noexcept { return outcome == Outcome::kOk; }
};

}  // namespace llmload::metrics
