#include "llmload/app/bench.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/app/stage.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace llmload::app {

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
  return run_stage(*plan, out, err).code;
}

}  // namespace llmload::app
