#include "llmload/report/json_result.hpp"

#include "llmload/config/vllm_compat.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/report/console_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <type_traits>

#ifndef LLMLOAD_VERSION
#define LLMLOAD_VERSION "unknown"
#endif

namespace llmload::report {

namespace {

// vLLM builds its result as a Python dict: assigning an existing key keeps the key's first
// position and replaces the value. Metadata keys can collide with standard ones, so the same
// rule is kept here. Values are pre-serialized JSON, with the number or string they hold.
class OrderedObject {
 public:
  void set(std::string key, ResultField value) {
    value.key = std::move(key);
    auto it = std::find_if(items_.begin(), items_.end(), [&](const auto& f) { return f.key == value.key; });
    if (it != items_.end()) {
      *it = std::move(value);
    } else {
      items_.push_back(std::move(value));
    }
  }

  std::vector<ResultField> take() { return std::move(items_); }

 private:
  std::vector<ResultField> items_;
};

template <class F>
std::string render(F&& f) {
  std::string s;
  core::JsonWriter w(s);
  f(w);
  return s;
}

template <class V>
ResultField json_value(const V& v) {
  ResultField f;
  f.json = render([&](core::JsonWriter& w) { w.value(v); });
  if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) {
    if (std::isfinite(static_cast<double>(v))) f.number = static_cast<double>(v);
  } else if constexpr (std::is_convertible_v<const V&, std::string_view>) {
    f.text = std::string(std::string_view(v));
  }
  return f;
}

ResultField json_null() {
  return {.key = {}, .json = "null", .number = std::nullopt, .text = std::nullopt};
}

// vLLM writes an infinite rate as the string "inf" (JSON has no infinity).
ResultField json_rate(double v) {
  return std::isinf(v) && v > 0 ? json_value("inf") : json_value(v);
}

ResultField raw_field(std::string json) {
  return {.key = {}, .json = std::move(json), .number = std::nullopt, .text = std::nullopt};
}

template <class T>
ResultField json_array(const std::vector<T>& values) {
  return raw_field(render([&](core::JsonWriter& w) {
    w.begin_array();
    for (const auto& v : values) w.value(v);
    w.end_array();
  }));
}

ResultField json_nested_array(const std::vector<std::vector<double>>& values) {
  return raw_field(render([&](core::JsonWriter& w) {
    w.begin_array();
    for (const auto& inner : values) {
      w.begin_array();
      for (double v : inner) w.value(v);
      w.end_array();
    }
    w.end_array();
  }));
}

void write_stats(core::JsonWriter& w, const metrics::SampleStats& s) {
  w.begin_object();
  w.field("count", s.count);
  w.field("mean", s.mean);
  w.field("median", s.median);
  w.field("std", s.stddev);
  w.field("min", s.min);
  w.field("max", s.max);
  for (const auto& pv : s.percentiles) {
    w.field(fmt::format("p{}", percentile_word(pv.percentile)), pv.value);
  }
  w.end_object();
}

/// "per_interval": [{start_s, end_s, scored, accuracy (null when none), checked, degenerate}]
/// when the run had interval reports.
void write_interval_answers(core::JsonWriter& w, const std::vector<metrics::IntervalAnswers>& intervals) {
  if (intervals.empty()) return;
  w.key("per_interval").begin_array();
  for (const auto& i : intervals) {
    w.begin_object();
    w.field("start_s", i.start_s);
    w.field("end_s", i.end_s);
    w.field("scored", i.scored);
    w.key("accuracy");
    if (i.accuracy) w.value(*i.accuracy);
    else w.null();
    w.field("checked", i.checked);
    w.field("degenerate", i.degenerate);
    w.end_object();
  }
  w.end_array();
}

/// "accuracy" (scorer, requests scored, mean score overall and per category, each request's
/// score in workload order, null when unscored) and "degenerate" (counts).
void write_answers(core::JsonWriter& w, const metrics::AnswerQuality& a) {
  if (!a.score.empty()) {
    w.key("accuracy").begin_object();
    w.field("score", a.score);
    w.field("scored", a.overall.scored);
    w.field("accuracy", a.overall.accuracy);
    w.key("per_category").begin_object();
    for (const auto& g : a.per_category) {
      w.key(g.category).begin_object();
      w.field("scored", g.scored);
      w.field("accuracy", g.accuracy);
      w.end_object();
    }
    w.end_object();
    w.key("per_request").begin_array();
    for (const double score : a.scores) {
      if (std::isnan(score)) w.null();
      else w.value(score);
    }
    w.end_array();
    write_interval_answers(w, a.per_interval);
    w.end_object();
  }
  w.key("degenerate").begin_object();
  w.field("checked", a.checked);
  w.field("empty", a.empty);
  w.field("length_capped", a.length_capped);
  w.field("repetition_loop", a.repetition_loop);
  w.field("any", a.degenerate);
  w.end_object();
}

/// "intervals": the live interval series (llmload extension): its length and per interval the
/// requests completed and failed, in flight at its end, output tokens as their chunks arrived
/// and their rate, output tokens of the requests completed in it and their rate, and answers
/// checked for degenerate output and how many were; then the figures filled in after the run
/// (RunSummary::interval_extra_fields: the server-trace breakdown's part means, null for none).
void write_intervals(core::JsonWriter& w, const metrics::RunSummary& s) {
  w.key("intervals").begin_object();
  w.field("interval_s", s.interval_s);
  w.key("per_interval").begin_array();
  for (const auto& i : s.per_interval) {
    const double length = i.end_s - i.start_s;
    const auto rate = [&](std::int64_t n) { return length > 0 ? static_cast<double>(n) / length : 0.0; };
    w.begin_object();
    w.field("start_s", i.start_s);
    w.field("end_s", i.end_s);
    w.field("completed", i.completed);
    w.field("failed", i.failed);
    w.field("in_flight", i.in_flight);
    w.field("output_tokens", i.output_tokens);
    w.field("output_throughput", rate(i.output_tokens));
    w.field("completed_output_tokens", i.completed_output_tokens);
    w.field("completed_output_throughput", rate(i.completed_output_tokens));
    w.field("checked", i.checked);
    w.field("degenerate", i.degenerate);
    for (std::size_t k = 0; k < s.interval_extra_fields.size(); ++k) {
      w.field(s.interval_extra_fields[k], k < i.extra.size() ? i.extra[k] : NAN);  // NaN: null
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

/// "modeled_time" of a time-scaled simulator run: the latency medians and p99s in the
/// simulated engine's time (measured × scale) and the throughputs (measured ÷ scale).
void write_modeled_time(core::JsonWriter& w, const metrics::RunSummary& s, double scale) {
  w.key("modeled_time").begin_object();
  const std::pair<const char*, const metrics::SampleStats*> latencies[] = {
      {"ttft_ms", &s.ttft_ms}, {"tpot_ms", &s.tpot_ms}, {"itl_ms", &s.itl_ms}, {"e2el_ms", &s.e2el_ms}};
  for (const auto& [name, stats] : latencies) {
    w.key(name).begin_object();
    w.field("mean", stats->mean * scale);
    w.field("median", stats->median * scale);
    for (const auto& pv : stats->percentiles) {
      w.field(fmt::format("p{}", percentile_word(pv.percentile)), pv.value * scale);
    }
    w.end_object();
  }
  w.field("duration", s.duration_s * scale);
  w.field("request_throughput", s.request_throughput / scale);
  w.field("output_throughput", s.output_throughput / scale);
  w.field("total_token_throughput", s.total_token_throughput / scale);
  w.end_object();
}

/// "loop_delay_ms", "client_saturated" and "client_check" (limits and findings).
void write_client_check(core::JsonWriter& w, const metrics::RunSummary& s) {
  w.key("loop_delay_ms");
  write_stats(w, s.loop_delay_ms);
  w.field("client_saturated", s.client_check.saturated);
  w.field("preconnect", s.preconnect.has_value());
  if (s.preconnect) {
    w.key("preconnected").begin_object();
    w.field("wanted", s.preconnect->wanted);
    w.field("opened", s.preconnect->opened);
    w.field("failed", s.preconnect->failed);
    w.field("ms", s.preconnect->ms);
    w.field("first_error", s.preconnect->first_error);
    w.end_object();
  }
  w.key("client_check").begin_object();
  w.field("checked", s.client_check.checked);
  w.field("limit_p99_ms", metrics::kSaturatedP99Ms);
  w.field("limit_max_ms", metrics::kSaturatedMaxMs);
  w.key("findings").begin_array();
  for (const auto& f : s.client_check.findings) {
    w.begin_object();
    w.field("figure", f.figure);
    w.field("p99_ms", f.p99_ms);
    w.field("max_ms", f.max_ms);
    w.field("text", f.text);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

/// {"name": {completed, failed, total_input_tokens, total_output_tokens, ttft_ms, e2el_ms}}
/// for per-category and per-turn breakdowns.
void write_groups(core::JsonWriter& w, std::string_view key, const std::vector<metrics::CategoryCount>& groups) {
  w.key(key).begin_object();
  for (const auto& c : groups) {
    w.key(c.category).begin_object();
    w.field("completed", c.completed);
    w.field("failed", c.failed);
    w.field("total_input_tokens", c.input_tokens);
    w.field("total_output_tokens", c.output_tokens);
    w.key("ttft_ms");
    write_stats(w, c.ttft_ms);
    w.key("e2el_ms");
    write_stats(w, c.e2el_ms);
    w.end_object();
  }
  w.end_object();
}

/// "per_target": [{url, requests, completed, failed, failures: {kind: n}, total_output_tokens,
/// output_throughput, ttft_ms, tpot_ms, itl_ms, e2el_ms}] in the plan's target order.
void write_per_target(core::JsonWriter& w, const std::vector<metrics::TargetFigures>& targets) {
  if (targets.empty()) return;
  w.key("per_target").begin_array();
  for (const auto& t : targets) {
    w.begin_object();
    w.field("url", t.url);
    w.field("requests", t.requests);
    w.field("completed", t.completed);
    w.field("failed", t.failed);
    w.key("failures").begin_object();
    for (const auto& [kind, count] : t.failures) w.field(kind, count);
    w.end_object();
    w.field("total_output_tokens", t.output_tokens);
    w.field("output_throughput", t.output_throughput);
    for (const auto& [key, stats] : {std::pair{"ttft_ms", &t.ttft_ms}, std::pair{"tpot_ms", &t.tpot_ms},
                                     std::pair{"itl_ms", &t.itl_ms}, std::pair{"e2el_ms", &t.e2el_ms}}) {
      w.key(key);
      write_stats(w, *stats);
    }
    w.end_object();
  }
  w.end_array();
}

// Microsecond resolution keeps the rows short ("12.345" rather than 17 digits).
void write_offset(core::JsonWriter& w, double ms) {
  if (std::isnan(ms)) {
    w.null();
  } else {
    w.value(result_offset_ms(ms));
  }
}

void write_request_rows(core::JsonWriter& w, const metrics::RunSummary& s) {
  w.key("request_fields").begin_array();
  for (const char* f : kRequestFields) w.value(f);
  for (const auto& f : s.request_extra_fields) w.value(f);
  w.end_array();
  w.key("requests").begin_array();
  for (const auto& t : s.timelines) {
    w.begin_array();
    for (double ms : {t.scheduled_ms, t.dispatch_ms, t.start_ms, t.sent_ms, t.first_token_ms, t.end_ms}) {
      write_offset(w, ms);
    }
    w.value(t.outcome).value(t.category).value(t.input_tokens).value(t.output_tokens).value(t.chunks);
    if (t.trace_id.empty()) {
      w.null();
    } else {
      w.value(t.trace_id);
    }
    for (std::size_t k = 0; k < s.request_extra_fields.size(); ++k) write_offset(w, k < t.extra.size() ? t.extra[k] : NAN);
    w.end_array();
  }
  w.end_array();
}

/// vLLM's per-request arrays in its order: latencies and queue_times always (vLLM keeps them
/// without --save-detailed), the others only with it.
void set_per_request_arrays(OrderedObject& o, const metrics::RunSummary& s, bool save_detailed) {
  if (save_detailed) {
    o.set("input_lens", json_array(s.input_lens));
    o.set("output_lens", json_array(s.output_lens));
    o.set("ttfts", json_array(s.ttfts_s));
    o.set("itls", json_nested_array(s.itls_s));
  }
  o.set("latencies", json_array(s.latencies_s));
  if (save_detailed) o.set("start_times", json_array(s.start_times_s));
  o.set("queue_times", json_array(s.queue_times_s));
  if (save_detailed) {
    o.set("generated_texts", json_array(s.generated_texts));
    o.set("errors", json_array(s.errors));
  }
}

/// vLLM's probe_* keys (--probe-request-rate; only when a probe succeeded).
void set_probe(OrderedObject& o, const metrics::ProbeFigures& p) {
  o.set("probe_completed", json_value(p.completed));
  o.set("probe_failed", json_value(p.failed));
  o.set("probe_median_e2el_ms", json_value(p.median_e2el_ms));
  o.set("probe_p99_e2el_ms", json_value(p.p99_e2el_ms));
  o.set("probe_max_e2el_ms", json_value(p.max_e2el_ms));
}

/// vLLM's spec_decode_* keys.
void set_spec_decode(OrderedObject& o, const scrape::SpecDecodeStats& s) {
  o.set("spec_decode_acceptance_rate", json_value(s.acceptance_rate_pct));
  o.set("spec_decode_acceptance_length", json_value(s.acceptance_length));
  o.set("spec_decode_num_drafts", json_value(s.drafts));
  o.set("spec_decode_draft_tokens", json_value(s.draft_tokens));
  o.set("spec_decode_accepted_tokens", json_value(s.accepted));
  o.set("spec_decode_per_position_acceptance_rates", json_array(s.per_position));
}

std::string llmload_object(const metrics::RunSummary& s, const RunInfo& info, bool save_detailed) {
  return render([&](core::JsonWriter& w) {
    w.begin_object();
    w.field("schema_version", kResultSchemaVersion);
    w.field("version", llmload_version());
    w.field("vllm_compat", config::kVllmCompat);
    w.field("target", info.target);
    w.field("simulator", info.simulator);
    if (info.sim_time_scale != 1.0) {
      w.field("sim_time_scale", info.sim_time_scale);
      write_modeled_time(w, s, info.sim_time_scale);
    }
    w.field("started_cold", info.started_cold);
    if (!info.plan_json.empty()) w.key("plan").raw(info.plan_json);
    if (!info.plan_hash.empty()) w.field("plan_hash", info.plan_hash);
    if (!info.merge_json.empty()) w.key("merge").raw(info.merge_json);
    if (!info.series.empty()) {
      w.key("run").begin_object();
      w.field("name", info.label.value_or(""));
      w.field("series", info.series);
      w.key("sweep").begin_object();
      for (const auto& [path, value] : info.sweep) w.field(path, value);
      w.end_object();
      w.end_object();
    }
    if (!info.server_metrics_json.empty()) w.key("server_metrics").raw(info.server_metrics_json);
    if (!info.server_breakdown_json.empty()) w.key("server_breakdown").raw(info.server_breakdown_json);
    w.field("peak_concurrency_exact", s.peak_concurrency_exact);
    if (s.total_audio_duration_s > 0) w.field("total_audio_duration_s", s.total_audio_duration_s);
    // vLLM's max_output_tokens_per_s counts token chunks per second, not tokens.
    w.field("max_output_tokens_per_s_counts", "chunks");
    w.field("dataset_input_tokens", s.dataset_input_tokens);
    if (s.server_prompt_reports > 0) w.field("total_server_prompt_tokens", s.total_server_prompt_tokens);
    w.field("input_tokens_from", s.options.input_tokens_from_dataset ? "dataset" : "server");
    w.key("input_tokens_source").begin_object();
    w.field("usage", s.input_tokens_from_usage);
    w.field("dataset", s.input_tokens_from_dataset);
    w.end_object();
    w.key("output_tokens_source").begin_object();
    w.field("usage", s.output_tokens_from_usage);
    w.field("chunks", s.output_tokens_from_chunks);
    w.end_object();
    if (info.goodput_configured) w.field("good_requests", s.good_requests);
    w.field("requests_without_done", s.requests_without_done);
    w.key("failures_by_reason").begin_object();
    for (const auto& g : s.failures_by_reason) {
      w.key(g.reason).begin_object();
      w.field("count", g.count);
      w.field("first_error", g.first_error);
      w.end_object();
    }
    w.end_object();
    w.key("schedule_lag_ms");
    write_stats(w, s.schedule_lag_ms);
    w.key("client_queue_ms");
    write_stats(w, s.client_queue_ms);
    w.key("ttft_from_schedule_ms");
    write_stats(w, s.ttft_from_schedule_ms);
    w.key("connect_ms");
    write_stats(w, s.connect_ms);
    w.field("requests_with_chunk_tokens", s.requests_with_chunk_tokens);
    if (s.requests_with_chunk_tokens > 0) w.field("chunk_tokens_source", s.chunk_tokens_source);
    w.field("max_output_tokens_per_s_tokens", s.max_output_tokens_per_s_tokens);
    w.key("itl_per_token_ms");
    write_stats(w, s.itl_per_token_ms);
    w.key("receive_delay_ms");
    write_stats(w, s.receive_delay_ms);
    write_client_check(w, s);
    w.field("interrupted", info.interrupted);
    w.field("requests_not_sent", info.requests_not_sent);
    if (!info.stopped_early_json.empty()) w.key("stopped_early").raw(info.stopped_early_json);
    if (!info.disruptions_json.empty()) w.key("disruptions").raw(info.disruptions_json);
    write_groups(w, "per_category", s.per_category);
    if (s.answers) write_answers(w, *s.answers);
    if (!s.per_interval.empty()) write_intervals(w, s);
    if (!s.prompts.empty()) {
      w.key("prompts").begin_array();
      for (const auto& p : s.prompts) w.value(p);
      w.end_array();
    }
    if (!s.per_turn.empty()) write_groups(w, "per_turn", s.per_turn);
    if (!s.per_adapter.empty()) write_groups(w, "per_adapter", s.per_adapter);
    write_per_target(w, s.per_target);
    if (save_detailed || s.timelines.size() <= kRequestRowsAlwaysUpTo) write_request_rows(w, s);
    if (!info.shard_json.empty()) w.key("shard").raw(info.shard_json);  // last: the largest
    w.end_object();
  });
}

void set_generation_figures(OrderedObject& o, const metrics::RunSummary& s, const RunInfo& info, bool save_detailed,
                            DetailArrays arrays) {
  o.set("duration", json_value(s.duration_s));
  o.set("completed", json_value(s.completed));
  o.set("failed", json_value(s.failed));
  o.set("total_input_tokens", json_value(s.total_input_tokens));
  o.set("total_output_tokens", json_value(s.total_output_tokens));
  o.set("request_throughput", json_value(s.request_throughput));
  o.set("request_goodput", info.goodput_configured ? json_value(s.request_goodput.value_or(0.0))
                                                   : json_null());
  o.set("output_throughput", json_value(s.output_throughput));
  o.set("total_token_throughput", json_value(s.total_token_throughput));
  if (arrays == DetailArrays::kRender) set_per_request_arrays(o, s, save_detailed);
  o.set("max_output_tokens_per_s", json_value(s.max_output_tokens_per_s));
  o.set("max_concurrent_requests", json_value(s.max_concurrent_requests));
  o.set("rtfx", json_value(s.rtfx));  // vLLM's inverse real-time factor: audio input only, else 0.0
}

/// vLLM's keys of a pooling run, in its order.
void set_pooling_figures(OrderedObject& o, const metrics::RunSummary& s, bool save_detailed, DetailArrays arrays) {
  o.set("duration", json_value(s.duration_s));
  o.set("completed", json_value(s.completed));
  o.set("total_input_tokens", json_value(s.total_input_tokens));
  o.set("total_input_sequences", json_value(s.total_input_sequences));
  o.set("request_throughput", json_value(s.request_throughput));
  o.set("input_sequence_throughput",
        json_value(s.duration_s > 0 ? static_cast<double>(s.total_input_sequences) / s.duration_s : 0.0));
  o.set("total_token_throughput", json_value(s.total_token_throughput));
  if (arrays != DetailArrays::kRender) return;
  if (save_detailed) o.set("input_lens", json_array(s.input_lens));
  o.set("latencies", json_array(s.latencies_s));
  o.set("queue_times", json_array(s.queue_times_s));
  if (save_detailed) o.set("errors", json_array(s.errors));
}

}  // namespace

std::string_view llmload_version() noexcept {
  return LLMLOAD_VERSION;
}

std::vector<ResultField> result_fields(const metrics::RunSummary& s, const RunInfo& info, bool save_detailed,
                                       DetailArrays arrays) {
  OrderedObject o;
  o.set("date", json_value(info.date));
  o.set("endpoint_type", json_value(info.backend));
  o.set("backend", json_value(info.backend));
  o.set("label", info.label ? json_value(*info.label) : json_null());
  o.set("model_id", json_value(info.model_id));
  o.set("tokenizer_id", info.tokenizer_id ? json_value(*info.tokenizer_id) : json_null());
  o.set("num_prompts", json_value(info.num_prompts));
  for (const auto& [k, v] : info.metadata) o.set(k, json_value(v));
  o.set("request_rate", json_rate(info.request_rate));
  o.set("burstiness", json_rate(info.burstiness));
  o.set("max_concurrency", info.max_concurrency ? json_value(*info.max_concurrency) : json_null());
  if (info.ramp_up_strategy) {
    o.set("ramp_up_strategy", json_value(*info.ramp_up_strategy));
    o.set("ramp_up_start_rps", json_value(info.ramp_up_start_rps));
    o.set("ramp_up_end_rps", json_value(info.ramp_up_end_rps));
  }

  if (s.options.pooling) {
    set_pooling_figures(o, s, save_detailed, arrays);
  } else {
    set_generation_figures(o, s, info, save_detailed, arrays);
  }
  if (s.probe) set_probe(o, *s.probe);
  if (info.spec_decode) set_spec_decode(o, *info.spec_decode);

  const std::pair<std::string_view, const metrics::SampleStats*> metric_stats[] = {
      {"ttft", &s.ttft_ms}, {"tpot", &s.tpot_ms}, {"itl", &s.itl_ms}, {"e2el", &s.e2el_ms},
      {"client_queue_time", &s.client_queue_time_ms},
      {"e2el_including_client_queue", &s.e2el_including_client_queue_ms}};
  const auto& selected = s.options.percentile_metrics;
  for (const auto& [name, stats] : metric_stats) {
    const bool generation_keys = info.tokenizer && !s.options.pooling;
    if (!vllm_metric_shown(name, selected, info.max_concurrency, info.request_rate, generation_keys)) continue;
    o.set(fmt::format("mean_{}_ms", name), json_value(stats->mean));
    o.set(fmt::format("median_{}_ms", name), json_value(stats->median));
    o.set(fmt::format("std_{}_ms", name), json_value(stats->stddev));
    for (const auto& pv : stats->percentiles) {
      o.set(fmt::format("p{}_{}_ms", percentile_word(pv.percentile), name), json_value(pv.value));
    }
  }
  return o.take();
}

std::string result_json(const metrics::RunSummary& s, const RunInfo& info, bool save_detailed) {
  OrderedObject o;
  for (auto& f : result_fields(s, info, save_detailed)) {
    std::string key = f.key;
    o.set(std::move(key), std::move(f));
  }
  o.set("llmload", raw_field(llmload_object(s, info, save_detailed)));  // a metadata key "llmload" keeps its place
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  for (const auto& f : o.take()) w.key(f.key).raw(f.json);
  w.end_object();
  return out;
}

std::string result_file_name(const RunInfo& info) {
  const std::string& label = info.label && !info.label->empty() ? *info.label : info.backend;
  const auto slash = info.model_id.rfind('/');
  const std::string_view model_base =
      slash == std::string::npos ? std::string_view(info.model_id)
                                 : std::string_view(info.model_id).substr(slash + 1);
  const std::string concurrency =
      info.max_concurrency ? fmt::format("-concurrency{}", *info.max_concurrency) : std::string();
  if (info.ramp_up_strategy) {
    return fmt::format("{}-ramp-up-{}-{}qps-{}qps{}-{}-{}.json", label, *info.ramp_up_strategy,
                       info.ramp_up_start_rps, info.ramp_up_end_rps, concurrency, model_base,
                       info.date);
  }
  return fmt::format("{}-{}qps{}-{}-{}.json", label, core::python_float_str(info.request_rate),
                     concurrency, model_base, info.date);
}

}  // namespace llmload::report
