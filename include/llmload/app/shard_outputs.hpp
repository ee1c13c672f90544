#pragma once
/// What a sharded run (--shard) adds to its result file: "llmload"."shard" with the rank, the
/// size, how the shard started (the common start as Unix time, the clock offset to rank 0's
/// start file, how late it started), the summary settings, the client's loop-delay histogram
/// and every request's record (report/shard_records.hpp), which `llmload merge` reads.

#include "llmload/config/run_plan.hpp"
#include "llmload/runtime/execute.hpp"

#include <string>

namespace llmload::app {

/// The "shard" object's JSON text ("" when the plan is not sharded).
std::string shard_json(const config::RunPlan& plan, const runtime::Workload& workload,
                       const runtime::RunResult& result);

}  // namespace llmload::app
