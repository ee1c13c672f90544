// OTLP protobuf bodies and the gRPC TraceService (otlp/wire.hpp). The only file that sees the
// generated protobuf and gRPC code.

#include "llmload/otlp/wire.hpp"

#include "otlp_trace.grpc.pb.h"
#include "otlp_trace.pb.h"

#include <google/protobuf/stubs/logging.h>
#include <grpc/support/log.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace llmload::otlp {
namespace pb = opentelemetry::proto::collector::trace::v1;

namespace {

// protobuf logs to stderr why it refused a message (a string field that is not UTF-8, ...):
// one line per bad export, so a hostile exporter could fill llmload's output. The line becomes
// part of the refusal's reason instead (the thread's parse sets where it goes).
thread_local std::string* parse_log = nullptr;

void protobuf_log(google::protobuf::LogLevel, const char*, int, const std::string& message) {
  if (parse_log != nullptr && parse_log->empty()) *parse_log = message.substr(0, 200);
}

/// Installs protobuf_log once; every parse passes here first, so the handler is set before any
/// thread can log through it.
void quiet_protobuf_logs() {
  static const bool installed = (google::protobuf::SetLogHandler(protobuf_log), true);
  (void)installed;
}

/// Parses with protobuf's complaint, if any, kept in `why`.
template <typename Parse>
bool parse_quietly(Parse parse, std::string& why) {
  quiet_protobuf_logs();
  parse_log = &why;
  const bool ok = parse();
  parse_log = nullptr;
  return ok;
}

std::string with_why(std::string reason, const std::string& why) {
  return why.empty() ? reason : reason + " (protobuf: " + why + ")";
}

template <std::size_t N>
bool copy_id(const std::string& bytes, std::array<std::uint8_t, N>& out, bool required) {
  if (bytes.empty() && !required) return true;
  if (bytes.size() != N) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

AttributeValue value_of(const pb::AnyValue& v) {
  switch (v.value_case()) {
    case pb::AnyValue::kStringValue: return v.string_value();
    case pb::AnyValue::kBoolValue: return v.bool_value();
    case pb::AnyValue::kIntValue: return static_cast<std::int64_t>(v.int_value());
    case pb::AnyValue::kDoubleValue: return v.double_value();
    default: return std::monostate{};
  }
}

/// One protobuf span into the model; false when an id has the wrong length.
bool convert(const pb::Span& s, Span& out) {
  if (!copy_id(s.trace_id(), out.trace_id, true) || !copy_id(s.span_id(), out.span_id, true) ||
      !copy_id(s.parent_span_id(), out.parent_span_id, false)) {
    return false;
  }
  out.name = s.name();
  out.kind = static_cast<SpanKind>(s.kind());
  out.start_unix_ns = s.start_time_unix_nano();
  out.end_unix_ns = s.end_time_unix_nano();
  out.attributes.reserve(static_cast<std::size_t>(s.attributes_size()));
  for (const auto& kv : s.attributes()) out.attributes.push_back({kv.key(), value_of(kv.value())});
  return true;
}

bool convert_request(const pb::ExportTraceServiceRequest& request, std::vector<Span>& out, std::string& error) {
  const std::size_t before = out.size();
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& s : ss.spans()) {
        if (!convert(s, out.emplace_back())) {
          out.resize(before);
          error = "a span's trace_id is not 16 bytes or its span_id not 8";
          return false;
        }
      }
    }
  }
  return true;
}

void set_value(pb::AnyValue& out, const AttributeValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) out.set_string_value(*s);
  if (const auto* b = std::get_if<bool>(&value)) out.set_bool_value(*b);
  if (const auto* i = std::get_if<std::int64_t>(&value)) out.set_int_value(*i);
  if (const auto* d = std::get_if<double>(&value)) out.set_double_value(*d);
}

}  // namespace

bool decode_export_request(std::string_view bytes, std::vector<Span>& out, std::string& error) {
  pb::ExportTraceServiceRequest request;
  std::string why;
  if (!parse_quietly([&] { return request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())); }, why)) {
    error = with_why("the body is not a protobuf ExportTraceServiceRequest", why);
    return false;
  }
  return convert_request(request, out, error);
}

std::string encode_export_request(std::span<const Span> spans, std::string_view service_name,
                                  std::string_view scope_name) {
  pb::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  auto* service = rs->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value(std::string(service_name));
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(std::string(scope_name));
  for (const Span& s : spans) {
    auto* p = ss->add_spans();
    p->set_trace_id(s.trace_id.data(), s.trace_id.size());
    p->set_span_id(s.span_id.data(), s.span_id.size());
    if (s.parent_span_id != api::SpanId{}) p->set_parent_span_id(s.parent_span_id.data(), s.parent_span_id.size());
    p->set_name(s.name);
    p->set_kind(static_cast<std::int32_t>(s.kind));
    p->set_start_time_unix_nano(s.start_unix_ns);
    p->set_end_time_unix_nano(s.end_unix_ns);
    for (const auto& a : s.attributes) {
      auto* kv = p->add_attributes();
      kv->set_key(a.key);
      set_value(*kv->mutable_value(), a.value);
    }
  }
  return request.SerializeAsString();
}

std::string encode_export_response() { return pb::ExportTraceServiceResponse().SerializeAsString(); }

std::string encode_rpc_status(std::int32_t code, std::string_view message) {
  pb::RpcStatus status;
  status.set_code(code);
  status.set_message(std::string(message));
  return status.SerializeAsString();
}

// ---- gRPC server ---------------------------------------------------------------------------

/// TraceService with Export taken raw (the request's bytes), so that a malformed body is ours
/// to answer and count rather than gRPC's.
class RawTraceService final : public pb::TraceService::WithRawCallbackMethod_Export<pb::TraceService::Service> {
 public:
  explicit RawTraceService(ExportSink sink) : sink_(std::move(sink)) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    auto* reactor = context->DefaultReactor();
    pb::ExportTraceServiceRequest message;
    grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(request));
    std::vector<Span> spans;
    std::string why;
    std::string error;
    bool ok = parse_quietly([&] { return message.ParseFromZeroCopyStream(&reader); }, why);
    if (!ok) error = with_why("the message is not a protobuf ExportTraceServiceRequest", why);
    if (ok) ok = convert_request(message, spans, error);
    if (!ok) {
      if (sink_.malformed) sink_.malformed(error);
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error));
      return reactor;
    }
    if (sink_.spans) sink_.spans(std::move(spans));
    const std::string body = encode_export_response();
    grpc::Slice slice(body);
    *response = grpc::ByteBuffer(&slice, 1);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  ExportSink sink_;
};

struct GrpcTraceServer::Impl {
  std::unique_ptr<RawTraceService> service;
  std::unique_ptr<grpc::Server> server;
};

GrpcTraceServer::~GrpcTraceServer() { stop(); }

namespace {
// gRPC's own log lines (e.g. its bind failure) would repeat, less clearly, what llmload says.
void quiet_log(gpr_log_func_args*) {}
}  // namespace

std::unique_ptr<GrpcTraceServer> GrpcTraceServer::start(const std::string& host, int port, ExportSink sink,
                                                        std::string& error) {
  gpr_set_log_function(quiet_log);
  std::unique_ptr<GrpcTraceServer> out(new GrpcTraceServer());
  out->impl_ = std::make_unique<Impl>();
  out->impl_->service = std::make_unique<RawTraceService>(std::move(sink));
  grpc::ServerBuilder builder;
  // Without this gRPC binds with SO_REUSEPORT and would share a port another process holds.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  const std::string address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &out->port_);
  builder.RegisterService(out->impl_->service.get());
  out->impl_->server = builder.BuildAndStart();
  if (!out->impl_->server || out->port_ == 0) {
    error = "cannot listen on " + address + " (the port is in use, or the address is not this machine's)";
    out->impl_->server.reset();
    return nullptr;
  }
  return out;
}

void GrpcTraceServer::stop() {
  if (impl_ && impl_->server) {
    impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    impl_->server->Wait();
    impl_->server.reset();
  }
}

// ---- gRPC client ---------------------------------------------------------------------------

struct GrpcTraceClient::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
};

GrpcTraceClient::GrpcTraceClient(const std::string& address) : impl_(std::make_unique<Impl>()) {
  impl_->channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  impl_->stub = std::make_unique<grpc::GenericStub>(impl_->channel);
}

GrpcTraceClient::~GrpcTraceClient() = default;

bool GrpcTraceClient::export_request(std::string_view body, std::chrono::milliseconds timeout, std::string& error) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::Slice slice(body.data(), body.size());
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  impl_->stub->UnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", grpc::StubOptions(),
                         &request, &response, [&](grpc::Status s) {
                           std::lock_guard lock(mutex);
                           status = std::move(s);
                           done = true;
                           done_cv.notify_all();
                         });
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return done; });
  if (status.ok()) return true;
  error = "gRPC " + std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
  return false;
}

}  // namespace llmload::otlp
