// llmload: one binary, one subcommand per job (see ARCHITECTURE.md "Commands").

#include "llmload/config/bench_options.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/report/compare.hpp"
#include "llmload/runtime/bench_command.hpp"
#include "llmload/runtime/run_command.hpp"
#include "llmload/sim/sim_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  using namespace llmload;
  // vLLM accepts --random_input_len as well as --random-input-len; so do we.
  const std::vector<std::string> args = config::normalize_flag_spelling(argc, argv);
  std::vector<const char*> arg_ptrs;
  for (const auto& a : args) arg_ptrs.push_back(a.c_str());

  CLI::App app{"llmload: load tester for LLM inference servers (vLLM, SGLang, any OpenAI-compatible API)",
               "llmload"};
  app.set_version_flag("--version", std::string("llmload ") + LLMLOAD_VERSION);
  app.require_subcommand(1);

  config::BenchOptions bench_options;
  auto* bench = app.add_subcommand(
      "bench", "Benchmark a server like `vllm bench serve` (same flags, table and JSON); "
               "with no target flag, the built-in simulator");
  config::add_bench_options(*bench, bench_options);

  sim::SimOptions sim_options;
  auto* sim = app.add_subcommand("sim", "Run the built-in simulated OpenAI-compatible server");
  sim::add_sim_options(*sim, sim_options);

  std::string profile_path;
  std::vector<std::string> profile_overrides;
  auto* validate = app.add_subcommand(
      "validate", "Check a YAML load profile: every problem at once, as file:line:column");
  validate->add_option("profile", profile_path, "The profile (YAML)")->required();
  validate->add_option("--set", profile_overrides,
                       "Override a field, e.g. --set load.stages.0.rate=8/s (repeatable)");

  std::string run_path;
  std::vector<std::string> run_overrides;
  auto* run = app.add_subcommand(
      "run", "Run a YAML load profile: stages, sweeps, SLO checks (exit 1 when one fails)");
  run->add_option("profile", run_path, "The profile (YAML)")->required();
  run->add_option("--set", run_overrides,
                  "Override a field, e.g. --set load.stages.0.requests=50 (repeatable)");

  std::vector<std::string> compare_files;
  bool compare_markdown = false;
  double compare_noise_pct = 5;
  auto* compare = app.add_subcommand(
      "compare", "Result files side by side: changes against the first, better/worse, noise flagged");
  compare->add_option("results", compare_files, "Result JSON files (llmload or vllm bench serve)")
      ->required()->expected(2, -1);
  compare->add_flag("--md", compare_markdown, "Markdown table instead of text");
  compare->add_option("--noise-pct", compare_noise_pct,
                      "Relative change counted as noise where no standard error is known")
      ->check(CLI::Range(0.0, 100.0))->capture_default_str();

  try {
    app.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line naming the flag, then a pointer to --help; exit code 2 for every usage error.
    fmt::print(stderr, "llmload: error: {}\nRun 'llmload {}--help' for the flags.\n", e.what(),
               app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name() + " ");
    return runtime::kExitUsage;
  }

  try {
    if (bench->parsed()) return runtime::run_bench_command(bench_options, stdout, stderr);
    if (sim->parsed()) return sim::run_sim(sim_options);
    if (run->parsed()) return runtime::run_profile_command(run_path, run_overrides, stdout, stderr);
    if (compare->parsed()) {
      std::vector<report::ComparedRun> runs;
      for (const auto& file : compare_files) {
        auto run = report::read_compared_run(file);
        if (!run) {
          fmt::print(stderr, "llmload compare: error: {}\n", run.error().message);
          return runtime::kExitUsage;
        }
        runs.push_back(std::move(*run));
      }
      report::CompareOptions options;
      options.noise_fraction = compare_noise_pct / 100.0;
      fmt::print("{}", report::format_comparison(runs, options, compare_markdown));
      return runtime::kExitOk;
    }
    if (validate->parsed()) {
      const auto loaded = config::load_profile(profile_path, profile_overrides);
      if (!loaded.profile) {
        fmt::print(stderr, "{}{} problem{} found; nothing was run.\n", config::format_problems(loaded.problems),
                   loaded.problems.size(), loaded.problems.size() == 1 ? "" : "s");
        return runtime::kExitUsage;
      }
      fmt::print("{}OK\n", config::describe_profile(*loaded.profile));
      return runtime::kExitOk;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "llmload: error: {}\n", e.what());
    return runtime::kExitCannotRun;
  }
  return runtime::kExitUsage;
}
