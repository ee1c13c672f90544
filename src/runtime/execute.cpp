// Phase 3 of a run (runtime/execute.hpp): initial test run, warm-up, measure, drain,
// summarize.

#include "llmload/runtime/execute.hpp"

#include "llmload/api/request_builder.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/core/text.hpp"
#include "llmload/metrics/category_breakdown.hpp"
#include "llmload/metrics/per_target.hpp"
#include "llmload/metrics/probe_stats.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/runtime/chunk_tokens.hpp"
#include "llmload/runtime/probe_loop.hpp"
#include "llmload/runtime/stop_signals.hpp"  // the count the caller's StopSignals keeps

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>
#include <thread>

namespace llmload::runtime {
namespace {

std::string local_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &tm);
  return text;
}

ExecuteError interrupted_early() {
  return ExecuteError{"interrupted before the benchmark started; nothing was measured", true};
}

/// Every value the requests carried in a header (the API key above all), as secrets.
core::Redactor secrets_of(const ResolvedTarget& target) {
  std::vector<std::string> values;
  for (const auto& header : target.headers) values.push_back(header.second);
  return core::Redactor(values);
}

/// Text the server sent back (error bodies, SSE error events, generated text) without the
/// secrets the requests carried: a server that echoes request headers must not leak them.
void redact(std::vector<metrics::RequestRecord>& records, const core::Redactor& secrets) {
  if (secrets.empty()) return;
  for (auto& r : records) {
    secrets.apply(r.error);
    secrets.apply(r.generated_text);
    secrets.apply(r.reasoning_text);
  }
}

/// vLLM's "initial single prompt test run": the first request must succeed before the load
/// starts. A server that is still starting (connection refused, 503) is retried once a second
/// until the ready-check timeout; any other failure stops at once (a wrong model name should
/// not take ten minutes to report).
core::Result<void> ready_check(Runner& runner, const config::RunPlan& plan, const workload::RequestSpec& spec,
                               const core::Redactor& secrets, std::size_t target = 0) {
  const auto give_up = core::Clock::now() + plan.ready_check_timeout;
  while (true) {
    const auto record = runner.send_one(spec, target);
    if (record.ok()) return {};
    const bool starting = record.outcome == metrics::Outcome::kConnectError ||
                          (record.outcome == metrics::Outcome::kHttpStatus && record.http_status == 503);
    if (!starting || core::Clock::now() + std::chrono::seconds(1) >= give_up) {
      return core::fail("Initial test run failed - Please make sure benchmark arguments are "
                        "correctly specified. Error: {} ({}){}",
                        secrets.redacted(record.error), metrics::outcome_name(record.outcome),
                        chat_content_hint(plan, spec, record));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

/// vLLM's profiler call (POST base + `path`, no body): true when answered 200; otherwise a
/// warning on standard error (vLLM says nothing, the run goes on).
bool profile_call(const ResolvedTarget& target, std::string_view path, Observer& observer) {
  bool all = true;
  for (const auto& t : target.all()) {  // every replica profiles its share
    auto response = net::fetch(t.base, t.endpoints, "POST", t.base.path + std::string(path), target.headers, {},
                               std::chrono::seconds(60), t.tls.get(), t.tls_verify);
    if (response && response->status == 200) continue;
    all = false;
    observer.warn(fmt::format("llmload bench: {} failed{}: {}", path,
                              target.replicas.empty() ? std::string() : " on " + t.base.to_string(),
                              response ? fmt::format("HTTP {} {}", response->status, response->reason)
                                       : response.error().message));
  }
  return all;
}

/// The ready check of every target: with several replicas each must answer, and the first
/// that does not is named with its place and URL.
core::Result<void> ready_check_all(Runner& runner, const config::RunPlan& plan, const ResolvedTarget& target,
                                   const workload::RequestSpec& spec) {
  const auto targets = target.all();
  for (std::size_t t = 0; t < targets.size(); ++t) {
    auto ready = ready_check(runner, plan, spec, secrets_of(target), t);
    if (!ready && targets.size() > 1) {
      return core::fail("{} (target {} of {}: {})", ready.error().message, t + 1, targets.size(),
                        targets[t].base.to_string());
    }
    if (!ready) return ready;
  }
  return {};
}

/// The initial test run and vLLM's warm-up (copies of the first request, all at once within
/// the max concurrency), on a runner without grace period: Ctrl-C here ends the command.
boost::system::result<void, ExecuteError> initial_runs(const config::RunPlan& plan, const ResolvedTarget& target,
                                                       const Workload& w, Observer& observer) {
  RunnerOptions options = runner_options(plan);
  options.stop_signal = &stop_signal_count();
  options.grace_period = std::chrono::nanoseconds(0);
  RequestTemplate request = request_template(plan, target);
  request.trace_parents = w.warmup_trace_parents;
  Runner runner(target.all(), std::move(request), options);
  if (plan.shard && plan.shard->rank != 0) {
    observer.say(fmt::format("Shard {} of {}: the initial test run and the warm-up are rank 0's", plan.shard->rank,
                             plan.shard->size));
    return {};
  }
  if (plan.skip_initial_request) {
    observer.say(fmt::format("llmload bench: initial test request skipped (--skip-initial-request; profiles: "
                             "load.initial_request: false): the run starts cold, nothing was sent to the server "
                             "before it{} (not in vLLM)",
                             plan.num_warmups > 0 ? " but the warm-up requests" : ""));
  } else if (plan.ready_check_timeout.count() > 0) {
    observer.say("Starting initial single prompt test run...");
    observer.say(fmt::format("Waiting for endpoint to become up in {} seconds", plan.ready_check_timeout.count()));
    if (auto ready = ready_check_all(runner, plan, target, w.specs.front()); !ready) {
      if (stop_signal_count() > 0) return interrupted_early();
      return ExecuteError{ready.error().message};
    }
    observer.say("Initial test run completed.");
  } else {
    observer.say("Starting initial single prompt test run...");
    observer.say("Skipping endpoint ready check.");  // vLLM's default (0): no test request
  }
  if (plan.num_warmups <= 0) return {};
  observer.say(fmt::format("Warming up with {} requests...", plan.num_warmups));
  const std::vector<workload::RequestSpec> warm(static_cast<std::size_t>(plan.num_warmups), w.specs.front());
  const std::vector<core::Nanos> at_once(warm.size(), 0);
  const auto out = runner.run(warm, at_once);
  if (stop_signal_count() > 0) return interrupted_early();
  const auto failed = std::count_if(out.records.begin(), out.records.end(), [](const auto& r) { return !r.ok(); });
  observer.say(fmt::format("Warmup run completed.{}",
                           failed > 0 ? fmt::format(" ({} of {} warm-up requests failed)", failed, warm.size()) : ""));
  return {};
}

/// vLLM's probe requests (--probe-request-rate), started just before the measured run: its
/// line, then the loop on its own thread; none without the flag, and on a shard other than 0.
std::unique_ptr<ProbeLoop> start_probes(const config::RunPlan& plan, const ResolvedTarget& target, const Workload& w,
                                        Observer& observer) {
  const double rate = plan.vllm.probe_request_rate;
  if (rate <= 0 || w.specs.empty() || (plan.shard && plan.shard->rank != 0)) return nullptr;
  observer.say(fmt::format("Probe request rate: {} req/s", core::python_float_str(rate)));
  RunnerOptions options = runner_options(plan);
  options.stop_signal = &stop_signal_count();  // Ctrl-C cancels the probe in flight
  auto loop = std::make_unique<ProbeLoop>(target.all().front(), request_template(plan, target), std::move(options),
                                          probe_spec(w.specs.front()), rate);
  loop->start();
  return loop;
}

/// The measured run: progress and intervals go to the observer (and the intervals into the
/// result); Ctrl-C stops it gracefully.
RunOutput measure(const config::RunPlan& plan, const ResolvedTarget& target, const Workload& w, Observer& observer,
                  RunResult& result) {
  RunnerOptions options = runner_options(plan);
  options.origin_ns = result.start.origin_ns;
  options.stop_signal = &stop_signal_count();
  options.keep_text = w.keep_text;
  options.interval_answers = w.keep_text;
  options.interval_score = w.score;
  options.on_progress = [&observer](const ProgressSnapshot& s) { observer.progress(s); };
  if (observer.interval_length().count() > 0) {
    options.interval = observer.interval_length();
    result.interval_ns = observer.interval_length().count();
    options.on_interval = [&observer, &result](const IntervalReport& r) {
      result.intervals.push_back(IntervalFigures::of(r));
      observer.interval(r);
    };
  }
  observer.measuring(true);
  RequestTemplate request = request_template(plan, target);
  request.trace_parents = w.trace_parents;
  request.global_index = w.global_index;  // a shard's x-request-id numbers are the plan's
  options.preconnect = plan.preconnect;
  Runner runner(target.all(), std::move(request), options);
  auto probes = start_probes(plan, target, w, observer);
  RunOutput output = runner.run(w.specs, w.offsets);
  if (probes) result.probes = probes->stop();
  observer.measuring(false);
  if (const auto& p = output.preconnected) {
    observer.say(fmt::format("Preconnected {} of {} connections in {:.1f} ms before the clock started{}", p->opened,
                             p->wanted, core::ns_to_ms(p->elapsed_ns),
                             p->failed > 0 ? fmt::format(" ({} failed: {}; those requests connected themselves)",
                                                         p->failed, p->first_error)
                                           : ""));
  }
  return output;
}

/// Requests never sent are not part of the measurement (as if --num-prompts were smaller).
void drain(const config::RunPlan& plan, const Workload& w, RunOutput& output, Observer& observer) {
  if (output.interrupted || output.duration_reached || output.stopped_early) {
    std::erase_if(output.records, [](const metrics::RequestRecord& r) { return r.start_ns == 0; });
    if (output.stopped_early && !output.interrupted) {
      observer.say(fmt::format("Run stopped early after {} s: {}; {} of {} requests were sent; results cover those.",
                               core::python_float_str(std::round(core::ns_to_s(output.stopped_early->at_ns) * 10) / 10),
                               output.stopped_early->message, output.records.size(), w.requests));
    } else if (output.interrupted) {
      observer.say(fmt::format("Run stopped early: {} of {} requests were sent; results cover those.",
                               output.records.size(), w.requests));
    } else {
      observer.say(fmt::format("Duration limit reached after {} s: {} of {} planned requests were sent; results "
                               "cover those.", core::python_float_str(core::ns_to_s(plan.duration.count())),
                               output.records.size(), w.requests));
    }
  } else if (plan.duration.count() > 0) {
    observer.say(fmt::format("note: all {} planned requests were sent before the --duration of {} s ended; raise "
                             "--num-prompts to keep the load up for the whole duration",
                             w.requests, core::python_float_str(core::ns_to_s(plan.duration.count()))));
  }
}

metrics::SummaryOptions summary_options(const config::RunPlan& plan) {
  metrics::SummaryOptions options;
  options.percentiles = plan.results.percentiles;
  options.percentile_metrics = plan.results.percentile_metrics;
  options.goodput_ttft_ms = plan.results.goodput_ttft_ms;
  options.goodput_tpot_ms = plan.results.goodput_tpot_ms;
  options.goodput_e2el_ms = plan.results.goodput_e2el_ms;
  options.pooling = api::is_pooling(plan.flavor);
  options.input_tokens_from_dataset = plan.results.input_tokens_from_dataset;
  return options;
}

/// vLLM's figures and llmload's breakdowns, from the records.
metrics::RunSummary summarize(const config::RunPlan& plan, const Workload& w, RunOutput& output) {
  const std::size_t by_tokenizer = w.tokenizer ? count_chunk_tokens(output.records, *w.tokenizer) : 0;
  auto summary = metrics::summarize(output.records, output.bench_start_ns, output.bench_end_ns, summary_options(plan));
  if (by_tokenizer > 0) summary.chunk_tokens_source = "tokenizer";
  summary.per_category = metrics::category_breakdown(output.records, w.specs);
  summary.per_turn = metrics::turn_breakdown(output.records, w.specs);
  summary.per_adapter = metrics::model_breakdown(output.records, w.specs);
  metrics::label_timelines(summary, output.records, w.specs);
  if (w.keep_text) summary.answers = metrics::answer_quality(output.records, w.specs, w.score);
  if (api::is_pooling(plan.flavor) && !w.specs.empty()) {
    summary.total_input_sequences = 0;
    for (const auto& r : output.records) {
      if (r.ok()) summary.total_input_sequences += api::input_sequences(plan.flavor, w.specs[r.index % w.specs.size()]);
    }
  }
  if (plan.flavor == api::Flavor::kAudio && !w.specs.empty()) {
    for (const auto& r : output.records) {
      const auto& audio = w.specs[r.index % w.specs.size()].audio;
      if (r.ok() && audio) summary.total_audio_duration_s += audio->duration_s;
    }
    // vLLM: rtfx = input_audio_duration / dur_s.
    summary.rtfx = summary.duration_s > 0 ? summary.total_audio_duration_s / summary.duration_s : 0.0;
  }
  summary.loop_delay_ms = metrics::stats_ms_of_us(output.loop_delay_us, metrics::kExtensionPercentiles);
  summary.client_check = metrics::check_client(summary.schedule_lag_ms, summary.loop_delay_ms, summary.receive_delay_ms);
  if (const auto& p = output.preconnected) {
    summary.preconnect = metrics::RunSummary::Preconnect{p->wanted, p->opened, p->failed, core::ns_to_ms(p->elapsed_ns),
                                                         p->first_error};
  }
  return summary;
}

/// Several replicas: each one's figures, and each request row's target (a column after
/// the standard fields).
void add_per_target(const ResolvedTarget& target, RunResult& result) {
  if (target.replicas.empty()) return;
  std::vector<std::string> urls;
  for (const auto& t : target.replicas) urls.push_back(t.base.to_string());
  auto& summary = result.summary;
  summary.per_target = metrics::target_breakdown(result.output.records, urls, summary.duration_s);
  summary.request_extra_fields.emplace_back("target");
  const std::size_t n = std::min(summary.timelines.size(), result.output.records.size());
  for (std::size_t i = 0; i < n; ++i) summary.timelines[i].extra.push_back(result.output.records[i].target);
}

}  // namespace

std::vector<metrics::IntervalTotals> interval_totals(const std::vector<IntervalFigures>& intervals) {
  std::vector<metrics::IntervalTotals> out;
  out.reserve(intervals.size());
  for (const auto& f : intervals) {
    out.push_back({core::ns_to_s(f.start_ns), core::ns_to_s(f.end_ns), f.completed, f.failed, f.in_flight,
                   f.arrived_tokens, f.output_tokens, f.checked, f.degenerate});
  }
  return out;
}

IntervalFigures IntervalFigures::of(const IntervalReport& report) {
  const auto& r = report.recorded;
  IntervalFigures f;
  f.index = report.index;
  f.start_ns = report.start_ns;
  f.end_ns = report.end_ns;
  f.in_flight = report.in_flight;
  f.completed = r.completed;
  f.failed = r.failed;
  f.output_tokens = r.output_tokens;
  f.arrived_tokens = r.arrived_tokens + r.arrived_tokens_later;
  f.checked = r.answers_checked;
  f.degenerate = r.degenerate;
  f.last = report.last;
  f.histograms = {r.ttft_us.encode_compressed_base64(), r.tpot_us.encode_compressed_base64(),
                  r.itl_us.encode_compressed_base64(), r.e2el_us.encode_compressed_base64()};
  return f;
}

std::vector<std::string> RunResult::interval_histograms(std::string_view metric) const {
  std::vector<std::string> out;
  const auto at = std::find(kIntervalMetrics.begin(), kIntervalMetrics.end(), metric);
  if (at == kIntervalMetrics.end()) return out;
  const auto t = static_cast<std::size_t>(at - kIntervalMetrics.begin());
  for (const auto& f : intervals) {
    if (f.last && intervals.size() > 1 && 2 * (f.end_ns - f.start_ns) < interval_ns) continue;
    out.push_back(f.histograms[t]);
  }
  return out;
}

std::string chat_content_hint(const config::RunPlan& plan, const workload::RequestSpec& spec,
                              const metrics::RequestRecord& record) {
  const bool text_only_chat = plan.flavor == api::Flavor::kChat && spec.images.empty() && !plan.body.string_content;
  if (!text_only_chat || record.outcome != metrics::Outcome::kHttpStatus || record.http_status < 400) return {};
  return "; if the server takes only string message content, try --chat-content-format string (vLLM's "
         "client sends content as an array of parts)";
}

void stop_profile(const config::RunPlan& plan, const ResolvedTarget& target, Observer& observer) {
  if (!plan.vllm.profile || (plan.shard && plan.shard->rank != 0)) return;
  observer.say("Stopping profiler...");
  if (profile_call(target, "/stop_profile", observer)) observer.say("Profiler stopped");
}

RunnerOptions runner_options(const config::RunPlan& plan) {
  RunnerOptions options;
  options.threads = plan.threads;
  options.max_concurrency = plan.max_concurrency;
  if (plan.shard && plan.max_concurrency) {  // split as evenly as possible: the first ranks get one more
    const std::int64_t size = plan.shard->size;
    options.max_concurrency = *plan.max_concurrency / size + (plan.shard->rank < *plan.max_concurrency % size ? 1 : 0);
  }
  options.duration = plan.duration;
  options.request_timeout = plan.request_timeout;
  options.connect_timeout = plan.connect_timeout;
  options.first_byte_timeout = plan.first_byte_timeout;
  options.idle_timeout = plan.idle_timeout;
  options.grace_period = plan.grace_period;
  options.stop_when = plan.stop_when;
  options.balance = plan.balance;
  options.max_sse_event_bytes = plan.max_sse_event_bytes;
  if (plan.max_response_bytes > 0) options.max_response_bytes = plan.max_response_bytes;
  options.keep_text = plan.results.save_detailed;
  // With a tokenizer, tokens per chunk for servers without continuous usage (after the run).
  options.chunk_text_offsets = !plan.tokenizer_path.empty();
  return options;
}

RequestTemplate request_template(const config::RunPlan& plan, const ResolvedTarget& target) {
  RequestTemplate request;
  request.flavor = plan.flavor;
  request.body = plan.body;
  request.body.model = target.body_model;
  request.headers = target.headers;
  request.request_id_prefix = plan.request_id_prefix;
  return request;
}

boost::system::result<RunResult, ExecuteError> execute(const config::RunPlan& plan, const ResolvedTarget& target,
                                                       const Workload& workload, Observer& observer) {
  if (auto ready = initial_runs(plan, target, workload, observer); !ready) return ready.error();
  RunResult result;
  result.planned_requests = workload.requests;
  observer.say("Starting main benchmark run...");
  if (plan.vllm.profile && (!plan.shard || plan.shard->rank == 0)) {
    observer.say("Starting profiler...");
    if (profile_call(target, "/start_profile", observer)) observer.say("Profiler started");
  }
  observer.say(config::describe_plan(plan));
  if (plan.shard) {
    observer.say(fmt::format("Shard {} of {} ({}): {} of the plan's {} requests", plan.shard->rank, plan.shard->size,
                             plan.shard->source, workload.requests, plan.num_prompts));
  }
  result.start.how = "local";  // replaced by the common start's
  if (plan.start.any()) {
    observer.say(plan.start.rendezvous_dir.empty() ? "Waiting for the common start (--start-at)..."
                                                   : "Waiting for every shard at the rendezvous...");
    auto start = wait_for_common_start(plan, config::plan_hash(plan));
    if (!start) return ExecuteError{start.error().message, false, true};
    result.start = std::move(*start);
    if (result.start.late_ms > 0) {
      observer.warn(fmt::format("llmload bench: warning: this shard reached the common start {:.1f} ms late",
                                result.start.late_ms));
    }
  }
  result.output = measure(plan, target, workload, observer, result);
  redact(result.output.records, secrets_of(target));
  drain(plan, workload, result.output, observer);
  result.summary = summarize(plan, workload, result.output);
  if (result.probes) {
    result.summary.probe = metrics::probe_figures(result.probes->ok_latencies_ms, result.probes->failed);
    if (result.probes->capped) {
      observer.say(fmt::format("note: the probe requests stopped after {} probes (llmload's bound)", kMaxProbes));
    }
  }
  add_per_target(target, result);
  result.summary.per_interval = interval_totals(result.intervals);
  result.summary.interval_s = core::ns_to_s(result.interval_ns);
  result.date = local_date();  // vLLM dates a result when the run is over
  return result;
}

}  // namespace llmload::runtime
