#pragma once
/// The exact bytes of the simulator's whole HTTP responses: heads, OpenAI error bodies,
/// non-streaming completion bodies and the models list. No sockets, no timers.

#include "llmload/sim/api_error.hpp"
#include "llmload/sim/chunk_writer.hpp"
#include "llmload/sim/request_parser.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace llmload::sim {

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
/// "chat.completion" with choices[0].message, finish_reason "length" ("stop" when the
/// request's answer ends the response), and usage.
void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request);

/// The same with `completion_tokens` tokens and the given finish_reason ("stop", "length").
void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request, std::int64_t completion_tokens,
                            std::string_view finish_reason);

/// Appends the GET /v1/models body for one served model (`created` in unix seconds;
/// `max_model_len` as reported, the engine's limit in engine mode).
void append_models_body(std::string& out, std::string_view model, std::int64_t created,
                        std::int64_t max_model_len = 32768);

}  // namespace llmload::sim
