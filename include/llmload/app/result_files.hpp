#pragma once
/// The files a run writes when its plan asks: the result JSON (vLLM's keys and ours, written
/// atomically) and the reports beside it.

#include "llmload/app/stage.hpp"
#include "llmload/config/run_plan.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/runtime/execute.hpp"

#include <cstdio>

namespace llmload::app {

/// The run settings recorded in the result file.
/// llmload.stopped_early: {"reason", "at_s", "message", "figures": {name: value}}.
std::string stopped_early_json(const runtime::StoppedEarly& stop);

report::RunInfo run_info(const config::RunPlan& plan, const runtime::ResolvedTarget& target, const StageRun& run);

/// Before the run: the result directory (--result-dir, or the one --result-filename names)
/// exists and is writable, or can be made under a writable parent. The error names the flag.
core::Result<void> check_result_dir(const config::RunPlan& plan);

/// Saves the result and the reports the plan asks for; sets run.result_path. Returns kExitOk,
/// or kExitCannotRun after one line on `err` when a file cannot be written.
/// `intervals_written_live`: `llmload run`'s soak outputs already wrote the intervals CSV.
int save_results(const config::RunPlan& plan, const runtime::ResolvedTarget& target, StageRun& run,
                 bool intervals_written_live, std::FILE* err);

}  // namespace llmload::app
