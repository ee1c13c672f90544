#pragma once
/// The target of a run, resolved at run time: the built-in simulator started when the plan
/// names none, the address resolved, TLS set up, OPENAI_API_KEY's bearer token added and the
/// model asked of /v1/models when the plan has none. The plan itself is not changed.

#include "llmload/config/run_plan.hpp"
#include "llmload/core/error.hpp"
#include "llmload/runtime/execute.hpp"
#include "llmload/sim/sim_server.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace llmload::app {

/// A resolved target and, when it is the built-in simulator, the server itself (stopped when
/// this is destroyed).
struct StartedTarget {
  runtime::ResolvedTarget resolved;
  std::unique_ptr<sim::SimServer> simulator;
  std::string announcement;  ///< "no target given ..., benchmarking the built-in simulator at ..."
};

/// Why a target could not be had, and whether the plan was at fault (exit 2) or the target (3).
struct TargetError {
  std::string message;
  bool usage = false;
};

/// Starts the simulator if needed and resolves the target of `plan`. A built-in simulator
/// exports its OpenTelemetry spans to `otlp_endpoint` when one is given (the receiver's).
boost::system::result<StartedTarget, TargetError> start_target(const config::RunPlan& plan,
                                                               std::string_view otlp_endpoint = {});

}  // namespace llmload::app
