#pragma once
/// A plain blocking HTTP/1.1 client for the control requests around a run (model discovery,
/// readiness, metrics scrapes, /tokenize counts). Not for load: the load path is
/// runtime::Runner.

#include "llmload/core/error.hpp"
#include "llmload/net/request_head.hpp"
#include "llmload/net/url.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
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

/// Sends requests one after another on one kept-alive connection to `base` (opened on first
/// use, reopened when the server closed it; a request that finds a reused connection dead
/// before any response byte is sent again once on a fresh one). For many small control
/// requests in a row, e.g. one /tokenize per prompt: a TCP (and TLS) handshake each would
/// dominate. Blocking; one thread at a time. `tls` must outlive the client.
class KeepAliveClient final {
 public:
  KeepAliveClient(Url base, std::vector<boost::asio::ip::tcp::endpoint> endpoints,
                  boost::asio::ssl::context* tls = nullptr, bool verify = true);
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  /// One exchange within `timeout`; errors as fetch()'s.
  core::Result<SimpleResponse> request(std::string_view method, std::string_view path,
                                       const HeaderList& headers, std::string_view body,
                                       std::chrono::milliseconds timeout);
  /// Connections opened so far (1 when every request reused the first).
  int connections_opened() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmload::net
