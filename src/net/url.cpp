#include "llmload/net/url.hpp"

#include <charconv>

namespace llmload::net {

namespace {
// fmt instead of string operator+: GCC 12 warns falsely (-Wrestrict) on the latter.
std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
}
}  // namespace

std::string Url::host_header() const {
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? bracketed(host) : fmt::format("{}:{}", bracketed(host), port);
}

std::string Url::to_string() const {
  return fmt::format("{}://{}:{}{}", scheme, bracketed(host), port, path);
}

core::Result<Url> parse_url(std::string_view text, std::string_view what) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return core::fail("{} '{}' has no scheme; write it like http://127.0.0.1:8000", what, text);
  }
  url.scheme = std::string(text.substr(0, scheme_end));
  for (auto& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (url.scheme != "http" && url.scheme != "https") {
    return core::fail("{} '{}': scheme must be http or https", what, text);
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return core::fail(
        "{}: credentials in the URL are not accepted (they would end up in logs); pass an API "
        "key through the OPENAI_API_KEY environment variable instead",
        what);
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return core::fail("{}: a query or fragment is not allowed in a base URL", what);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.path = std::string(path);

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return core::fail("{} '{}': unterminated '[' in IPv6 address", what, text);
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return core::fail("{} '{}': expected ':' after ']'", what, text);
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':') != colon) {
        return core::fail("{} '{}': write IPv6 addresses in brackets, e.g. http://[::1]:8000",
                          what, text);
      }
      url.host = std::string(authority.substr(0, colon));
      port_text = authority.substr(colon + 1);
    } else {
      url.host = std::string(authority);
    }
  }
  if (url.host.empty()) return core::fail("{} '{}' has no host", what, text);
  if (port_text.empty()) {
    url.port = url.tls() ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return core::fail("{} '{}': port '{}' is not a number in 1..65535", what, text, port_text);
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace llmload::net
