#pragma once
/// The first model of an OpenAI `GET /v1/models` answer, checked: a server's answer is
/// untrusted, and the name goes into every request body and every output.

#include "llmload/core/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace llmload::api {

inline constexpr std::size_t kMaxModelIdBytes = 1024;

/// `data[0].id` of `body` when it is a string of 1..kMaxModelIdBytes bytes with no control
/// character; an error saying what was wrong otherwise (the caller names the URL).
core::Result<std::string> first_model_id(std::string_view body);

}  // namespace llmload::api
