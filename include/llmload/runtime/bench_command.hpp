#pragma once
/// The run controller of `llmload bench`: plan → (simulator) → ready check → workload and
/// schedule → run → summary → table and result file. Exit codes follow the project's
/// convention: 0 done, 2 usage or configuration error, 3 the run could not take place.

#include "llmload/config/bench_options.hpp"
#include "llmload/runtime/runner.hpp"

#include <cstdio>
#include <functional>

namespace llmload::runtime {

/// Process exit codes shared by the commands.
enum ExitCode : int {
  kExitOk = 0,
  kExitSloFailed = 1,
  kExitUsage = 2,
  kExitCannotRun = 3,
};

/// What `llmload run` adds to a bench run: interval reports of the main run (not of the ready
/// check or the warm-ups), called on the calling thread. Empty: nothing.
struct BenchHooks {
  std::chrono::nanoseconds interval{};
  std::function<void(const IntervalReport&)> on_interval;
};

/// Runs `llmload bench` with parsed flags. Writes the human output to `out` (stdout) and
/// diagnostics and progress to `err` (stderr). Returns an ExitCode. Never throws for expected
/// failures; each is reported in one actionable line.
/// With --interval (plan.interval), prints one line per interval on `err`; `hooks` take over
/// the intervals when set.
int run_bench_command(const config::BenchOptions& options, std::FILE* out, std::FILE* err,
                      const BenchHooks& hooks = {});

}  // namespace llmload::runtime
