#pragma once
/// OTLP/HTTP trace receiver: `POST /v1/traces` with an `application/x-protobuf` body (an
/// ExportTraceServiceRequest), answered 200 with an ExportTraceServiceResponse; malformed
/// input is answered 400 with a google.rpc.Status body and counted, a wrong path 404, another
/// method 405, another content type 415, a body over 64 MiB 413. One thread of its own.

#include "llmload/core/error.hpp"
#include "llmload/otlp/receiver.hpp"

#include <memory>
#include <string>

namespace llmload::otlp {

/// What an OTLP/HTTP request is answered (pure, for tests): status, content type, body.
struct HttpAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};
HttpAnswer answer_http_export(std::string_view method, std::string_view target, std::string_view content_type,
                              std::string_view body, SpanStore& store);

class HttpTraceServer final {
 public:
  /// Listens on host:port (0: any free port); an error when it cannot bind.
  static core::Result<std::unique_ptr<HttpTraceServer>> start(const std::string& host, int port, SpanStore& store);
  ~HttpTraceServer();
  int port() const noexcept;
  void stop();

  struct Impl;

 private:
  explicit HttpTraceServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmload::otlp
