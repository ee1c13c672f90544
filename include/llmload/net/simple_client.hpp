#pragma once
/// A plain blocking HTTP/1.1 client for the few control requests around a run (model
/// discovery, readiness, metrics scrapes). Not for load: the load path is runtime::Runner.

#include "llmload/core/error.hpp"
#include "llmload/net/request_head.hpp"
#include "llmload/net/url.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace llmload::net {

/// A complete response.
struct SimpleResponse {
  int status = 0;
  std::string reason;
  std::string body;
};

/// Sends one request on a fresh connection and reads the whole response, all within
/// `timeout`; over TLS when `tls` is given (with host verification when `verify`). Errors
/// (connect, TLS, timeout, malformed response) name the URL and the reason.
core::Result<SimpleResponse> fetch(const Url& base,
                                   const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                                   std::string_view method, std::string_view path,
                                   const HeaderList& headers, std::string_view body,
                                   std::chrono::milliseconds timeout,
                                   boost::asio::ssl::context* tls = nullptr, bool verify = true);

}  // namespace llmload::net
