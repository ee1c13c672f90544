#include "llmload/config/stage_plan.hpp"

#include "llmload/config/bench_options.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

namespace llmload::config {
namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

/// The profile's target, workload and request settings in the requested-settings struct the
/// bench resolver takes (typed fields only: the stage's load and the results are set on the
/// resolved plan afterwards, so nothing is turned into text and parsed back).
BenchOptions requested_settings(const Profile& p, const ProfileStage& s) {
  BenchOptions o;
  if (p.target.base_url) o.base_urls = {*p.target.base_url};
  if (!p.target.base_urls.empty()) o.base_urls = p.target.base_urls;
  o.balance = p.target.balance;
  o.backend = p.target.backend;
  o.endpoint = p.target.endpoint;
  o.model = p.target.model;
  o.served_model_name = p.target.served_model_name;
  o.insecure = p.target.insecure;
  o.ca_bundle = p.target.ca_bundle;
  o.sim_preset = p.target.sim_preset;
  o.sim_time_scale = p.target.sim_time_scale;
  o.sim_answers = p.target.sim_answers;
  o.sim_answer_accuracy = p.target.sim_answer_accuracy;
  o.sim_answer_accuracy_by_category = p.target.sim_answer_accuracy_by_category;
  o.sim_answer_accuracy_after = p.target.sim_answer_accuracy_after;
  o.otlp_receiver = p.target.otlp_receiver;
  o.ready_check_timeout_sec = std::chrono::duration_cast<std::chrono::seconds>(p.target.ready_check_timeout).count();
  o.skip_initial_request = !p.initial_request;
  o.metrics_urls = p.target.metrics_urls;
  if (p.target.scrape_interval) o.scrape_interval_sec = seconds(*p.target.scrape_interval);
  if (p.target.request_timeout) o.request_timeout_sec = seconds(*p.target.request_timeout);
  if (p.target.connect_timeout) o.connect_timeout_sec = seconds(*p.target.connect_timeout);
  if (p.threads) o.threads = static_cast<int>(*p.threads);
  if (!p.request.request_id_prefix.empty()) o.request_id_prefix = p.request.request_id_prefix;
  const auto& w = p.workload;
  o.tokenizer = w.tokenizer;
  o.dataset_name = w.dataset;
  o.dataset_path = w.dataset_path;
  o.random_input_len = w.input_len;
  o.random_output_len = p.request.max_tokens.value_or(w.output_len);
  const workload::DatasetInfo* dataset = workload::find_dataset(w.dataset);
  if (dataset != nullptr && !dataset->synthetic) {
    // File datasets keep their own lengths unless the profile names one.
    if (w.input_len_given) o.input_len = w.input_len;
    if (w.output_len_given || p.request.max_tokens) o.output_len = o.random_output_len;
  }
  o.random_mm_base_items_per_request = w.images_per_request;
  if (!w.image_sizes.empty()) o.random_mm_bucket_config = w.image_sizes;
  o.random_prefix_len = w.prefix_len;
  if (dataset != nullptr && dataset->kind == workload::DatasetKind::kPrefixRepetition) {
    if (w.prefix_len_given) o.prefix_repetition_prefix_len = w.prefix_len;
    if (w.suffix_len) o.prefix_repetition_suffix_len = *w.suffix_len;
    if (w.num_prefixes) o.prefix_repetition_num_prefixes = *w.num_prefixes;
    if (w.output_len_given || p.request.max_tokens) o.prefix_repetition_output_len = o.random_output_len;
  }
  o.random_range_ratio = w.range_ratio;
  o.seed = w.seed;
  o.turns = w.turns;
  o.think_time_sec = seconds(w.think_time);
  o.trace_time_scale = w.trace_time_scale;
  o.timed_trace = w.timed_trace;
  o.hub = w.hub;
  const auto& r = p.request;
  o.temperature = r.temperature;
  o.top_p = r.top_p;
  o.top_k = r.top_k;
  o.min_p = r.min_p;
  o.frequency_penalty = r.frequency_penalty;
  o.presence_penalty = r.presence_penalty;
  o.repetition_penalty = r.repetition_penalty;
  o.ignore_eos = r.ignore_eos.value_or(false);
  o.extra_body = r.extra_body_json;
  if (r.probe_request_rate) o.vllm.probe_request_rate = *r.probe_request_rate;
  o.score = w.score;
  o.show_answers = p.outputs.show_answers;
  o.save_detailed = p.outputs.save_detailed;
  o.num_prompts = stage_requests(s);
  const bool closed_loop_for_a_time = s.duration && !s.rate && !s.ramp_from;
  if (closed_loop_for_a_time) o.duration_sec = seconds(*s.duration);
  return o;
}

/// The stage's arrivals and concurrency, typed.
core::Result<void> apply_load(const ProfileStage& s, RunPlan& plan) {
  plan.arrivals.request_rate = s.rate.value_or(INFINITY);
  plan.arrivals.burstiness = s.burstiness;
  plan.arrivals.ramp_up.reset();
  if (s.ramp_from && s.ramp_to) {
    schedule::RampUp ramp;
    ramp.strategy = s.ramp_strategy == "exponential" ? schedule::RampUp::Strategy::kExponential
                                                     : schedule::RampUp::Strategy::kLinear;
    ramp.start_rps = *s.ramp_from;
    ramp.end_rps = *s.ramp_to;
    if (auto checked = check_ramp(ramp, "ramp.from", "ramp.to"); !checked) return checked.error();
    plan.arrivals.ramp_up = ramp;
  }
  plan.max_concurrency = s.concurrency;
  return {};
}

/// What the SLOs and the outputs of the profile ask of the results.
void apply_results(const Profile& p, const StageOutputs& outputs, ResultSettings& r) {
  std::set<double> percentiles{50, 90, 99};
  for (const auto& slo : p.slos) {
    if (slo.stat.size() > 1 && slo.stat[0] == 'p') percentiles.insert(std::strtod(slo.stat.c_str() + 1, nullptr));
  }
  r.percentiles.assign(percentiles.begin(), percentiles.end());
  r.percentile_metrics = {"ttft", "tpot", "itl", "e2el"};
  for (const auto& slo : p.slos) {
    if (slo.metric != "goodput") continue;
    if (slo.good_ttft_ms) r.goodput_ttft_ms = slo.good_ttft_ms;
    if (slo.good_tpot_ms) r.goodput_tpot_ms = slo.good_tpot_ms;
    if (slo.good_e2el_ms) r.goodput_e2el_ms = slo.good_e2el_ms;
  }
  r.save_result = true;
  r.result_dir = outputs.result_dir;
  r.result_filename = outputs.result_filename;
  r.label = outputs.label;
  r.report_formats.clear();
  for (const auto& format : p.outputs.formats) {
    if (format == "html" || format == "md" || format == "csv") r.report_formats.push_back(format);
  }
  r.report_interval_s = seconds(p.outputs.interval);
}

/// `shards:` as bench's sharding flags, resolved on the stage's plan (its load already set, so
/// the share of its requests and its concurrency is checked). Each run meets in its own
/// rendezvous subfolder, named after its result file. Errors name the profile's key.
core::Result<void> apply_shards(const Profile& p, const StageOutputs& outputs, RunPlan& plan) {
  if (!p.shards) return {};
  const ProfileShards& s = *p.shards;
  ShardOptions options;
  options.shard = s.shard;
  options.shards = s.size;
  options.start_at = s.start_at;
  if (!s.rendezvous.empty()) {
    options.rendezvous = (std::filesystem::path(s.rendezvous) / std::filesystem::path(outputs.result_filename).stem()).string();
  }
  options.rendezvous_timeout_sec = seconds(s.rendezvous_timeout);
  const auto problems = resolve_sharding(options, process_env(), plan, kProfileShardNames);
  if (problems.empty()) return {};
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
  return core::fail("{}: {}", s.where, message);
}

}  // namespace

std::int64_t stage_requests(const ProfileStage& s) {
  if (s.duration && !s.rate && !s.ramp_from) {
    // A closed loop for a time: one request per 10 ms per slot at most (or its own `requests`).
    const double planned = std::ceil(seconds(*s.duration) * 100.0) * static_cast<double>(s.concurrency.value_or(1));
    return s.requests.value_or(static_cast<std::int64_t>(
        std::clamp(planned, 1000.0, static_cast<double>(kClosedLoopMaxPlanned))));
  }
  if (s.requests) return *s.requests;
  const double mean_rate = s.ramp_from && s.ramp_to ? (*s.ramp_from + *s.ramp_to) / 2 : s.rate.value_or(INFINITY);
  if (s.duration && std::isfinite(mean_rate)) {
    // An open-loop stage bounded by time sends what its rate plans for that time.
    const double planned = std::ceil(mean_rate * seconds(*s.duration));
    return planned >= 9.0e18 ? std::int64_t{9'000'000'000'000'000'000} : std::max<std::int64_t>(1, static_cast<std::int64_t>(planned));
  }
  return BenchOptions{}.num_prompts;
}

core::Result<RunPlan> resolve_stage(const Profile& profile, const ProfileStage& stage, const StageOutputs& outputs) {
  auto plan = resolve(requested_settings(profile, stage));
  if (!plan) return plan.error();
  for (const auto& [name, value] : profile.target.headers) {
    if (auto checked = check_header(name, value, "target.headers"); !checked) return checked.error();
    net::set_header(plan->headers, name, value);
  }
  if (auto loaded = apply_load(stage, *plan); !loaded) return loaded.error();
  plan->preconnect = profile.preconnect;
  apply_results(profile, outputs, plan->results);
  plan->stop_when = stage.stop_when;
  if (auto sharded = apply_shards(profile, outputs, *plan); !sharded) return sharded.error();
  return plan;
}

}  // namespace llmload::config
