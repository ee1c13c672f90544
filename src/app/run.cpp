#include "llmload/app/run.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/app/live_endpoint.hpp"
#include "llmload/app/run_stages.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/report_writer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace llmload::app {
namespace {

/// Every sweep point's profile, loaded and validated before anything runs, so a bad point
/// costs no run.
std::optional<std::vector<PointProfile>> load_points(const RunArgs& args, const config::Profile& profile,
                                                    std::FILE* err) {
  std::vector<PointProfile> points;
  for (const auto& assignments : config::sweep_points(profile)) {
    auto with = args.overrides;
    with.insert(with.end(), assignments.begin(), assignments.end());
    auto loaded = config::load_profile(args.profile, with);
    if (!loaded.profile) {
      fmt::print(err, "{}", config::format_problems(loaded.problems));
      return std::nullopt;
    }
    std::string name;
    for (const auto& a : assignments) name += (name.empty() ? "" : ", ") + a;
    points.push_back({std::move(*loaded.profile), std::move(name)});
  }
  return points;
}

/// Every point in turn; stops at the first that could not run.
int run_sweep(const std::vector<PointProfile>& points, std::vector<SloVerdict>& verdicts,
              std::vector<MeasuredStage>& measured, live::LiveMetrics* live, std::FILE* out, std::FILE* err) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& point = points[i];
    const std::string heading =
        point.name.empty() ? "" : fmt::format("point {}/{} ({}), ", i + 1, points.size(), point.name);
    auto run = run_point(point.profile, fmt::format("{:02}", i + 1), point.name, heading, out, err, live);
    if (run.code == kExitUsage) return kExitUsage;
    verdicts.insert(verdicts.end(), run.verdicts.begin(), run.verdicts.end());
    std::move(run.stages.begin(), run.stages.end(), std::back_inserter(measured));
    if (run.code == kExitCannotRun) return kExitCannotRun;
  }
  return kExitOk;
}

/// Accuracy per sweep point (when any point scored its answers), one line each.
void print_point_accuracy(const std::vector<MeasuredStage>& measured, std::FILE* out) {
  const bool any = std::any_of(measured.begin(), measured.end(), [](const MeasuredStage& m) { return m.accuracy.has_value(); });
  if (!any || measured.size() < 2) return;
  fmt::print(out, "\n== Accuracy per point (not in vLLM) ==\n");
  for (const auto& m : measured) {
    fmt::print(out, "{}{}: accuracy {} ({} scored), degenerate {}/{}, output throughput {:.2f} tok/s\n",
               m.stage, m.point.empty() ? "" : " [" + m.point + "]",
               m.accuracy ? fmt::format("{:.4f}", *m.accuracy) : std::string("-"), m.scored, m.degenerate, m.checked,
               m.output_throughput);
  }
}

void print_verdicts(const std::vector<SloVerdict>& verdicts, std::FILE* out) {
  for (const auto& v : verdicts) {
    fmt::print(out, "{} {}{}: {} ({})\n", v.passed ? "PASS" : "FAIL", v.stage, v.point.empty() ? "" : " [" + v.point + "]",
               v.slo, v.detail);
  }
}

/// Every measured stage in one report (sweep curves, scenarios side by side), from the runs'
/// values kept in memory.
int write_combined_report(const config::Profile& profile, const std::vector<MeasuredStage>& measured, std::FILE* out,
                          std::FILE* err) {
  std::vector<report::ReportRun> runs;
  for (const auto& stage : measured) {
    if (stage.report) runs.push_back(*stage.report);
  }
  const auto outputs = report::outputs_beside(std::filesystem::path(profile.outputs.dir) / "report.json",
                                              profile.outputs.formats,
                                              std::chrono::duration<double>(profile.outputs.interval).count());
  if (outputs.html.empty() && outputs.md.empty() && outputs.csv.empty()) return kExitOk;
  auto written = report::write_reports(runs, outputs, report::local_environment());
  if (!written) {
    fmt::print(err, "llmload run: {}\n", written.error().message);
    return kExitCannotRun;
  }
  for (const auto& f : *written) fmt::print(out, "Report of all stages: {}\n", f.string());
  return kExitOk;
}

int write_junit(const RunArgs& args, const config::Profile& profile, const std::vector<SloVerdict>& verdicts,
                std::FILE* out, std::FILE* err) {
  const auto& formats = profile.outputs.formats;
  if (std::find(formats.begin(), formats.end(), "junit") == formats.end()) return kExitOk;
  const auto path = std::filesystem::path(profile.outputs.dir) / "junit.xml";
  if (auto written = core::write_file_atomic(path, junit_xml(args.profile, verdicts)); !written) {
    fmt::print(err, "llmload run: {}\n", written.error().message);
    return kExitCannotRun;
  }
  fmt::print(out, "JUnit XML: {}\n", path.string());
  return kExitOk;
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, RunArgs& args) {
  auto* run = app.add_subcommand("run", "Run a YAML load profile: stages, sweeps, SLO checks (exit 1 when one fails)");
  run->add_option("profile", args.profile, "The profile (YAML)")->required();
  run->add_option("--set", args.overrides, "Override a field, e.g. --set load.stages.0.requests=50 (repeatable)");
  return run;
}

int run_profile(const RunArgs& args, std::FILE* out, std::FILE* err) {
  const auto loaded = config::load_profile(args.profile, args.overrides);
  if (!loaded.profile) {
    fmt::print(err, "{}{} problem{} found; nothing was run.\n", config::format_problems(loaded.problems),
               loaded.problems.size(), loaded.problems.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  const config::Profile& profile = *loaded.profile;
  fmt::print(out, "{}", config::describe_profile(profile));
  std::vector<SloVerdict> verdicts;
  std::vector<MeasuredStage> measured;
  int code = kExitOk;
  LiveEndpoint live;
  if (auto started = live.start(profile.outputs.metrics_port, err); !started) {
    fmt::print(err, "llmload run: {}\n", started.error().message);
    return kExitCannotRun;
  }
  if (profile.search) {
    code = run_search(profile, verdicts, out, err, live.metrics());
  } else if (auto points = load_points(args, profile, err)) {
    code = run_sweep(*points, verdicts, measured, live.metrics(), out, err);
  } else {
    code = kExitUsage;
  }
  live.finish(err);
  if (code == kExitUsage) return code;
  print_point_accuracy(measured, out);
  if (!verdicts.empty()) {
    fmt::print(out, "\n== SLOs ==\n");
    print_verdicts(verdicts, out);
    const bool failed = std::any_of(verdicts.begin(), verdicts.end(), [](const SloVerdict& v) { return !v.passed; });
    if (failed && code == kExitOk) code = kExitSloFailed;
  }
  if (measured.size() > 1 && code != kExitCannotRun && write_combined_report(profile, measured, out, err) != kExitOk &&
      code == kExitOk) {
    code = kExitCannotRun;
  }
  if (write_junit(args, profile, verdicts, out, err) != kExitOk && code == kExitOk) code = kExitCannotRun;
  return code;
}

}  // namespace llmload::app
