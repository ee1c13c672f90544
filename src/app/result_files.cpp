#include "llmload/app/result_files.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/report/breakdown_report.hpp"
#include "llmload/report/report_writer.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace llmload::app {

report::RunInfo run_info(const config::RunPlan& plan, const runtime::ResolvedTarget& target, const StageRun& run) {
  const auto& result = *run.result;
  report::RunInfo info;
  info.date = result.date;
  info.backend = plan.backend;
  info.label = plan.results.label;
  info.model_id = target.model;
  info.tokenizer_id = plan.tokenizer_id.empty() ? target.model : plan.tokenizer_id;
  info.num_prompts = plan.num_prompts;
  info.request_rate = plan.arrivals.request_rate;
  info.burstiness = plan.arrivals.burstiness;
  info.max_concurrency = plan.max_concurrency;
  info.metadata = plan.results.metadata;
  info.goodput_configured = result.summary.options.goodput_configured();
  if (plan.arrivals.ramp_up) {
    const auto& ramp = *plan.arrivals.ramp_up;
    info.ramp_up_strategy = ramp.strategy == schedule::RampUp::Strategy::kLinear ? "linear" : "exponential";
    info.ramp_up_start_rps = static_cast<std::int64_t>(ramp.start_rps);
    info.ramp_up_end_rps = static_cast<std::int64_t>(ramp.end_rps);
  }
  info.target = target.target.base.to_string();
  info.simulator = plan.use_simulator;
  info.plan_json = config::plan_to_json(plan, target.model, &target.headers);
  info.interrupted = result.output.interrupted;
  info.requests_not_sent = result.output.not_sent;
  if (run.server_metrics) {
    info.server_metrics_json = scrape::server_metrics_json(*run.scraped, *run.server_metrics, result.output.bench_start_ns);
  }
  if (run.breakdown) info.server_breakdown_json = report::breakdown_json(*run.breakdown);
  return info;
}

namespace {

std::filesystem::path result_path(const config::RunPlan& plan, const report::RunInfo& info) {
  std::filesystem::path path = plan.results.result_filename.empty() ? std::filesystem::path(report::result_file_name(info))
                                                                    : std::filesystem::path(plan.results.result_filename);
  if (!plan.results.result_dir.empty()) path = std::filesystem::path(plan.results.result_dir) / path;
  return path;
}

/// The reports read the result as a file reader would, so `llmload report` on the saved file
/// gives the same pages.
int write_reports(const config::RunPlan& plan, const std::string& json, const std::filesystem::path& path,
                  bool intervals_written_live, std::FILE* err) {
  auto run = report::parse_report_run(json, path.string());
  auto outputs = report::outputs_beside(path, plan.results.report_formats, plan.results.report_interval_s);
  outputs.intervals_csv = !intervals_written_live;
  auto written = run ? report::write_reports({*run}, outputs, report::local_environment())
                     : core::Result<std::vector<std::filesystem::path>>(run.error());
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
      run.result_json = json;
      fmt::print(err, "llmload bench: result saved to {}\n", path.string());
    }
  }
  if (want_reports && write_reports(plan, json, path, intervals_written_live, err) != kExitOk) code = kExitCannotRun;
  return code;
}

}  // namespace llmload::app
