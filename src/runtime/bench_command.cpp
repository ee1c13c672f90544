#include "llmload/runtime/bench_command.hpp"

#include "llmload/core/atomic_file.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/runtime/runner.hpp"
#include "llmload/sim/sim_server.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace llmload::runtime {
namespace {

/// One "llmload bench: error: ..." line on stderr, then the exit code.
int error_exit(std::FILE* err, int code, std::string_view message) {
  fmt::print(err, "llmload bench: error: {}\n", message);
  return code;
}

std::string local_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &tm);
  return text;
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// vLLM asks the server for its first model when --model is not given.
core::Result<std::string> discover_model(const Target& target, const net::HeaderList& headers) {
  auto response = net::fetch(target.base, target.endpoints, "GET", target.base.path + "/v1/models",
                             headers, "", std::chrono::seconds(30));
  if (!response) return response.error();
  if (response->status != 200) {
    return core::fail("GET {}/v1/models answered HTTP {}; pass --model NAME",
                      target.base.to_string(), response->status);
  }
  boost::system::error_code ec;
  const auto doc = boost::json::parse(response->body, ec);
  const auto* obj = doc.if_object();
  const auto* data = obj != nullptr ? obj->if_contains("data") : nullptr;
  if (ec || data == nullptr || !data->is_array() || data->as_array().empty() ||
      !data->as_array()[0].is_object() || !data->as_array()[0].as_object().contains("id") ||
      !data->as_array()[0].as_object().at("id").is_string()) {
    return core::fail("GET {}/v1/models did not list a model; pass --model NAME",
                      target.base.to_string());
  }
  return core::Result<std::string>(boost::system::in_place_value,
                                   std::string(data->as_array()[0].as_object().at("id").as_string()));
}

/// vLLM's "initial single prompt test run": the first request must succeed before the load
/// starts. A server that is still starting (connection refused, 503) is retried once a second
/// until the ready-check timeout; any other failure stops at once (a wrong model name should
/// not take ten minutes to report).
core::Result<void> ready_check(Runner& runner, const workload::RequestSpec& spec,
                               std::chrono::seconds timeout) {
  const auto give_up = core::Clock::now() + timeout;
  while (true) {
    const auto record = runner.send_one(spec);
    if (record.ok()) return {};
    const bool starting = record.outcome == metrics::Outcome::kConnectError ||
                          (record.outcome == metrics::Outcome::kHttpStatus && record.http_status == 503);
    if (!starting || core::Clock::now() + std::chrono::seconds(1) >= give_up) {
      return core::fail("Initial test run failed - Please make sure benchmark arguments are "
                        "correctly specified. Error: {} ({})",
                        record.error, metrics::outcome_name(record.outcome));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

/// Progress on stderr: a redrawn line on a terminal, a plain line every 10 s otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* err, bool enabled)
      : err_(err), enabled_(enabled), tty_(isatty(fileno(err)) != 0) {}

  void operator()(const ProgressSnapshot& s) {
    if (!enabled_) return;
    const double elapsed = core::ns_to_s(std::max<core::Nanos>(s.elapsed_ns, 0));
    const bool final_line = s.finished == s.total;
    if (!tty_ && !final_line && elapsed < next_plain_s_) return;
    next_plain_s_ = elapsed + 10.0;
    const int pct = s.total > 0 ? static_cast<int>(100 * s.finished / s.total) : 100;
    const std::string line = fmt::format(
        "{:3d}%| {}/{} [{:.1f}s, {:.2f} req/s] in flight {}, failed {}, {} chunks", pct, s.finished,
        s.total, elapsed, elapsed > 0 ? static_cast<double>(s.finished) / elapsed : 0.0,
        s.started - s.finished, s.failed, s.chunks);
    if (tty_) fmt::print(err_, "\r{}\x1b[K{}", line, final_line ? "\n" : "");
    else fmt::print(err_, "{}\n", line);
    std::fflush(err_);
  }

 private:
  std::FILE* err_;
  bool enabled_, tty_;
  double next_plain_s_ = 0;
};

}  // namespace

int run_bench_command(const config::BenchOptions& options, std::FILE* out, std::FILE* err) {
  auto resolved = config::resolve_bench_plan(options);
  if (!resolved) return error_exit(err, kExitUsage, resolved.error().message);
  config::BenchPlan plan = std::move(*resolved);

  // ---- target: the built-in simulator unless one was named ----
  std::unique_ptr<sim::SimServer> simulator;
  if (plan.use_simulator) {
    sim::SimOptions sim_options;
    sim_options.ttft = plan.sim_ttft;
    sim_options.itl = plan.sim_itl;
    if (!plan.body.model.empty()) sim_options.model = plan.body.model;
    simulator = std::make_unique<sim::SimServer>(sim_options);
    if (auto started = simulator->start(); !started) {
      return error_exit(err, kExitCannotRun, "cannot start the built-in simulator: " + started.error().message);
    }
    auto url = net::parse_url(simulator->base_url(), "simulator URL");
    if (!url) return error_exit(err, kExitCannotRun, url.error().message);
    plan.base = *url;
    fmt::print(out,
               "llmload bench: no target given (--base-url/--host/--port), benchmarking the "
               "built-in simulator at {} (model '{}', fixed timing: TTFT {:g} ms, ITL {:g} ms)\n",
               plan.base.to_string(), sim_options.model, ms(plan.sim_ttft), ms(plan.sim_itl));
    std::fflush(out);
  }

  Target target;
  target.base = plan.base;
  target.path = plan.base.path + plan.endpoint;
  auto endpoints = net::resolve(plan.base.host, plan.base.port);
  if (!endpoints) return error_exit(err, kExitCannotRun, endpoints.error().message);
  target.endpoints = std::move(*endpoints);

  if (plan.model.empty()) {
    auto model = discover_model(target, plan.headers);
    if (!model) return error_exit(err, kExitCannotRun, model.error().message);
    plan.model = *model;
  }
  if (plan.body.model.empty()) plan.body.model = plan.served_model_name.empty() ? plan.model : plan.served_model_name;

  // ---- workload and schedule, all before the first request ----
  auto specs = workload::make_random_dataset(static_cast<std::size_t>(plan.num_prompts), plan.random);
  if (!specs) return error_exit(err, kExitUsage, specs.error().message);
  auto offsets = schedule::make_arrival_offsets(specs->size(), plan.arrivals);
  if (!offsets) return error_exit(err, kExitUsage, offsets.error().message);

  RequestTemplate request;
  request.flavor = plan.flavor;
  request.body = plan.body;
  request.headers = plan.headers;
  request.request_id_prefix = plan.request_id_prefix;
  RunnerOptions runner_options;
  runner_options.threads = plan.threads;
  runner_options.max_concurrency = plan.max_concurrency;
  runner_options.request_timeout = plan.request_timeout;
  runner_options.max_sse_event_bytes = plan.max_sse_event_bytes;
  runner_options.keep_text = plan.results.save_detailed;
  Runner runner(target, request, runner_options);

  fmt::print(out, "Starting initial single prompt test run...\n");
  std::fflush(out);
  if (auto ready = ready_check(runner, specs->front(), plan.ready_check_timeout); !ready) {
    return error_exit(err, kExitCannotRun, ready.error().message);
  }
  fmt::print(out, "Initial test run completed. Starting main benchmark run...\n");
  fmt::print(out, "{}", config::describe_plan(plan));
  std::fflush(out);

  ProgressPrinter progress(err, plan.progress);
  runner_options.on_progress = [&progress](const ProgressSnapshot& s) { progress(s); };
  Runner load(target, request, runner_options);
  const RunOutput result = load.run(*specs, *offsets);
  if (simulator) simulator->stop();

  // ---- summary, table, result file ----
  metrics::SummaryOptions summary_options;
  summary_options.percentiles = plan.results.percentiles;
  summary_options.percentile_metrics = plan.results.percentile_metrics;
  summary_options.goodput_ttft_ms = plan.results.goodput_ttft_ms;
  summary_options.goodput_tpot_ms = plan.results.goodput_tpot_ms;
  summary_options.goodput_e2el_ms = plan.results.goodput_e2el_ms;
  const auto summary = metrics::summarize(result.records, result.bench_start_ns, result.bench_end_ns,
                                          summary_options);
  report::TableContext context;
  context.request_rate = plan.arrivals.ramp_up ? INFINITY : plan.arrivals.request_rate;
  context.max_concurrency = plan.max_concurrency;
  context.goodput_configured = summary_options.goodput_configured();
  fmt::print(out, "{}{}{}", report::format_failures(summary),
             report::format_result_table(summary, context), report::format_extensions(summary));
  std::fflush(out);

  int exit_code = kExitOk;
  if (plan.results.save_result) {
    report::RunInfo info;
    info.date = local_date();
    info.backend = plan.backend;
    info.label = plan.results.label;
    info.model_id = plan.model;
    info.tokenizer_id = plan.tokenizer_id.empty() ? plan.model : plan.tokenizer_id;
    info.num_prompts = plan.num_prompts;
    info.request_rate = plan.arrivals.request_rate;
    info.burstiness = plan.arrivals.burstiness;
    info.max_concurrency = plan.max_concurrency;
    info.metadata = plan.results.metadata;
    info.goodput_configured = summary_options.goodput_configured();
    if (plan.arrivals.ramp_up) {
      info.ramp_up_strategy =
          plan.arrivals.ramp_up->strategy == schedule::RampUp::Strategy::kLinear ? "linear" : "exponential";
      info.ramp_up_start_rps = static_cast<std::int64_t>(plan.arrivals.ramp_up->start_rps);
      info.ramp_up_end_rps = static_cast<std::int64_t>(plan.arrivals.ramp_up->end_rps);
    }
    info.target = plan.base.to_string();
    info.simulator = plan.use_simulator;
    info.plan_json = config::plan_to_json(plan);
    std::filesystem::path path = plan.results.result_filename.empty()
                                     ? std::filesystem::path(report::result_file_name(info))
                                     : std::filesystem::path(plan.results.result_filename);
    if (!plan.results.result_dir.empty()) path = std::filesystem::path(plan.results.result_dir) / path;
    const std::string json = report::result_json(summary, info, plan.results.save_detailed);
    auto written = plan.results.append_result ? core::append_file_atomic(path, json)
                                              : core::write_file_atomic(path, json);
    if (!written) {
      fmt::print(err, "llmload bench: error: cannot save the result: {}\n", written.error().message);
      exit_code = kExitCannotRun;
    } else {
      fmt::print(err, "llmload bench: result saved to {}\n", path.string());
    }
  }
  if (summary.completed == 0) {
    fmt::print(err, "llmload bench: error: no request succeeded ({} failed); see the errors above\n",
               summary.failed);
    exit_code = kExitCannotRun;
  }
  return exit_code;
}

}  // namespace llmload::runtime
