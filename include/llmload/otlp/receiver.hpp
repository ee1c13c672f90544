#pragma once
/// The embedded OTLP trace receiver that `llmload bench --otlp-receiver [HOST:]PORT` starts:
/// OTLP/gRPC (TraceService/Export) on PORT and OTLP/HTTP with protobuf bodies
/// (`POST /v1/traces`) on PORT + 1 (OpenTelemetry's defaults are 4317 and 4318), each on its
/// own threads, never on the request workers. Spans are kept until the caller takes them;
/// malformed exports are answered with the protocol's error and counted.

#include "llmload/core/error.hpp"
#include "llmload/otlp/address.hpp"
#include "llmload/otlp/span.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::otlp {

/// Counts since the receiver started (thread-safe snapshot).
struct ReceiverStats {
  std::int64_t exports = 0;    ///< export requests accepted (gRPC and HTTP)
  std::int64_t spans = 0;      ///< spans in them
  std::int64_t malformed = 0;  ///< export requests refused (bad protobuf, bad ids, bad HTTP)
  std::string last_malformed;  ///< why the last one was refused
};

/// Spans handed over by the receiving threads, kept until taken. Thread-safe.
class SpanStore final {
 public:
  void add(std::vector<Span>&& spans);
  void malformed(std::string_view why);
  /// The spans received since the last call.
  std::vector<Span> take();
  ReceiverStats stats() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Span> pending_;
  ReceiverStats stats_;
};

class HttpTraceServer;  // OTLP/HTTP, in otlp/http_receiver.hpp
class GrpcTraceServer;  // OTLP/gRPC, in otlp/wire.hpp

/// Both servers over one SpanStore. Stops (and joins its threads) when destroyed.
class Receiver final {
 public:
  /// Listens; a busy port is an error naming the port, the protocol and `flag`.
  static core::Result<std::unique_ptr<Receiver>> start(const ReceiverAddress& address, std::string_view flag);
  ~Receiver();

  SpanStore& store() { return store_; }
  int grpc_port() const noexcept { return grpc_port_; }
  int http_port() const noexcept { return http_port_; }
  const std::string& host() const noexcept { return host_; }
  /// The endpoint a server's exporter is given: "http://HOST:PORT" of the gRPC side
  /// ("THIS_HOST" when listening on every address).
  std::string grpc_endpoint() const;
  std::string http_endpoint() const;
  void stop();

 private:
  Receiver() = default;
  SpanStore store_;
  std::unique_ptr<GrpcTraceServer> grpc_;
  std::unique_ptr<HttpTraceServer> http_;
  std::string host_;
  int grpc_port_ = 0, http_port_ = 0;
};

}  // namespace llmload::otlp
