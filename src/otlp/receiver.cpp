#include "llmload/otlp/receiver.hpp"

#include "llmload/otlp/http_receiver.hpp"
#include "llmload/otlp/wire.hpp"

#include <fmt/format.h>


namespace llmload::otlp {

void SpanStore::add(std::vector<Span>&& spans) {
  std::lock_guard lock(mutex_);
  ++stats_.exports;
  stats_.spans += static_cast<std::int64_t>(spans.size());
  if (pending_.empty()) {
    pending_ = std::move(spans);
  } else {
    pending_.insert(pending_.end(), std::make_move_iterator(spans.begin()), std::make_move_iterator(spans.end()));
  }
}

void SpanStore::malformed(std::string_view why) {
  std::lock_guard lock(mutex_);
  ++stats_.malformed;
  stats_.last_malformed = std::string(why);
}

std::vector<Span> SpanStore::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

ReceiverStats SpanStore::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

core::Result<std::unique_ptr<Receiver>> Receiver::start(const ReceiverAddress& address, std::string_view flag) {
  std::unique_ptr<Receiver> r(new Receiver());
  r->host_ = address.host;
  SpanStore* store = &r->store_;
  ExportSink sink{[store](std::vector<Span>&& spans) { store->add(std::move(spans)); },
                  [store](std::string_view why) { store->malformed(why); }};
  std::string error;
  r->grpc_ = GrpcTraceServer::start(address.host, address.port, std::move(sink), error);
  if (!r->grpc_) {
    return core::fail("{} {}:{}: OTLP/gRPC {}; give another port (--otlp-receiver HOST:PORT)", flag,
                      address.host, address.port, error);
  }
  r->grpc_port_ = r->grpc_->port();
  const int http_port = address.port == 0 ? 0 : address.port + 1;
  auto http = HttpTraceServer::start(address.host, http_port, r->store_);
  if (!http) {
    return core::fail("{} {}:{}: OTLP/HTTP (PORT + 1) {}; give another port (--otlp-receiver HOST:PORT)", flag,
                      address.host, http_port, http.error().message);
  }
  r->http_ = std::move(*http);
  r->http_port_ = r->http_->port();
  return r;
}

Receiver::~Receiver() { stop(); }

void Receiver::stop() {
  if (grpc_) grpc_->stop();
  if (http_) http_->stop();
}

namespace {
std::string endpoint_host(const std::string& host) {
  if (host == "0.0.0.0" || host == "::") return "THIS_HOST";
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
}  // namespace

std::string Receiver::grpc_endpoint() const { return fmt::format("http://{}:{}", endpoint_host(host_), grpc_port_); }
std::string Receiver::http_endpoint() const {
  return fmt::format("http://{}:{}/v1/traces", endpoint_host(host_), http_port_);
}

}  // namespace llmload::otlp
