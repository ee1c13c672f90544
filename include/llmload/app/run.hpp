#pragma once
/// `llmload run PROFILE.yaml`: every sweep point × every stage of a validated profile, each
/// stage resolved into its own RunPlan (config::resolve_stage) and run in this process; the
/// SLOs checked on each measured stage's result in memory; exit codes a pipeline can trust
/// and, when asked, JUnit XML and one report of all stages.

#include <cstdio>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace llmload::app {

/// The arguments of `llmload run`.
struct RunArgs {
  std::string profile;
  std::vector<std::string> overrides;  ///< --set path=value
};

/// Registers `llmload run` on `app`, bound to `args` (which must outlive parsing).
CLI::App* add_run_command(CLI::App& app, RunArgs& args);

/// Runs the profile. Every measured stage also writes, per interval (outputs.interval):
/// `<stage>.hlog`, `<stage>.intervals.csv`, a console line, and `<stage>.json` rewritten with
/// the cumulative figures so far (`"partial": true`) until the exact result replaces it.
/// With a `search` section, it runs the capacity search instead, writing `search.json`.
/// Exit codes: 0 every SLO met, 1 an SLO failed (each failure printed with its margin), 2 a
/// usage or configuration error, 3 a stage could not run. Human output on `out`, diagnostics
/// on `err`.
int run_profile(const RunArgs& args, std::FILE* out, std::FILE* err);

}  // namespace llmload::app
