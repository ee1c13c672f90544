#pragma once
/// `llmload bench`: vLLM's `bench serve` flags resolved into a RunPlan and run once.

#include "llmload/config/bench_options.hpp"

#include <cstdio>

namespace CLI {
class App;
}

namespace llmload::app {

/// Registers `llmload bench` on `app`, bound to `options` (which must outlive parsing).
CLI::App* add_bench_command(CLI::App& app, config::BenchOptions& options);

/// Runs `llmload bench` with parsed flags: every bad flag reported at once (exit 2), then
/// the run. Human output on `out`, diagnostics and progress on `err`. Returns an ExitCode.
int run_bench(const config::BenchOptions& options, std::FILE* out, std::FILE* err);

}  // namespace llmload::app
