#include "llmload/app/stage.hpp"

#include "llmload/app/answers_view.hpp"
#include "llmload/app/exit_code.hpp"
#include "llmload/app/result_files.hpp"
#include "llmload/app/server_traces.hpp"
#include "llmload/app/shard_outputs.hpp"
#include "llmload/app/target.hpp"
#include "llmload/report/breakdown_report.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/runtime/stop_signals.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <tuple>

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

/// The vLLM flags given that mean nothing here, said once.
std::string without_effect_line(const config::RunPlan& plan) {
  std::string line = "llmload bench: accepted as in vllm bench serve, without effect here: ";
  for (std::size_t i = 0; i < plan.vllm.without_effect.size(); ++i) {
    if (i > 0) line += "; ";
    line += plan.vllm.without_effect[i];
  }
  return line;
}

int error_exit(std::FILE* err, int code, std::string_view message) {
  fmt::print(err, "llmload bench: error: {}\n", message);
  return code;
}

/// The --chat-content-format hint for the first failed request, if it applies.
std::string first_failure_hint(const config::RunPlan& plan, const runtime::Workload& w,
                               const std::vector<metrics::RequestRecord>& records) {
  for (const auto& r : records) {
    if (!r.ok() && !w.specs.empty()) return runtime::chat_content_hint(plan, w.specs[r.index % w.specs.size()], r);
  }
  return {};
}

/// The server-metrics summary of what was scraped, with the notes of sources not scraped.
void summarize_scrape(const config::RunPlan& plan, std::optional<scrape::ScrapeSeries> scraped,
                      std::vector<std::string> notes, runtime::RunResult& result) {
  if (!scraped && notes.empty()) return;
  if (!scraped) scraped.emplace();
  scraped->interval_s = static_cast<double>(plan.scrape_interval.count()) / 1000.0;
  scraped->notes.insert(scraped->notes.end(), notes.begin(), notes.end());
  result.server_metrics = scrape::summarize(*scraped);
  result.scraped = std::move(scraped);
}

/// The self-check's verdict where a user cannot miss it.
void warn_if_saturated(const config::RunPlan& plan, const metrics::RunSummary& summary, std::FILE* err) {
  if (!summary.client_check.saturated) return;
  std::string figures;
  for (const auto& f : summary.client_check.findings) figures += (figures.empty() ? "" : "; ") + f.text;
  fmt::print(err, "llmload bench: warning: the client was saturated ({}): {}\n", figures,
             metrics::saturation_advice(plan.threads));
}

/// A time-scaled simulator run (engine mode, --sim-time-scale S): the table holds what the
/// client measured in real time; this block says so and gives the engine's own time.
std::string time_scale_block(const metrics::RunSummary& s, double scale) {
  const auto line = [&](const char* name, const metrics::SampleStats& m) {
    double p99 = NAN;
    for (const auto& pv : m.percentiles) p99 = pv.percentile == 99 ? pv.value * scale : p99;
    return fmt::format("{:<40}{:<10.2f}{:.2f}\n", fmt::format("{} median / p99 (ms):", name), m.median * scale, p99);
  };
  return fmt::format("{:=^50}\n", fmt::format(" Simulator time scale x{:g} (llmload) ", scale)) +
         fmt::format("The simulator ran {:g} times faster than the engine it models: the figures above are real\n"
                     "time as measured. In the modeled engine's time (latencies x{:g}, throughputs /{:g}):\n",
                     scale, scale, scale) +
         line("TTFT", s.ttft_ms) + line("TPOT", s.tpot_ms) + line("ITL", s.itl_ms) + line("E2EL", s.e2el_ms) +
         fmt::format("{:<40}{:<10.2f}\n", "Output token throughput (tok/s):", s.output_throughput / scale) +
         fmt::format("{:<40}{:<10.2f}\n", "Benchmark duration (s):", s.duration_s * scale) + std::string(50, '=') + "\n";
}

void print_tables(const config::RunPlan& plan, const StageRun& run, std::FILE* out) {
  const auto& summary = run.result->summary;
  report::TableContext context;
  context.request_rate = plan.arrivals.ramp_up ? INFINITY : plan.arrivals.request_rate;
  context.max_concurrency = plan.max_concurrency;
  context.goodput_configured = summary.options.goodput_configured();
  context.tokenizer = !plan.vllm.skip_tokenizer_init;
  context.spec_decode = run.spec_decode;
  fmt::print(out, "{}{}{}", report::format_failures(summary), report::format_result_table(summary, context),
             report::format_extensions(summary));
  if (run.result->server_metrics) fmt::print(out, "{}", report::format_server_metrics(*run.result->server_metrics));
  if (plan.use_simulator && !plan.sim_preset.empty() && plan.sim_time_scale != 1.0) {
    fmt::print(out, "{}", time_scale_block(summary, plan.sim_time_scale));
  }
  std::fflush(out);
}

/// --insecure turns certificate checks off: said once per process, not once per stage.
void warn_insecure_once(const config::RunPlan& plan, std::FILE* err) {
  static std::atomic<bool> warned{false};
  if (!plan.insecure || !plan.base.tls() || warned.exchange(true)) return;
  fmt::print(err, "llmload bench: warning: --insecure: the server's TLS certificate is not verified "
                  "(anyone on the path could read the requests and the API key)\n");
}

/// Each record's prompt, shortened, beside its generated text (the reports' examples).
std::vector<std::string> prompts_of(const std::vector<metrics::RequestRecord>& records,
                                    const std::vector<workload::RequestSpec>& specs) {
  std::vector<std::string> out;
  if (specs.empty()) return out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(prompt_preview(specs[r.index % specs.size()]));
  return out;
}

}  // namespace

StageRun run_stage(const config::RunPlan& plan, std::FILE* out, std::FILE* err, const StageHooks& hooks) {
  StageRun run;
  runtime::StopSignals signals;  // Ctrl-C from here on is counted (see runtime::execute)
  if (auto writable = check_result_dir(plan); !writable) return {error_exit(err, kExitUsage, writable.error().message)};
  auto loaded = runtime::load_workload(plan);
  if (!loaded) return {error_exit(err, kExitUsage, loaded.error().message)};
  warn_insecure_once(plan, err);
  auto receiver = start_receiver(plan);
  if (!receiver) return {error_exit(err, kExitCannotRun, receiver.error().message)};
  auto target = start_target(plan, *receiver ? simulator_endpoint(**receiver) : std::string());
  if (!target) return {error_exit(err, target.error().usage ? kExitUsage : kExitCannotRun, target.error().message)};
  if (!target->announcement.empty()) fmt::print(out, "{}\n", target->announcement);
  if (*receiver) fmt::print(out, "{}\n", receiver_announcement(**receiver));
  if (hooks.live != nullptr) hooks.live->begin_stage(hooks.live_stage, target->resolved.target.base.to_string());
  std::vector<std::string> scrape_notes;
  StageHooks stage_hooks = hooks;
  stage_hooks.simulator = target->simulator.get();  // `sim:` events disrupt it
  // A sharded run's server metrics are rank 0's: one scrape of the server, not N.
  const bool scrapes = !plan.shard || plan.shard->rank == 0;
  ConsoleObserver console(plan, out, err, std::move(stage_hooks),
                          scrapes ? scrape_sources(plan, target->resolved, scrape_notes) : std::vector<scrape::ScrapeSource>{});
  // vLLM reads /metrics for its spec-decode counters; --scrape-interval 0 keeps off /metrics.
  if (scrapes && plan.scrape_interval.count() > 0) console.watch_spec_decode(target_metrics_source(target->resolved));
  auto workload = runtime::prepare_workload(plan, target->resolved, std::move(*loaded), console);
  if (!workload) {
    return {error_exit(err, workload.error().interrupted ? kExitCannotRun : kExitUsage, workload.error().message)};
  }
  for (const auto& note : workload->notes) console.say("llmload bench: " + note);
  if (!plan.vllm.without_effect.empty()) console.say(without_effect_line(plan));
  // vLLM warns for generation runs only (its pooling runs collect no sampling flags).
  if (!api::is_pooling(plan.flavor) && !plan.body.sampling.temperature && !has_temperature(plan)) {
    console.say(kTemperatureWarning);
  }
  auto executed = runtime::execute(plan, target->resolved, *workload, console);
  if (!executed) return {error_exit(err, executed.error().usage ? kExitUsage : kExitCannotRun, executed.error().message)};
  run.result = std::move(*executed);
  if (run.result->summary.answers) run.result->summary.answers->per_interval = console.take_interval_answers();
  if (plan.results.save_detailed) run.result->summary.prompts = prompts_of(run.result->output.records, workload->specs);
  run.spec_decode = console.spec_decode();
  std::tie(run.events, run.disruptions) = console.take_disruptions();
  run.series = hooks.series;
  run.sweep = hooks.sweep;
  summarize_scrape(plan, console.take_scraped(), std::move(scrape_notes), *run.result);
  print_tables(plan, run, out);
  if (!run.events.empty()) fmt::print(out, "{}", format_disruptions(run.events, run.disruptions));
  warn_if_saturated(plan, run.result->summary, err);
  runtime::stop_profile(plan, target->resolved, console);
  if (target->simulator) target->simulator->stop();  // sends the spans it still holds
  if (*receiver) {
    run.breakdown = join_server_traces(plan, *workload, *run.result, **receiver);
    if (run.breakdown) fmt::print(out, "{}", report::format_breakdown(*run.breakdown));
    std::fflush(out);
  }
  if (plan.show_answers > 0) {
    fmt::print(out, "{}", format_answers(run.result->output.records, workload->specs, run.result->summary.answers,
                                         plan.show_answers));
    std::fflush(out);
  }
  run.shard_json = shard_json(plan, *workload, *run.result);
  run.code = save_results(plan, target->resolved, run, hooks.on_interval != nullptr, err);
  if (run.result->output.interrupted) run.code = kExitCannotRun;
  if (run.result->summary.completed == 0) {
    fmt::print(err, "llmload bench: error: no request succeeded ({} failed); see the errors above{}\n",
               run.result->summary.failed, first_failure_hint(plan, *workload, run.result->output.records));
    run.code = kExitCannotRun;
  }
  return run;
}

}  // namespace llmload::app
