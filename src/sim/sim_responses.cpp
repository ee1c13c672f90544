#include "llmload/sim/sim_responses.hpp"
#include "llmload/core/text.hpp"

#include "llmload/core/json_writer.hpp"

#include <boost/beast/http/status.hpp>
#include <fmt/format.h>

namespace llmload::sim {

namespace {

using core::append_int;

std::string_view reason_phrase(int status) {
  const auto r = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return r.empty() || r == "<unknown-status>" ? std::string_view("Unknown") : std::string_view(r.data(), r.size());
}

}  // namespace

std::string_view error_type(int status) noexcept {
  switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 403: return "PermissionDeniedError";
    case 404: return "NotFoundError";
    case 405: return "MethodNotAllowedError";
    case 408: return "RequestTimeoutError";
    case 413: return "RequestTooLargeError";
    case 422: return "UnprocessableEntityError";
    case 429: return "RateLimitError";
    case 503: return "ServiceUnavailableError";
    default: break;
  }
  if (status >= 500) return "InternalServerError";
  if (status >= 400) return "BadRequestError";
  return "Error";
}

std::string error_body(int status, std::string_view message) {
  std::string out = "{\"error\":{\"message\":";
  core::append_json_string(out, message);
  out += ",\"type\":\"";
  out += error_type(status);
  out += "\",\"param\":null,\"code\":";
  append_int(out, status);
  out += "}}";
  return out;
}

void append_response(std::string& out, int status, std::string_view content_type,
                     std::string_view body, bool keep_alive, std::string_view extra_headers) {
  out += "HTTP/1.1 ";
  append_int(out, status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: llmload-sim\r\n";
  if (!content_type.empty()) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
  out += "Content-Length: ";
  append_int(out, static_cast<std::int64_t>(body.size()));
  out += "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
}

void append_error_response(std::string& out, const ApiError& error, bool keep_alive,
                           std::string_view extra_headers) {
  append_response(out, error.status, "application/json", error_body(error.status, error.message),
                  keep_alive, extra_headers);
}

void append_stream_head(std::string& out, bool keep_alive) {
  out += "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\n"
         "Content-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request) {
  append_completion_body(out, identity, request, request.max_tokens, request.stop ? "stop" : "length");
}

void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request, std::int64_t completion_tokens,
                            std::string_view finish_reason) {
  const bool chat = request.flavor == api::Flavor::kChat;
  out += "{\"id\":";
  core::append_json_string(out, identity.id);
  out += chat ? ",\"object\":\"chat.completion\",\"created\":"
              : ",\"object\":\"text_completion\",\"created\":";
  append_int(out, identity.created);
  out += ",\"model\":";
  out += identity.model_json;
  out += chat ? ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
              : ",\"choices\":[{\"index\":0,\"text\":\"";
  append_generated_text(out, request, completion_tokens);
  out += chat ? "\"},\"logprobs\":null,\"finish_reason\":\"" : "\",\"logprobs\":null,\"finish_reason\":\"";
  out += finish_reason;
  out += "\",\"stop_reason\":null}]";
  out += ",\"usage\":";
  append_usage_json(out, request.prompt_tokens, completion_tokens);
  out += '}';
}

void append_models_body(std::string& out, std::string_view model, std::int64_t created,
                        std::int64_t max_model_len) {
  out += "{\"object\":\"list\",\"data\":[{\"id\":";
  core::append_json_string(out, model);
  out += ",\"object\":\"model\",\"created\":";
  append_int(out, created);
  out += ",\"owned_by\":\"llmload\",\"root\":";
  core::append_json_string(out, model);
  out += ",\"parent\":null,\"max_model_len\":";
  append_int(out, max_model_len);
  out += "}]}";
}

}  // namespace llmload::sim
