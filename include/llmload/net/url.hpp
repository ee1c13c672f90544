#pragma once
/// Target addresses: `http://host:port/prefix` and `https://...`, IPv4, IPv6 ([::1]) and names.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace llmload::net {

/// A parsed base URL. Plain value type.
struct Url {
  std::string scheme;   ///< "http" or "https"
  std::string host;     ///< name or address, without IPv6 brackets
  std::uint16_t port = 0;
  std::string path;     ///< path prefix without a trailing '/', may be empty ("/api" in http://h/api)

  bool tls() const noexcept { return scheme == "https"; }
  /// Value for the Host header: host, bracketed if IPv6, with ":port" unless it is the default.
  std::string host_header() const;
  /// scheme://host[:port]path — never contains credentials (userinfo is rejected by parse_url).
  std::string to_string() const;
};

/// Parses "http[s]://host[:port][/path]". Errors say what is wrong and show an example.
/// `what` names the source (e.g. "--base-url") for the message.
core::Result<Url> parse_url(std::string_view text, std::string_view what = "URL");

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace llmload::net
