#include "llmload/net/request_head.hpp"

#include <algorithm>
#include <cctype>

namespace llmload::net {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
bool icontains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) {
                       return std::tolower(static_cast<unsigned char>(x)) ==
                              std::tolower(static_cast<unsigned char>(y));
                     }) != haystack.end();
}
}  // namespace

void set_header(HeaderList& headers, std::string_view name, std::string_view value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = std::string(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

void append_request(std::string& out, std::string_view method, std::string_view path,
                    std::string_view host_header, const HeaderList& headers,
                    std::string_view body,
                    std::span<const std::pair<std::string_view, std::string_view>> more) {
  out.reserve(out.size() + 256 + body.size());
  out.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
  HeaderList base;
  base.emplace_back("Host", std::string(host_header));
  base.emplace_back("User-Agent", "llmload/" LLMLOAD_VERSION);
  base.emplace_back("Accept", "*/*");
  if (!body.empty()) base.emplace_back("Content-Type", "application/json");
  for (const auto& [n, v] : headers) set_header(base, n, v);
  for (const auto& [n, v] : more) set_header(base, n, v);
  for (const auto& [n, v] : base) {
    if (iequals(n, "Content-Length")) continue;  // always computed here
    out.append(n).append(": ").append(v).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PUT") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
}

bool is_secret_header(std::string_view name) {
  return iequals(name, "authorization") || iequals(name, "proxy-authorization") ||
         iequals(name, "cookie") || icontains(name, "api-key") || icontains(name, "apikey") ||
         icontains(name, "token") || icontains(name, "secret");
}

}  // namespace llmload::net
