#pragma once
/// Faults the simulator injects on demand: the `x-llmload-fault` request header, the random
/// faults of `--fault-rate`, and where a fault cuts a stream short. Pure functions.

#include "llmload/sim/api_error.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace llmload::sim {

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

/// How a fault ends a stream early.
enum class Cut {
  kNone,   ///< the stream runs to its end
  kReset,  ///< the connection is reset (TCP RST)
  kError,  ///< an error event, then [DONE]
};

/// Where a stream of `n` token chunks ends early because of `fault` (a reset or an error
/// event after k chunks, whichever comes first; a reset on a tie), or {kNone, n}.
std::pair<Cut, std::int64_t> stream_cut(const FaultPlan& fault, std::int64_t n);

/// The data of the event malformed-after sends (an unterminated JSON object).
inline constexpr std::string_view kMalformedEvent = "{\"choices\": [";
/// The data of the event error-after sends (an OpenAI error object).
inline constexpr std::string_view kErrorEvent =
    "{\"error\":{\"message\":\"simulated failure\",\"type\":\"internal_error\",\"param\":null,"
    "\"code\":500}}";
/// The same for the Responses API (/v1/responses): its `error` event.
inline constexpr std::string_view kResponsesErrorEvent =
    "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"simulated failure\",\"param\":null}";

}  // namespace llmload::sim
