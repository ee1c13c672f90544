#pragma once
/// The stages of one profile (a sweep point or a capacity-search probe) run in turn, each
/// from its own RunPlan, with the soak outputs and the SLO verdicts of the measured ones.

#include "llmload/app/slo.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/report/result_reader.hpp"
#include "llmload/live/live_metrics.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace llmload::app {

/// What names a sweep point (or a capacity-search probe): its name and its swept values.
struct RunIdentity {
  std::string name;  ///< e.g. "rate=2/s" or a written `name:` ("" without a sweep)
  std::vector<std::pair<std::string, std::string>> sweep;  ///< (path, value) as written
};

/// A sweep point: the profile with the point's values applied, and what names it.
struct PointProfile {
  config::Profile profile;
  RunIdentity point;
};

/// A measured stage's result file and its reports' view (for the report of all stages), and
/// the figures the sweep's per-point lines print.
struct MeasuredStage {
  std::string result_path;
  std::optional<report::ReportRun> report;
  std::string point, stage;         ///< sweep point ("" without a sweep) and stage name
  std::string name;                 ///< the run's name (its result's label)
  std::string verdict_stage;        ///< the stage as its SLO verdicts name it ("steady (run 2/3)")
  double output_throughput = 0;     ///< tok/s
  std::int64_t scored = 0;          ///< requests scored against references
  std::optional<double> accuracy;   ///< unset when nothing was scored
  std::int64_t checked = 0, degenerate = 0;
};

/// One profile run stage by stage.
struct PointRun {
  int code = 0;                       ///< kExitOk, kExitUsage or kExitCannotRun
  std::vector<SloVerdict> verdicts;   ///< of the measured stages
  std::vector<MeasuredStage> stages;  ///< the measured stages' results
};

/// Runs every stage of `profile`; result files are named `<prefix>-<stage number>-<stage>`.
/// `heading` starts each stage's console header (e.g. "point 2/4 (rate=2), ").
/// `live`: the live metrics (outputs.metrics_port) each stage feeds, or null.
PointRun run_point(const config::Profile& profile, const std::string& prefix, const RunIdentity& point,
                   const std::string& heading, std::FILE* out, std::FILE* err, live::LiveMetrics* live = nullptr);

/// The capacity search of `profile` (which has a `search`): each probe a copy of the profile
/// with one number changed (the searched stage's rate or concurrency). Prints every probe, the
/// curve and the answer; writes `search.json`; `verdicts` become the answer's (or the first
/// probe's when none passed). Returns an ExitCode.
int run_search(const config::Profile& profile, std::vector<SloVerdict>& verdicts, std::FILE* out, std::FILE* err,
               live::LiveMetrics* live = nullptr);

}  // namespace llmload::app
