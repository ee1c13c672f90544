#include "llmload/sim/api_error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace llmload::sim {

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
  throw std::runtime_error(fmt::format("HTTP {}: {}", error.status, error.message));
}

std::optional<ApiError> context_length_error(std::int64_t prompt_len, std::int64_t max_tokens,
                                             std::int64_t max_model_len) {
  if (prompt_len >= 0 && max_tokens >= 0 && max_tokens <= max_model_len && prompt_len <= max_model_len - max_tokens) {
    return std::nullopt;
  }
  // Both are non-negative int64 values here (the parser refuses others), so the sum fits in
  // 64 unsigned bits.
  const auto requested = static_cast<std::uint64_t>(std::max<std::int64_t>(prompt_len, 0)) +
                         static_cast<std::uint64_t>(std::max<std::int64_t>(max_tokens, 0));
  return ApiError{400, fmt::format("This model's maximum context length is {} tokens. However, you "
                                   "requested {} tokens ({} in the messages, {} in the completion). "
                                   "Please reduce the length of the messages or completion.",
                                   max_model_len, requested, prompt_len, max_tokens)};
}

}  // namespace llmload::sim
