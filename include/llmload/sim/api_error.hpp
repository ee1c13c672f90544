#pragma once
/// The simulator's answer to a bad request: an HTTP status and an OpenAI error message,
/// carried as a value (ApiResult) from the pure request parsers to the connection.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace llmload::sim {

/// An HTTP error the simulator answers with, as an OpenAI error body. `status` is the HTTP
/// status (also the body's "code"); `message` is the body's "message".
struct ApiError {
  // A two-argument constructor (not an aggregate) so that ApiResult<bool> and
  // ApiResult<std::int64_t> convert from their values unambiguously.
  /// A 400 with an empty message.
  ApiError() = default;
  /// `status_code` (an HTTP status) answered with `text` as the message.
  ApiError(int status_code, std::string text) : status(status_code), message(std::move(text)) {}

  int status = 400;     ///< HTTP status, 400..599
  std::string message;  ///< a sentence naming what is wrong
};

/// An ApiError or a value.
template <class T>
using ApiResult = boost::system::result<T, ApiError>;

/// Called by ApiResult<T>::value() on an error; throws std::runtime_error with the message.
[[noreturn]] void throw_exception_from_error(const ApiError& error, const boost::source_location& loc);

/// A 400 with `message`.
inline ApiError bad_request(std::string message) { return ApiError{400, std::move(message)}; }

/// vLLM's 400 when a prompt of `prompt_len` tokens and `max_tokens` more do not fit in
/// `max_model_len`; nullopt when they fit. No arithmetic overflows, whatever the values.
std::optional<ApiError> context_length_error(std::int64_t prompt_len, std::int64_t max_tokens,
                                             std::int64_t max_model_len);

}  // namespace llmload::sim
