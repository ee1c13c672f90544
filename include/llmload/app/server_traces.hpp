#pragma once
/// The server's OpenTelemetry traces around one run (--otlp-receiver): the receiver started
/// before the target (a built-in simulator exports to it), and after the run its spans
/// joined to the requests, waiting up to --otlp-grace for late batches. Runs on the thread
/// that runs the stage; the receiver's own threads only collect.

#include "llmload/config/run_plan.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/otlp/receiver.hpp"
#include "llmload/runtime/execute.hpp"

#include <memory>
#include <string>

namespace llmload::app {

/// The receiver the plan asks for (null when off); an error names the port and the flag.
core::Result<std::unique_ptr<otlp::Receiver>> start_receiver(const config::RunPlan& plan);

/// "llmload bench: receiving OpenTelemetry traces on ... (OTLP/gRPC) and ... (OTLP/HTTP)".
std::string receiver_announcement(const otlp::Receiver& receiver);

/// Where a built-in simulator sends its spans: the receiver's gRPC port on loopback.
std::string simulator_endpoint(const otlp::Receiver& receiver);

/// Joins the spans received so far, and those arriving within the plan's grace period (ending
/// early once every request is joined), to the run's records; the parts per workload category;
/// adds the parts to the run's per-request rows and their means to its interval series.
otlp::Breakdown join_server_traces(const config::RunPlan& plan, const runtime::Workload& workload,
                                   runtime::RunResult& result, otlp::Receiver& receiver);

}  // namespace llmload::app
