// llmload: one binary, one subcommand per job. This file only builds the command line and
// dispatches; each command lives in src/app/.

#include "llmload/app/bench.hpp"
#include "llmload/app/cli_messages.hpp"
#include "llmload/app/exit_code.hpp"
#include "llmload/app/merge.hpp"
#include "llmload/app/report.hpp"
#include "llmload/app/run.hpp"
#include "llmload/app/sim.hpp"

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

  CLI::App cli{"llmload: load tester for LLM inference servers (vLLM, SGLang, any OpenAI-compatible API)", "llmload"};
  cli.set_version_flag("--version", std::string("llmload ") + LLMLOAD_VERSION);
  cli.require_subcommand(1);
  config::BenchOptions bench_args;
  sim::SimOptions sim_args;
  app::RunArgs run_args;
  app::ValidateArgs validate_args;
  app::CompareArgs compare_args;
  app::ReportArgs report_args;
  app::MergeArgs merge_args;
  auto* bench = app::add_bench_command(cli, bench_args);
  auto* sim = cli.add_subcommand("sim", "Run the built-in simulated OpenAI-compatible server");
  app::add_sim_options(*sim, sim_args);
  auto* validate = app::add_validate_command(cli, validate_args);
  auto* run = app::add_run_command(cli, run_args);
  auto* compare = app::add_compare_command(cli, compare_args);
  auto* report = app::add_report_command(cli, report_args);
  auto* merge = app::add_merge_command(cli, merge_args);

  try {
    cli.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line naming the flag, then a pointer to --help; exit code 2 for every usage error.
    fmt::print(stderr, "llmload: error: {}\nRun 'llmload {}--help' for the flags.\n", app::describe_parse_error(e.what()),
               cli.get_subcommands().empty() ? "" : cli.get_subcommands().front()->get_name() + " ");
    return app::kExitUsage;
  }

  try {
    if (bench->parsed()) return app::run_bench(bench_args, stdout, stderr);
    if (sim->parsed()) return app::run_sim(sim_args);
    if (run->parsed()) return app::run_profile(run_args, stdout, stderr);
    if (compare->parsed()) return app::run_compare(compare_args);
    if (report->parsed()) return app::run_report(report_args);
    if (validate->parsed()) return app::run_validate(validate_args);
    if (merge->parsed()) return app::run_merge(merge_args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "llmload: error: {}\n", e.what());
    return app::kExitCannotRun;
  }
  return app::kExitUsage;
}
