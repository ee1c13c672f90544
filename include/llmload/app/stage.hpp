#pragma once
/// One run of a plan, as `llmload bench` does it and `llmload run` does it for each stage:
/// load the workload, start the target, prepare, execute, then the table on stdout and the
/// result file and reports the plan asks for.

#include "llmload/app/console.hpp"
#include "llmload/config/run_plan.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/runtime/execute.hpp"
#include "llmload/report/result_reader.hpp"

#include <cstdio>
#include <optional>
#include <string>

namespace llmload::app {

/// What one run produced, in memory: the caller checks SLOs on it, never on a file.
struct StageRun {
  int code = 0;                                   ///< an ExitCode
  std::optional<runtime::RunResult> result;       ///< set when the run took place
  std::optional<scrape::SpecDecodeStats> spec_decode;  ///< vLLM's block (a speculative server)
  /// --otlp-receiver: the server's spans joined to the requests.
  std::optional<otlp::Breakdown> breakdown;
  std::string result_path;                        ///< the saved result file ("" when none)
  /// The reports' view of the run (built from `result` in memory, never read back), set when
  /// a result file or a report was written: reports of several runs draw it.
  std::optional<report::ReportRun> report;
  std::vector<EventOutcome> events;               ///< a profile stage's events, as run
  std::vector<Disruption> disruptions;            ///< what each event did to the load
  std::string shard_json;                         ///< a sharded run's "shard" object (app::shard_json)
  std::string series;                             ///< StageHooks::series
  std::vector<std::pair<std::string, std::string>> sweep;  ///< StageHooks::sweep
};

/// Runs `plan`: human output on `out`, diagnostics and progress on `err`.
StageRun run_stage(const config::RunPlan& plan, std::FILE* out, std::FILE* err, const StageHooks& hooks = {});

}  // namespace llmload::app
