#include "llmload/app/merge.hpp"

#include "llmload/app/exit_code.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/merge/merge_shards.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/report/report_writer.hpp"
#include "llmload/report/result_reader.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace llmload::app {
namespace {

void print_merged(const merge::MergedRun& run) {
  report::TableContext context;
  context.request_rate = run.info.ramp_up_strategy ? INFINITY : run.info.request_rate;
  context.max_concurrency = run.info.max_concurrency;
  context.goodput_configured = run.info.goodput_configured;
  context.tokenizer = run.info.tokenizer;
  fmt::print("{}{}{}", report::format_failures(run.summary), report::format_result_table(run.summary, context),
             report::format_extensions(run.summary));
  fmt::print("Merged {} shard{}{}; largest clock skew {:.3f} ms (not in vLLM)\n", run.shards.size(),
             run.shards.size() == 1 ? "" : "s",
             run.common_start ? " (common start)" : " (no common start: placed by their wall clocks)",
             run.max_clock_skew_ms);
  std::fflush(stdout);
}

int write_reports(const MergeArgs& args) {
  auto read = report::read_report_run(args.output);
  if (!read) {
    fmt::print(stderr, "llmload merge: error: {}\n", read.error().message);
    return kExitCannotRun;
  }
  auto written = report::write_reports({*read}, report::outputs_beside(args.output, args.report_formats, 1.0),
                                       report::local_environment());
  if (!written) {
    fmt::print(stderr, "llmload merge: error: cannot write the report: {}\n", written.error().message);
    return kExitCannotRun;
  }
  for (const auto& file : *written) fmt::print(stderr, "llmload merge: report saved to {}\n", file.string());
  return kExitOk;
}

}  // namespace

CLI::App* add_merge_command(CLI::App& app, MergeArgs& args) {
  auto* cmd = app.add_subcommand("merge", "Merge a sharded run's result files (llmload bench --shard) into one "
                                          "result: exact percentiles over every request (not in vLLM)");
  cmd->add_option("results", args.files, "The shards' result files (NAME.shard-R-of-N.json)")->required()->expected(1, -1);
  cmd->add_option("-o,--output", args.output, "The merged result file")->capture_default_str();
  cmd->add_option("--report", args.report_formats, "Reports beside the merged result: html, md, csv")
      ->delimiter(',')->check(CLI::IsMember({"html", "md", "csv"}));
  return cmd;
}

int run_merge(const MergeArgs& args) {
  auto merged = merge::merge_shard_files(args.files);
  if (!merged) {
    fmt::print(stderr, "llmload merge: error: {}\n", merged.error().message);
    return kExitUsage;
  }
  print_merged(*merged);
  const std::string json = report::result_json(merged->summary, merged->info, merged->save_detailed);
  if (auto written = core::write_file_atomic(args.output, json); !written) {
    fmt::print(stderr, "llmload merge: error: cannot save the merged result: {}\n", written.error().message);
    return kExitCannotRun;
  }
  fmt::print(stderr, "llmload merge: merged result saved to {}\n", args.output);
  return args.report_formats.empty() ? kExitOk : write_reports(args);
}

}  // namespace llmload::app
