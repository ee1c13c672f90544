#include "llmload/app/stage.hpp"

#include "llmload/app/answers_view.hpp"
#include "llmload/app/exit_code.hpp"
#include "llmload/app/result_files.hpp"
#include "llmload/app/server_traces.hpp"
#include "llmload/app/target.hpp"
#include "llmload/report/breakdown_report.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/runtime/stop_signals.hpp"

#include <fmt/format.h>

namespace llmload::app {
namespace {

/// vLLM's line (vllm/benchmarks/serve.py) when no temperature is sent, word for word.
constexpr std::string_view kTemperatureWarning =
    "WARNING: vllm bench serve no longer sets temperature==0 (greedy) in requests by default. The default will be "
    "determined on the server side and can be model/API specific. For the old behavior, include --temperature=0.";

/// --extra-body may carry the temperature itself.
bool has_temperature(const config::RunPlan& plan) {
  return plan.body.extra_body && plan.body.extra_body->contains("temperature");
}

int error_exit(std::FILE* err, int code, std::string_view message) {
  fmt::print(err, "llmload bench: error: {}\n", message);
  return code;
}

/// The server-metrics summary of what was scraped, with the notes of sources not scraped.
void summarize_scrape(const config::RunPlan& plan, std::vector<std::string> notes, StageRun& run) {
  if (!run.scraped && notes.empty()) return;
  if (!run.scraped) run.scraped.emplace();
  run.scraped->interval_s = static_cast<double>(plan.scrape_interval.count()) / 1000.0;
  run.scraped->notes.insert(run.scraped->notes.end(), notes.begin(), notes.end());
  run.server_metrics = scrape::summarize(*run.scraped);
}

void print_tables(const config::RunPlan& plan, const StageRun& run, std::FILE* out) {
  const auto& summary = run.result->summary;
  report::TableContext context;
  context.request_rate = plan.arrivals.ramp_up ? INFINITY : plan.arrivals.request_rate;
  context.max_concurrency = plan.max_concurrency;
  context.goodput_configured = summary.options.goodput_configured();
  fmt::print(out, "{}{}{}", report::format_failures(summary), report::format_result_table(summary, context),
             report::format_extensions(summary));
  if (run.breakdown) fmt::print(out, "{}", report::format_breakdown(*run.breakdown));
  if (run.server_metrics) fmt::print(out, "{}", report::format_server_metrics(*run.server_metrics));
  std::fflush(out);
}

}  // namespace

StageRun run_stage(const config::RunPlan& plan, std::FILE* out, std::FILE* err, const StageHooks& hooks) {
  StageRun run;
  runtime::StopSignals signals;  // Ctrl-C from here on is counted (see runtime::execute)
  auto loaded = runtime::load_workload(plan);
  if (!loaded) return {error_exit(err, kExitUsage, loaded.error().message)};
  auto receiver = start_receiver(plan);
  if (!receiver) return {error_exit(err, kExitCannotRun, receiver.error().message)};
  auto target = start_target(plan, *receiver ? simulator_endpoint(**receiver) : std::string());
  if (!target) return {error_exit(err, target.error().usage ? kExitUsage : kExitCannotRun, target.error().message)};
  if (!target->announcement.empty()) fmt::print(out, "{}\n", target->announcement);
  if (*receiver) fmt::print(out, "{}\n", receiver_announcement(**receiver));
  std::vector<std::string> scrape_notes;
  ConsoleObserver console(plan, out, err, hooks, scrape_sources(plan, target->resolved, scrape_notes));
  auto workload = runtime::prepare_workload(plan, target->resolved, std::move(*loaded), console);
  if (!workload) {
    return {error_exit(err, workload.error().interrupted ? kExitCannotRun : kExitUsage, workload.error().message)};
  }
  for (const auto& note : workload->notes) console.say("llmload bench: " + note);
  if (!plan.body.sampling.temperature && !has_temperature(plan)) console.say(kTemperatureWarning);
  auto executed = runtime::execute(plan, target->resolved, *workload, console);
  if (!executed) return {error_exit(err, kExitCannotRun, executed.error().message)};
  if (target->simulator) target->simulator->stop();  // sends the spans it still holds
  run.result = std::move(*executed);
  if (*receiver) run.breakdown = join_server_traces(plan, *workload, *run.result, **receiver);
  run.scraped = console.take_scraped();
  summarize_scrape(plan, std::move(scrape_notes), run);
  print_tables(plan, run, out);
  if (plan.show_answers > 0) {
    fmt::print(out, "{}", format_answers(run.result->output.records, workload->specs, run.result->summary.answers,
                                         plan.show_answers));
    std::fflush(out);
  }
  run.code = save_results(plan, target->resolved, run, hooks.on_interval != nullptr, err);
  if (run.result->output.interrupted) run.code = kExitCannotRun;
  if (run.result->summary.completed == 0) {
    fmt::print(err, "llmload bench: error: no request succeeded ({} failed); see the errors above\n",
               run.result->summary.failed);
    run.code = kExitCannotRun;
  }
  return run;
}

}  // namespace llmload::app
