#include "llmload/app/result_files.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/report_run.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/report/breakdown_report.hpp"
#include "llmload/report/report_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <unistd.h>

namespace llmload::app {

std::string stopped_early_json(const runtime::StoppedEarly& stop) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.field("reason", stop.reason);
  w.field("at_s", core::ns_to_s(stop.at_ns));
  w.field("message", stop.message);
  w.key("figures").begin_object();
  for (const auto& [name, value] : stop.figures) w.field(name, value);
  w.end_object();
  w.end_object();
  return out;
}

report::RunInfo run_info(const config::RunPlan& plan, const runtime::ResolvedTarget& target, const StageRun& run) {
  const auto& result = *run.result;
  report::RunInfo info;
  info.date = result.date;
  info.backend = plan.backend;
  info.label = plan.results.label;
  info.model_id = target.model;
  // vLLM: --skip-tokenizer-init leaves tokenizer_id None (null) and the token figures out.
  if (!plan.vllm.skip_tokenizer_init) info.tokenizer_id = plan.tokenizer_id.empty() ? target.model : plan.tokenizer_id;
  info.tokenizer = !plan.vllm.skip_tokenizer_init;
  info.spec_decode = run.spec_decode;
  info.num_prompts = plan.num_prompts;
  info.request_rate = plan.arrivals.request_rate;
  info.burstiness = plan.arrivals.burstiness;
  info.max_concurrency = plan.max_concurrency;
  info.metadata = plan.results.metadata;
  info.series = run.series;
  info.sweep = run.sweep;
  info.goodput_configured = result.summary.options.goodput_configured();
  if (plan.arrivals.ramp_up) {
    const auto& ramp = *plan.arrivals.ramp_up;
    info.ramp_up_strategy = ramp.strategy == schedule::RampUp::Strategy::kLinear ? "linear" : "exponential";
    info.ramp_up_start_rps = static_cast<std::int64_t>(ramp.start_rps);
    info.ramp_up_end_rps = static_cast<std::int64_t>(ramp.end_rps);
  }
  info.target = target.target.base.to_string();
  for (std::size_t t = 1; t < target.replicas.size(); ++t) info.target += ", " + target.replicas[t].base.to_string();
  info.simulator = plan.use_simulator;
  info.plan_json = config::plan_to_json(plan, target.model, &target.headers);
  info.started_cold = (plan.skip_initial_request || plan.ready_check_timeout.count() == 0) && plan.num_warmups == 0;
  if (plan.use_simulator && !plan.sim_preset.empty()) info.sim_time_scale = plan.sim_time_scale;
  info.interrupted = result.output.interrupted;
  info.requests_not_sent = result.output.not_sent;
  if (result.output.stopped_early) info.stopped_early_json = stopped_early_json(*result.output.stopped_early);
  if (!run.events.empty()) info.disruptions_json = disruptions_json(run.events, run.disruptions);
  if (result.server_metrics) {
    info.server_metrics_json =
        scrape::server_metrics_json(*result.scraped, *result.server_metrics, result.output.bench_start_ns);
  }
  if (run.breakdown) info.server_breakdown_json = report::breakdown_json(*run.breakdown);
  if (plan.shard) info.plan_hash = config::plan_hash(plan);
  info.shard_json = run.shard_json;
  return info;
}

namespace {

std::filesystem::path result_path(const config::RunPlan& plan, const report::RunInfo& info) {
  std::filesystem::path path = plan.results.result_filename.empty() ? std::filesystem::path(report::result_file_name(info))
                                                                    : std::filesystem::path(plan.results.result_filename);
  if (plan.shard) path = path.parent_path() / config::shard_file_name(path.filename().string(), *plan.shard);
  if (!plan.results.result_dir.empty()) path = std::filesystem::path(plan.results.result_dir) / path;
  return path;
}

/// The reports' view of the run, from its values: the same as `llmload report` reads from the
/// saved file (report::report_run_of), so both give the same pages.
report::ReportRun report_view(const config::RunPlan& plan, const report::RunInfo& info, const StageRun& run,
                              const std::filesystem::path& path) {
  const runtime::RunResult& result = *run.result;
  std::vector<report::ServerSeries> series;
  if (result.server_metrics) {
    series = report::server_series(*result.scraped, *result.server_metrics, result.output.bench_start_ns);
  }
  return report::report_run_of({.summary = result.summary,
                                .info = info,
                                .server_metrics = std::move(series),
                                .breakdown = run.breakdown ? &*run.breakdown : nullptr,
                                .save_detailed = plan.results.save_detailed,
                                .path = path.string()});
}

int write_reports(const config::RunPlan& plan, const report::ReportRun& run, const std::filesystem::path& path,
                  bool intervals_written_live, std::FILE* err) {
  auto outputs = report::outputs_beside(path, plan.results.report_formats, plan.results.report_interval_s);
  outputs.intervals_csv = !intervals_written_live;
  auto written = report::write_reports({run}, outputs, report::local_environment());
  if (!written) {
    fmt::print(err, "llmload bench: error: cannot write the report: {}\n", written.error().message);
    return kExitCannotRun;
  }
  for (const auto& file : *written) fmt::print(err, "llmload bench: report saved to {}\n", file.string());
  return kExitOk;
}

}  // namespace

int save_results(const config::RunPlan& plan, const runtime::ResolvedTarget& target, StageRun& run,
                 bool intervals_written_live, std::FILE* err) {
  const bool want_reports = !plan.results.report_formats.empty();
  if (!plan.results.save_result && !want_reports) return kExitOk;
  const auto info = run_info(plan, target, run);
  const auto path = result_path(plan, info);
  const std::string json = report::result_json(run.result->summary, info, plan.results.save_detailed);
  int code = kExitOk;
  if (plan.results.save_result) {
    auto written = plan.results.append_result ? core::append_file_atomic(path, json) : core::write_file_atomic(path, json);
    if (!written) {
      fmt::print(err, "llmload bench: error: cannot save the result: {}\n", written.error().message);
      code = kExitCannotRun;
    } else {
      run.result_path = path.string();
      fmt::print(err, "llmload bench: result saved to {}\n", path.string());
    }
  }
  run.report = report_view(plan, info, run, path);
  if (want_reports && write_reports(plan, *run.report, path, intervals_written_live, err) != kExitOk) {
    code = kExitCannotRun;
  }
  return code;
}

core::Result<void> check_result_dir(const config::RunPlan& plan) {
  if (!plan.results.save_result) return {};
  const std::filesystem::path file = plan.results.result_filename.empty() ? std::filesystem::path("result.json")
                                                                        : std::filesystem::path(plan.results.result_filename);
  std::filesystem::path dir = (plan.results.result_dir.empty() ? file : std::filesystem::path(plan.results.result_dir) / file)
                                  .parent_path();
  if (dir.empty()) dir = ".";
  // The nearest directory that exists must take new files (the others are made under it).
  std::filesystem::path existing = dir;
  std::error_code ec;
  while (!std::filesystem::exists(existing, ec) && existing.has_parent_path() && existing.parent_path() != existing) {
    existing = existing.parent_path();
  }
  if (existing.empty()) existing = ".";
  if (!std::filesystem::is_directory(existing, ec)) {
    return core::fail("--result-dir {}: {} is not a directory", dir.string(), existing.string());
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    return core::fail("--result-dir {}: cannot write in {}: {}; choose a writable directory before the run",
                      dir.string(), existing.string(), std::strerror(errno));
  }
  return {};
}

}  // namespace llmload::app
