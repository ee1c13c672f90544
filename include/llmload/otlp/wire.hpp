#pragma once
/// OTLP on the wire: protobuf ExportTraceServiceRequest bodies, the gRPC TraceService/Export
/// server and client. Implemented in the llmload_otlp library (generated protobuf and gRPC
/// code, compiled apart from the rest); this header names no protobuf or gRPC type. Depends on
/// nothing of llmload but the header-only span model.

#include "llmload/otlp/span.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::otlp {

/// Decodes a protobuf ExportTraceServiceRequest, appending its spans to `out`. On malformed
/// bytes (not protobuf, or a trace id that is not 16 bytes, a span id not 8) returns false
/// with `error` saying what, and appends nothing.
bool decode_export_request(std::string_view bytes, std::vector<Span>& out, std::string& error);

/// The protobuf ExportTraceServiceRequest of `spans`: one ResourceSpans whose resource has
/// service.name = `service_name`, one ScopeSpans named `scope_name`.
std::string encode_export_request(std::span<const Span> spans, std::string_view service_name,
                                  std::string_view scope_name);

/// The protobuf ExportTraceServiceResponse of a full success (an empty message).
std::string encode_export_response();

/// The protobuf google.rpc.Status an OTLP/HTTP error response carries.
std::string encode_rpc_status(std::int32_t code, std::string_view message);

/// Receives what an OTLP exporter sends: decoded spans, or the reason a request was refused.
/// Called on gRPC's threads, concurrently: it must be thread-safe.
struct ExportSink {
  std::function<void(std::vector<Span>&&)> spans;
  std::function<void(std::string_view why)> malformed;
};

/// An OTLP/gRPC receiver (TraceService/Export) on its own threads (gRPC's). A malformed
/// request is answered INVALID_ARGUMENT and reported to the sink.
class GrpcTraceServer final {
 public:
  ~GrpcTraceServer();
  /// Listens on `host`:`port` (port 0: any free port); the bound port is port(). Null with
  /// `error` when the address cannot be bound (a busy port: gRPC's address reuse is off).
  static std::unique_ptr<GrpcTraceServer> start(const std::string& host, int port, ExportSink sink,
                                                std::string& error);
  int port() const noexcept { return port_; }
  /// Stops accepting and waits for calls in progress (at most a second). Idempotent.
  void stop();

  struct Impl;

 private:
  GrpcTraceServer() = default;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

/// An OTLP/gRPC exporter client: sends encoded ExportTraceServiceRequest bodies to one
/// collector address ("host:port"), plaintext. Thread-compatible (one caller at a time).
class GrpcTraceClient final {
 public:
  explicit GrpcTraceClient(const std::string& address);
  ~GrpcTraceClient();
  /// Sends one request body; false with `error` (the gRPC status) when the call fails.
  bool export_request(std::string_view body, std::chrono::milliseconds timeout, std::string& error);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmload::otlp
