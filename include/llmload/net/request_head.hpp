#pragma once
/// HTTP/1.1 request heads, serialized once per request.

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::net {

/// An ordered list of header fields; later entries with the same name (case-insensitive)
/// replace earlier ones.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Sets `name` to `value` in `headers`, replacing an existing field of that name.
void set_header(HeaderList& headers, std::string_view name, std::string_view value);

/// Appends a complete request (head + body) for `method path` to `out`: Host, User-Agent,
/// Accept, Content-Type (when a body is given), the caller's headers, then `more` (fields of
/// this one request, e.g. its traceparent; they replace a caller's field of the same name),
/// Content-Length.
void append_request(std::string& out, std::string_view method, std::string_view path,
                    std::string_view host_header, const HeaderList& headers,
                    std::string_view body,
                    std::span<const std::pair<std::string_view, std::string_view>> more = {});

/// True for header names whose values must never be printed or saved (Authorization,
/// Proxy-Authorization, API-key style names, cookies).
bool is_secret_header(std::string_view name);

}  // namespace llmload::net
