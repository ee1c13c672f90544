#include "llmload/app/run.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/app/live_endpoint.hpp"
#include "llmload/app/run_stages.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/report_writer.hpp"
#include "llmload/report/runs_table.hpp"

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
  const auto names = config::sweep_point_names(profile);
  const auto all = config::sweep_points(profile);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& assignments = all[i];
    auto with = args.overrides;
    with.insert(with.end(), assignments.begin(), assignments.end());
    auto loaded = config::load_profile(args.profile, with);
    if (!loaded.profile) {
      fmt::print(err, "{}", config::format_problems(loaded.problems));
      return std::nullopt;
    }
    RunIdentity point{names[i], {}};
    for (const auto& a : assignments) {
      const auto eq = a.find('=');
      point.sweep.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    }
    points.push_back({std::move(*loaded.profile), std::move(point)});
  }
  return points;
}

/// Every point in turn; stops at the first that could not run.
int run_sweep(const std::vector<PointProfile>& points, std::vector<SloVerdict>& verdicts,
              std::vector<MeasuredStage>& measured, live::LiveMetrics* live, std::FILE* out, std::FILE* err) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& point = points[i];
    const std::string& name = point.point.name;
    std::string values;
    for (const auto& [path, value] : point.point.sweep) values += (values.empty() ? "" : ", ") + path + "=" + value;
    const std::string heading =
        name.empty() ? "" : fmt::format("point {}/{} '{}' ({}), ", i + 1, points.size(), name, values);
    const std::string prefix = name.empty() ? fmt::format("{:02}", i + 1)
                                            : fmt::format("{:02}-{}", i + 1, config::name_slug(name));
    auto run = run_point(point.profile, prefix, point.point, heading, out, err, live);
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
    fmt::print(out, "{}: accuracy {} ({} scored), degenerate {}/{}, output throughput {:.2f} tok/s\n", m.name,
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

/// A run's SLO verdicts in short: "PASS (3)", "FAIL 1 of 3: ttft p99 <= 500 ms"; "" without SLOs.
std::string slo_summary(const MeasuredStage& m, const std::vector<SloVerdict>& verdicts) {
  std::size_t checked = 0, failed = 0;
  std::string first_failed;
  for (const auto& v : verdicts) {
    if (v.point != m.point || v.stage != m.verdict_stage) continue;
    ++checked;
    if (!v.passed && failed++ == 0) first_failed = v.slo;
  }
  if (checked == 0) return {};
  return failed == 0 ? fmt::format("PASS ({})", checked) : fmt::format("FAIL {} of {}: {}", failed, checked, first_failed);
}

/// The measured runs' report views, each with its SLO verdicts in short.
std::vector<report::ReportRun> measured_runs(const std::vector<MeasuredStage>& measured,
                                             const std::vector<SloVerdict>& verdicts) {
  std::vector<report::ReportRun> runs;
  for (const auto& stage : measured) {
    if (!stage.report) continue;
    runs.push_back(*stage.report);
    runs.back().slo_summary = slo_summary(stage, verdicts);
  }
  return runs;
}

/// Every measured stage in one report (sweep curves, scenarios side by side), from the runs'
/// values kept in memory.
int write_combined_report(const config::Profile& profile, const std::vector<report::ReportRun>& runs, std::FILE* out,
                          std::FILE* err) {
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
  const auto runs = measured_runs(measured, verdicts);
  if (runs.size() > 1) fmt::print(out, "\n== Runs ==\n{}", report::format_runs_table(report::runs_table(runs)));
  if (profile.shards) {
    // One shard's stages are parts of runs: their report of all stages and the SLOs' JUnit
    // file come from the merged stages, not from each shard (whose files would collide).
    fmt::print(out, "\nThis process ran one shard of each stage: merge each stage's files, e.g. llmload merge "
                    "{}/NAME.shard-*-of-N.json -o {}/NAME.json --report html,md\n", profile.outputs.dir,
               profile.outputs.dir);
    return code;
  }
  if (measured.size() > 1 && code != kExitCannotRun && write_combined_report(profile, runs, out, err) != kExitOk &&
      code == kExitOk) {
    code = kExitCannotRun;
  }
  if (write_junit(args, profile, verdicts, out, err) != kExitOk && code == kExitOk) code = kExitCannotRun;
  return code;
}

}  // namespace llmload::app
