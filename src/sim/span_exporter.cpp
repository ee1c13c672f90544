#include "llmload/sim/span_exporter.hpp"

#include "llmload/core/rng.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/net/url.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/otlp/wire.hpp"

#include <fmt/format.h>

#include <chrono>

namespace llmload::sim {
namespace {

void put_be64(std::uint64_t v, std::uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

/// An id from a seed: splitmix64's step, never zero (a zero trace or span id is invalid).
std::uint64_t nonzero_id(std::uint64_t seed) { return core::mix64(seed) | 1; }

/// Steady-clock ns as unix ns (spans carry wall-clock times).
std::uint64_t unix_ns(core::Nanos steady_ns, core::Nanos steady_now, std::int64_t unix_now) {
  return static_cast<std::uint64_t>(unix_now - (steady_now - steady_ns));
}

double seconds(core::Nanos ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

otlp::Span make_request_span(const RequestFacts& facts, const RequestTimes& times, std::uint64_t span_id_seed) {
  otlp::Span span;
  api::TraceId trace{};
  api::SpanId parent{};
  if (api::parse_traceparent(facts.traceparent, trace, parent)) {
    span.trace_id = trace;
    span.parent_span_id = parent;
  } else {
    put_be64(nonzero_id(span_id_seed ^ 0x5eedULL), span.trace_id.data());
    put_be64(nonzero_id(span_id_seed ^ 0x7ace1dULL), span.trace_id.data() + 8);
  }
  put_be64(nonzero_id(span_id_seed), span.span_id.data());
  span.name = "llm_request";
  span.kind = otlp::SpanKind::kServer;
  const core::Nanos steady_now = core::now_ns();
  const auto unix_now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  span.start_unix_ns = unix_ns(times.arrival_ns, steady_now, unix_now);
  span.end_unix_ns = unix_ns(times.finished_ns, steady_now, unix_now);
  namespace a = otlp::attr;
  auto& at = span.attributes;
  at.push_back({"gen_ai.response.model", std::string(facts.model)});
  at.push_back({std::string(a::kRequestId), std::string(facts.request_id)});
  at.push_back({"gen_ai.request.max_tokens", facts.max_tokens});
  at.push_back({"gen_ai.request.n", std::int64_t{1}});
  at.push_back({std::string(a::kPromptTokens), facts.prompt_tokens});
  at.push_back({std::string(a::kCompletionTokens), facts.completion_tokens});
  at.push_back({std::string(a::kTimeToFirstToken), seconds(times.first_token_ns - times.arrival_ns)});
  at.push_back({std::string(a::kE2e), seconds(times.finished_ns - times.arrival_ns)});
  at.push_back({std::string(a::kTimeInQueue), seconds(times.scheduled_ns - times.arrival_ns)});
  at.push_back({std::string(a::kPrefill), seconds(times.first_token_ns - times.scheduled_ns)});
  at.push_back({std::string(a::kDecode), seconds(times.finished_ns - times.first_token_ns)});
  at.push_back({std::string(a::kInference), seconds(times.finished_ns - times.scheduled_ns)});
  return span;
}

/// Where the batches go: a gRPC channel, or a kept-alive HTTP connection.
struct SpanExporter::Transport {
  std::unique_ptr<otlp::GrpcTraceClient> grpc;
  std::unique_ptr<net::KeepAliveClient> http;
  std::string http_path;

  bool send(const std::string& body, std::string& error) {
    if (grpc) return grpc->export_request(body, std::chrono::seconds(10), error);
    const net::HeaderList headers{{"Content-Type", "application/x-protobuf"}};
    auto response = http->request("POST", http_path, headers, body, std::chrono::seconds(10));
    if (!response) {
      error = response.error().message;
      return false;
    }
    if (response->status == 200) return true;
    error = fmt::format("HTTP {}", response->status);
    return false;
  }
};

core::Result<std::unique_ptr<SpanExporter>> SpanExporter::start(SpanExportOptions options) {
  auto url = net::parse_url(options.endpoint, "--otlp-traces-endpoint");
  if (!url) return url.error();
  if (url->scheme != "http") {
    return core::fail("--otlp-traces-endpoint {}: only plaintext http:// endpoints are supported", options.endpoint);
  }
  std::unique_ptr<SpanExporter> e(new SpanExporter());
  e->transport_ = std::make_unique<Transport>();
  if (options.http_protobuf) {
    auto endpoints = net::resolve(url->host, url->port);
    if (!endpoints) return endpoints.error();
    e->transport_->http = std::make_unique<net::KeepAliveClient>(*url, std::move(*endpoints));
    e->transport_->http_path = url->path.empty() || url->path == "/" ? "/v1/traces" : url->path;
  } else {
    const bool v6 = url->host.find(':') != std::string::npos;
    e->transport_->grpc = std::make_unique<otlp::GrpcTraceClient>(
        fmt::format("{}{}{}:{}", v6 ? "[" : "", url->host, v6 ? "]" : "", url->port));
  }
  e->options_ = std::move(options);
  e->thread_ = std::thread([raw = e.get()] { raw->run(); });
  return e;
}

SpanExporter::~SpanExporter() { stop(); }

void SpanExporter::submit(otlp::Span span) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= options_.max_queue) {
    ++stats_.dropped;
    return;
  }
  queue_.push_back(std::move(span));
  if (queue_.size() >= options_.max_batch) wake_.notify_one();
}

void SpanExporter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.schedule_delay, [this] { return stopping_ || queue_.size() >= options_.max_batch; });
    while (!queue_.empty()) {
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      std::vector<otlp::Span> batch(std::make_move_iterator(queue_.begin()),
                                    std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      lock.unlock();
      const std::string body = otlp::encode_export_request(batch, options_.service_name, "llmload.sim");
      std::string error;
      const bool sent = transport_->send(body, error);
      lock.lock();
      if (sent) {
        stats_.exported += static_cast<std::int64_t>(n);
      } else {
        ++stats_.failed_exports;
        stats_.last_error = error;
      }
      if (!stopping_ && queue_.size() < options_.max_batch) break;
    }
    if (stopping_ && queue_.empty()) return;
  }
}

void SpanExporter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

SpanExporter::Stats SpanExporter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace llmload::sim
