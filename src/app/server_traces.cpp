#include "llmload/app/server_traces.hpp"

#include "llmload/report/breakdown_report.hpp"
#include "llmload/runtime/stop_signals.hpp"

#include <fmt/format.h>

#include <thread>

namespace llmload::app {
namespace {
constexpr auto kPoll = std::chrono::milliseconds(20);

/// Each record's workload category ("" for none); a --duration run sends its specs in turn.
std::vector<std::string> record_categories(std::span<const metrics::RequestRecord> records,
                                           std::span<const workload::RequestSpec> specs) {
  std::vector<std::string> out;
  if (specs.empty()) return out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(specs[r.index % specs.size()].category);
  return out;
}

}  // namespace

core::Result<std::unique_ptr<otlp::Receiver>> start_receiver(const config::RunPlan& plan) {
  if (!plan.otlp_receiver) return std::unique_ptr<otlp::Receiver>();
  return otlp::Receiver::start(*plan.otlp_receiver, "--otlp-receiver");
}

std::string receiver_announcement(const otlp::Receiver& receiver) {
  return fmt::format("llmload bench: receiving OpenTelemetry traces at {} (OTLP/gRPC) and {} (OTLP/HTTP protobuf); "
                     "start the server with --otlp-traces-endpoint {}",
                     receiver.grpc_endpoint(), receiver.http_endpoint(), receiver.grpc_endpoint());
}

std::string simulator_endpoint(const otlp::Receiver& receiver) {
  const bool v6 = receiver.host().find(':') != std::string::npos;
  const bool any = receiver.host() == "0.0.0.0" || receiver.host() == "::";
  const std::string host = any ? (v6 ? "[::1]" : "127.0.0.1") : (v6 ? "[" + receiver.host() + "]" : receiver.host());
  return fmt::format("http://{}:{}", host, receiver.grpc_port());
}

otlp::Breakdown join_server_traces(const config::RunPlan& plan, const runtime::Workload& workload,
                                   runtime::RunResult& result, otlp::Receiver& receiver) {
  otlp::Joiner joiner(result.output.records, workload.trace_parents, plan.request_id_prefix,
                      workload.warmup_trace_parents);
  const auto deadline = std::chrono::steady_clock::now() + plan.otlp_grace;
  const int signals = runtime::stop_signal_count().load();  // a Ctrl-C during the wait ends it
  for (;;) {
    joiner.add(receiver.store().take());
    if (joiner.all_joined() || std::chrono::steady_clock::now() >= deadline ||
        runtime::stop_signal_count().load() > signals) {
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  auto breakdown = joiner.finish(receiver.store().stats().malformed, receiver.grpc_endpoint());
  otlp::add_categories(breakdown, record_categories(result.output.records, workload.specs));
  report::add_breakdown_columns(breakdown, result.summary);
  return breakdown;
}

}  // namespace llmload::app
