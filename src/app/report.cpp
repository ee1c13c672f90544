#include "llmload/app/report.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/compare.hpp"
#include "llmload/report/html_report.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

namespace llmload::app {
namespace {

/// Every file read as a result, or the first that cannot be (one line on stderr).
std::optional<std::vector<report::ReportRun>> read_runs(const std::vector<std::string>& files, const char* command) {
  std::vector<report::ReportRun> runs;
  for (const auto& file : files) {
    auto run = report::read_report_run(file);
    if (!run) {
      fmt::print(stderr, "llmload {}: error: {}\n", command, run.error().message);
      return std::nullopt;
    }
    runs.push_back(std::move(*run));
  }
  return runs;
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, ReportArgs& args) {
  auto* cmd = app.add_subcommand("report", "HTML (SVG charts), Markdown and CSV reports from result files; several "
                                           "files are shown side by side with sweep curves");
  cmd->add_option("results", args.files, "Result JSON files (llmload or vllm bench serve)")->required()->expected(1, -1);
  cmd->add_option("--html", args.html, "Self-contained HTML report with charts");
  cmd->add_option("--md", args.md, "Markdown report (environment, summary, scenarios, examples, limits)");
  cmd->add_option("--csv", args.csv, "One row per request; intervals go to STEM.intervals.csv");
  cmd->add_option("--interval", args.interval_s, "Seconds per interval (over-time charts, CSV)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  return cmd;
}

CLI::App* add_compare_command(CLI::App& app, CompareArgs& args) {
  auto* cmd = app.add_subcommand("compare", "Result files side by side: changes against the first, better/worse, "
                                            "noise flagged");
  cmd->add_option("results", args.files, "Result JSON files (llmload or vllm bench serve)")->required()->expected(1, -1);
  args.md_option = cmd->add_option("--md", args.md, "Markdown table: into FILE, or on stdout without one")->expected(0, 1);
  cmd->add_option("--html", args.html, "The comparison as an HTML page in FILE");
  cmd->add_option("--noise-pct", args.noise_pct, "Relative change counted as noise where no standard error is known")
      ->check(CLI::Range(0.0, 100.0))->capture_default_str();
  return cmd;
}

CLI::App* add_validate_command(CLI::App& app, ValidateArgs& args) {
  auto* cmd = app.add_subcommand("validate", "Check a YAML load profile: every problem at once, as file:line:column");
  cmd->add_option("profile", args.profile, "The profile (YAML)")->required();
  cmd->add_option("--set", args.overrides, "Override a field, e.g. --set load.stages.0.rate=8/s (repeatable)");
  return cmd;
}

int run_report(const ReportArgs& args) {
  if (args.html.empty() && args.md.empty() && args.csv.empty()) {
    fmt::print(stderr, "llmload report: error: name at least one output: --html FILE, --md FILE or --csv FILE\n");
    return kExitUsage;
  }
  const auto runs = read_runs(args.files, "report");
  if (!runs) return kExitUsage;
  report::ReportOutputs outputs;
  outputs.interval_s = args.interval_s;
  outputs.html = args.html;
  outputs.md = args.md;
  outputs.csv = args.csv;
  auto written = report::write_reports(*runs, outputs, report::local_environment());
  if (!written) {
    fmt::print(stderr, "llmload report: error: {}\n", written.error().message);
    return kExitCannotRun;
  }
  for (const auto& f : *written) fmt::print("llmload report: saved {}\n", f.string());
  return kExitOk;
}

int run_compare(CompareArgs args) {
  // The old flag form `compare --md A.json B.json`: --md took A.json as its file.
  if (args.md.ends_with(".json")) {
    args.files.insert(args.files.begin(), args.md);
    args.md.clear();
  }
  if (args.files.size() < 2) {
    fmt::print(stderr, "llmload compare: error: give at least two result files\n");
    return kExitUsage;
  }
  std::vector<report::ComparedRun> numbers;
  for (const auto& file : args.files) {
    // An aggregate of repeated runs carries means and intervals; a result file, one run.
    auto run = report::read_compared_run(file);
    if (!run) {
      fmt::print(stderr, "llmload compare: error: {}\n", run.error().message);
      return kExitUsage;
    }
    numbers.push_back(std::move(*run));
  }
  report::CompareOptions options;
  options.noise_fraction = args.noise_pct / 100.0;
  const bool md_to_stdout = args.md_option != nullptr && args.md_option->count() > 0 && args.md.empty();
  if (md_to_stdout || (args.md.empty() && args.html.empty())) {
    fmt::print("{}", report::format_comparison(numbers, options, md_to_stdout));
  }
  std::vector<std::pair<std::string, std::string>> outputs;
  if (!args.md.empty()) outputs.emplace_back(args.md, report::format_comparison(numbers, options, true));
  if (!args.html.empty()) outputs.emplace_back(args.html, report::comparison_html(numbers, options));
  for (const auto& [path, content] : outputs) {
    if (auto written = core::write_file_atomic(path, content); !written) {
      fmt::print(stderr, "llmload compare: error: {}\n", written.error().message);
      return kExitCannotRun;
    }
    fmt::print(stderr, "llmload compare: saved {}\n", path);
  }
  return kExitOk;
}

int run_validate(const ValidateArgs& args) {
  const auto loaded = config::load_profile(args.profile, args.overrides);
  if (!loaded.profile) {
    fmt::print(stderr, "{}{} problem{} found; nothing was run.\n", config::format_problems(loaded.problems),
               loaded.problems.size(), loaded.problems.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  fmt::print("{}OK\n", config::describe_profile(*loaded.profile));
  return kExitOk;
}

}  // namespace llmload::app
