#pragma once
/// The simulator's OpenTelemetry trace exporter: one vLLM-shaped `llm_request` span per
/// finished generation request (the same gen_ai.* attributes vLLM's output processor sets),
/// sent over OTLP/gRPC, or OTLP/HTTP protobuf, in batches like the OpenTelemetry SDK's
/// BatchSpanProcessor (a batch when 512 spans wait or every schedule delay, at most 2048
/// queued, the rest dropped and counted; what is queued is flushed on stop). Its own thread.

#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/otlp/span.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace llmload::sim {

struct SpanExportOptions {
  std::string endpoint;       ///< "http://HOST:PORT" (gRPC) or the OTLP/HTTP URL
  bool http_protobuf = false; ///< OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf
  std::chrono::milliseconds schedule_delay{5000};  ///< the SDK's OTEL_BSP_SCHEDULE_DELAY
  std::size_t max_batch = 512;                     ///< OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::size_t max_queue = 2048;                    ///< OTEL_BSP_MAX_QUEUE_SIZE
  std::string service_name = "llmload-sim";
};

/// One request's server-side times, steady-clock ns (the engine's, mapped to real time).
struct RequestTimes {
  core::Nanos arrival_ns = 0;      ///< the request reached the engine (vLLM's arrival_time)
  core::Nanos scheduled_ns = 0;    ///< first scheduled
  core::Nanos first_token_ns = 0;  ///< first token out of the engine
  core::Nanos finished_ns = 0;     ///< last token
};

/// What a span says of its request besides the times.
struct RequestFacts {
  std::string_view traceparent;  ///< the request's header ("" when none: a new trace)
  std::string_view request_id;   ///< vLLM's: "cmpl-<x-request-id>-0" or "chatcmpl-<x-request-id>"
  std::string_view model;
  std::int64_t max_tokens = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

/// The `llm_request` span vLLM would export for the request (kind SERVER, continuing the
/// caller's traceparent; `span_id_seed` gives its span id, and the trace id when no
/// traceparent came). Pure.
otlp::Span make_request_span(const RequestFacts& facts, const RequestTimes& times, std::uint64_t span_id_seed);

class SpanExporter final {
 public:
  /// Checks the endpoint and starts the exporting thread.
  static core::Result<std::unique_ptr<SpanExporter>> start(SpanExportOptions options);
  ~SpanExporter();

  /// Queues a span (thread-safe, never blocks on the network); dropped when the queue is full.
  void submit(otlp::Span span);
  /// Sends what is queued and stops the thread. Idempotent.
  void stop();

  struct Stats {
    std::int64_t exported = 0, dropped = 0, failed_exports = 0;
    std::string last_error;
  };
  Stats stats() const;

  struct Transport;

 private:
  SpanExporter() = default;
  void run();

  SpanExportOptions options_;
  std::unique_ptr<Transport> transport_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<otlp::Span> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace llmload::sim
