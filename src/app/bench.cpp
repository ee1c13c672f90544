#include "llmload/app/bench.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/app/live_endpoint.hpp"
#include "llmload/app/repeat.hpp"
#include "llmload/app/stage.hpp"
#include "llmload/core/atomic_file.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ctime>
#include <filesystem>

namespace llmload::app {
namespace {

/// Exit 1 when an early-stop rule ended a run that otherwise completed.
int stopped_early_code(const StageRun& run, std::FILE* err) {
  if (run.code == kExitOk && run.result && run.result->output.stopped_early) {
    fmt::print(err, "llmload bench: the run stopped early ({}); exit {}\n", run.result->output.stopped_early->reason,
               static_cast<int>(kExitSloFailed));
    return kExitSloFailed;
  }
  return run.code;
}

/// "repeat-%Y%m%d-%H%M%S" in local time: the stem of repeated runs' files without --result-filename.
std::string repeat_stem() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[48];
  std::strftime(text, sizeof text, "repeat-%Y%m%d-%H%M%S", &tm);
  return text;
}

/// The aggregate on the console and, with --save-result, beside the runs' files.
int report_aggregate(const config::RunPlan& first, Aggregate& aggregate, const std::string& stem, std::FILE* out,
                     std::FILE* err) {
  fmt::print(out, "\n{}", format_aggregate(aggregate, "Aggregate of repeated runs"));
  std::fflush(out);
  if (!first.results.save_result) return kExitOk;
  std::filesystem::path path = repeat_file_name(stem, "aggregate");
  if (!first.results.result_dir.empty()) path = std::filesystem::path(first.results.result_dir) / path;
  if (auto written = core::write_file_atomic(path, aggregate_json(aggregate)); !written) {
    fmt::print(err, "llmload bench: error: {}\n", written.error().message);
    return kExitCannotRun;
  }
  fmt::print(err, "llmload bench: aggregate saved to {}\n", path.string());
  return kExitOk;
}

/// --num-runs N: N runs of the same flags, the seed + i for run i, then the aggregate.
int run_repeated(const config::BenchOptions& options, const StageHooks& hooks, std::FILE* out, std::FILE* err) {
  const std::string stem = options.result_filename.empty() ? repeat_stem() : options.result_filename;
  std::vector<metrics::RunSummary> summaries;
  Aggregate aggregate;
  int code = kExitOk;
  config::RunPlan first;
  for (std::int64_t i = 0; i < options.num_runs; ++i) {
    config::BenchOptions o = options;
    o.seed = options.seed + static_cast<std::uint64_t>(i);
    o.result_filename = repeat_file_name(stem, fmt::format("run{}", i + 1));
    auto plan = config::resolve(o);
    if (!plan) {
      fmt::print(err, "llmload bench: error: {}\n", plan.error().message);
      return kExitUsage;
    }
    if (i == 0) first = *plan;
    fmt::print(out, "\n== llmload bench: run {}/{} (seed {}) ==\n", i + 1, options.num_runs, o.seed);
    std::fflush(out);
    const StageRun run = run_stage(*plan, out, err, hooks);
    if (run.code != kExitOk) return run.code;
    code = std::max(code, stopped_early_code(run, err));
    summaries.push_back(run.result->summary);
    aggregate.seeds.push_back(o.seed);
    aggregate.results.push_back(run.result_path);
    aggregate.stopped_early += run.result->output.stopped_early ? 1 : 0;
  }
  std::vector<const metrics::RunSummary*> pointers;
  for (const auto& s : summaries) pointers.push_back(&s);
  Aggregate computed = aggregate_runs(pointers);
  computed.seeds = std::move(aggregate.seeds);
  computed.results = std::move(aggregate.results);
  computed.stopped_early = aggregate.stopped_early;
  const int saved = report_aggregate(first, computed, stem, out, err);
  return saved != kExitOk ? saved : code;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app, config::BenchOptions& options) {
  auto* bench = app.add_subcommand(
      "bench", fmt::format("Benchmark a server like `vllm bench serve` of {} (same flags, table and JSON); "
                           "with no target flag, the built-in simulator", config::kVllmCompat));
  config::add_bench_options(*bench, options);
  return bench;
}

int run_bench(const config::BenchOptions& options, std::FILE* out, std::FILE* err) {
  auto plan = config::resolve(options);
  if (!plan) {
    fmt::print(err, "llmload bench: error: {}\n", plan.error().message);
    return kExitUsage;
  }
  LiveEndpoint live;
  if (auto started = live.start(plan->metrics_port, err); !started) {
    fmt::print(err, "llmload bench: error: {}\n", started.error().message);
    return kExitCannotRun;
  }
  StageHooks hooks;
  hooks.live = live.metrics();
  const int code = options.num_runs > 1 ? run_repeated(options, hooks, out, err)
                                        : stopped_early_code(run_stage(*plan, out, err, hooks), err);
  live.finish(err);
  return code;
}

}  // namespace llmload::app
