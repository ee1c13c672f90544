// llmload: one binary, one subcommand per job (see ARCHITECTURE.md "Commands").

#include "llmload/config/bench_options.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/compare.hpp"
#include "llmload/report/html_report.hpp"
#include "llmload/report/report_writer.hpp"
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
  std::string compare_md, compare_html;
  double compare_noise_pct = 5;
  auto* compare = app.add_subcommand(
      "compare", "Result files side by side: changes against the first, better/worse, noise flagged");
  compare->add_option("results", compare_files, "Result JSON files (llmload or vllm bench serve)")
      ->required()->expected(1, -1);
  auto* compare_md_option = compare->add_option(
      "--md", compare_md, "Markdown table: into FILE, or on stdout without one")->expected(0, 1);
  compare->add_option("--html", compare_html, "The comparison as an HTML page in FILE");
  compare->add_option("--noise-pct", compare_noise_pct,
                      "Relative change counted as noise where no standard error is known")
      ->check(CLI::Range(0.0, 100.0))->capture_default_str();

  std::vector<std::string> report_files;
  report::ReportOutputs report_outputs;
  std::string report_html, report_md, report_csv;
  auto* report_cmd = app.add_subcommand(
      "report", "HTML (SVG charts), Markdown and CSV reports from result files; several files are "
                "shown side by side with sweep curves");
  report_cmd->add_option("results", report_files, "Result JSON files (llmload or vllm bench serve)")
      ->required()->expected(1, -1);
  report_cmd->add_option("--html", report_html, "Self-contained HTML report with charts");
  report_cmd->add_option("--md", report_md, "Markdown report (environment, summary, scenarios, examples, limits)");
  report_cmd->add_option("--csv", report_csv, "One row per request; intervals go to STEM.intervals.csv");
  report_cmd->add_option("--interval", report_outputs.interval_s, "Seconds per interval (over-time charts, CSV)")
      ->check(CLI::PositiveNumber)->capture_default_str();

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
    if (compare->parsed() || report_cmd->parsed()) {
      const bool comparing = compare->parsed();
      const char* command = comparing ? "compare" : "report";
      auto& files = comparing ? compare_files : report_files;
      // The old flag form `compare --md A.json B.json`: --md took A.json as its file.
      if (comparing && compare_md.ends_with(".json")) {
        files.insert(files.begin(), compare_md);
        compare_md.clear();
      }
      if (comparing && files.size() < 2) {
        fmt::print(stderr, "llmload compare: error: give at least two result files\n");
        return runtime::kExitUsage;
      }
      std::vector<report::ReportRun> runs;
      for (const auto& file : files) {
        auto run = report::read_report_run(file);
        if (!run) {
          fmt::print(stderr, "llmload {}: error: {}\n", command, run.error().message);
          return runtime::kExitUsage;
        }
        runs.push_back(std::move(*run));
      }
      if (comparing) {
        std::vector<report::ComparedRun> numbers;
        for (const auto& r : runs) numbers.push_back(r.numbers);
        report::CompareOptions options;
        options.noise_fraction = compare_noise_pct / 100.0;
        const bool md_to_stdout = compare_md_option->count() > 0 && compare_md.empty();
        const std::string text = report::format_comparison(numbers, options, md_to_stdout);
        if (md_to_stdout || (compare_md.empty() && compare_html.empty())) fmt::print("{}", text);
        std::vector<std::pair<std::string, std::string>> outputs;
        if (!compare_md.empty()) outputs.emplace_back(compare_md, report::format_comparison(numbers, options, true));
        if (!compare_html.empty()) outputs.emplace_back(compare_html, report::comparison_html(numbers, options));
        for (const auto& [path, content] : outputs) {
          if (auto written = core::write_file_atomic(path, content); !written) {
            fmt::print(stderr, "llmload compare: error: {}\n", written.error().message);
            return runtime::kExitCannotRun;
          }
          fmt::print(stderr, "llmload compare: saved {}\n", path);
        }
        return runtime::kExitOk;
      }
      report_outputs.html = report_html;
      report_outputs.md = report_md;
      report_outputs.csv = report_csv;
      if (report_html.empty() && report_md.empty() && report_csv.empty()) {
        fmt::print(stderr, "llmload report: error: name at least one output: --html FILE, --md FILE or --csv FILE\n");
        return runtime::kExitUsage;
      }
      auto written = report::write_reports(runs, report_outputs, report::local_environment());
      if (!written) {
        fmt::print(stderr, "llmload report: error: {}\n", written.error().message);
        return runtime::kExitCannotRun;
      }
      for (const auto& f : *written) fmt::print("llmload report: saved {}\n", f.string());
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
