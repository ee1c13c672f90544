#include "llmload/config/run_plan.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/core/clock.hpp"

#include <fmt/format.h>

#include <cmath>

namespace llmload::config {

namespace {

/// The --asr-* clip lengths (seconds; null for an unbounded maximum).
void write_asr_lengths(core::JsonWriter& w, const workload::HubDatasetOptions& hub) {
  w.key("asr_min_audio_len_sec").value(hub.asr_min_audio_len_sec);
  w.key("asr_max_audio_len_sec");
  if (std::isfinite(hub.asr_max_audio_len_sec)) w.value(hub.asr_max_audio_len_sec); else w.null();
}

/// The settings of the dataset sources that have their own flags (trace replay, hf, spec_bench).
void write_dataset_source(core::JsonWriter& w, const RunPlan& plan) {
  const auto& d = plan.dataset;
  const std::string& name = plan.dataset_name;
  if (name == "mooncake" || name == "timed_trace") w.key("trace_time_scale").value(d.trace_time_scale);
  if (name == "timed_trace") {
    const auto& t = d.timed_trace;
    w.key("timed_trace").begin_object();
    w.key("chunk_hash_size").value(t.chunk_hash_size);
    w.key("sec_multiplier").value(t.sec_multiplier);
    w.key("label_timestamp").value(t.label_timestamp);
    w.key("label_input_length").value(t.label_input_length);
    w.key("label_output_length").value(t.label_output_length);
    w.key("label_hash_ids").value(t.label_hash_ids);
    w.end_object();
  }
  if (name == "hf") {
    w.key("hf").begin_object();
    w.key("name").value(d.hub.hf_name);
    w.key("split").value(d.hub.hf_split);
    w.key("subset").value(d.hub.hf_subset);
    w.key("output_len");
    if (d.hub.hf_output_len) w.value(*d.hub.hf_output_len); else w.null();
    w.key("blazedit_min_distance").value(d.hub.blazedit_min_distance);
    w.key("blazedit_max_distance").value(d.hub.blazedit_max_distance);
    write_asr_lengths(w, d.hub);
    w.end_object();
  }
  if (name == "audio") {
    w.key("audio").begin_object();
    w.key("output_len");
    if (d.hub.hf_output_len) w.value(*d.hub.hf_output_len); else w.null();
    write_asr_lengths(w, d.hub);
    w.end_object();
  }
  if (name == "spec_bench") {
    w.key("spec_bench").begin_object();
    w.key("category").value(d.hub.spec_bench_category);
    w.key("output_len").value(d.hub.spec_bench_output_len);
    w.end_object();
  }
}

/// The vLLM flags' settings (config/vllm_compat.hpp), under "vllm".
void write_vllm_settings(core::JsonWriter& w, const RunPlan& plan) {
  const auto& v = plan.vllm;
  w.key("vllm").begin_object();
  w.key("ready_check_timeout_s").value(static_cast<std::int64_t>(plan.ready_check_timeout.count()));
  w.key("chat_content_format").value(std::string(plan.body.string_content ? "string" : "openai"));
  w.key("skip_tokenizer_init").value(v.skip_tokenizer_init);
  w.key("profile").value(v.profile);
  w.key("lora_modules").begin_array();
  for (const auto& m : v.lora_modules) w.value(m);
  w.end_array();
  w.key("lora_assignment").value(std::string(v.lora_round_robin ? "round-robin" : "random"));
  w.key("timeline_itl_thresholds_ms").begin_array();
  for (double t : v.timeline_itl_thresholds_ms) w.value(t);
  w.end_array();
  w.key("self_timed").value(v.self_timed);
  w.key("probe_request_rate").value(v.probe_request_rate);
  w.key("flags_without_effect").begin_array();
  for (const auto& line : v.without_effect) w.value(line);
  w.end_array();
  w.end_object();
}

}  // namespace

std::string plan_to_json(const RunPlan& plan, std::string_view effective_model, const net::HeaderList* sent_headers) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("target").value(plan.use_simulator ? std::string("built-in simulator") : plan.base.to_string());
  if (!plan.replicas.empty()) {
    w.key("targets").begin_array();
    for (const auto& url : plan.replicas) w.value(url.to_string());
    w.end_array();
    w.key("balance").value(std::string(balance_name(plan.balance)));
  }
  w.key("endpoint").value(plan.endpoint);
  w.key("backend").value(plan.backend);
  w.key("model").value(plan.model.empty() ? std::string(effective_model) : plan.model);
  w.key("dataset_name").value(plan.dataset_name);
  w.key("dataset_path").value(plan.dataset.path);
  w.key("tokenizer").value(plan.tokenizer_id);
  w.key("tokenizer_loaded").value(!plan.tokenizer_path.empty());
  w.key("num_prompts").value(plan.num_prompts);
  if (plan.duration.count() > 0) w.key("duration_s").value(core::ns_to_s(plan.duration.count()));
  if (plan.turns > 1) {
    w.key("turns").value(plan.turns);
    w.key("conversations").value(plan.num_prompts / plan.turns);
    w.key("think_time_s").value(core::ns_to_s(plan.think_time.count()));
  }
  w.key("random_input_len").value(plan.dataset.random.input_len);
  w.key("random_output_len").value(plan.dataset.random.output_len);
  w.key("random_prefix_len").value(plan.dataset.random.prefix_len);
  w.key("random_range_ratio").value(plan.dataset.random.range_ratio);
  w.key("seed").value(static_cast<std::int64_t>(plan.dataset.random.seed));
  w.key("no_oversample").value(plan.dataset.no_oversample);
  if (plan.dataset_name == "random-mm") w.key("random_mm_image_format").value(plan.dataset.random_mm.image_format);
  write_dataset_source(w, plan);
  if (std::isinf(plan.arrivals.request_rate)) w.key("request_rate").value(std::string("inf"));
  else w.key("request_rate").value(plan.arrivals.request_rate);
  if (std::isinf(plan.arrivals.burstiness)) w.key("burstiness").value(std::string("inf"));
  else w.key("burstiness").value(plan.arrivals.burstiness);
  w.key("max_concurrency");
  if (plan.max_concurrency) w.value(*plan.max_concurrency); else w.null();
  w.key("preconnect").value(plan.preconnect);
  w.key("ignore_eos").value(plan.body.ignore_eos);
  if (plan.base.tls()) {
    w.key("tls_verify").value(!plan.insecure);
    w.key("ca_bundle").value(plan.ca_bundle);
  }
  w.key("header_names").begin_array();
  for (const auto& [name, value] : sent_headers != nullptr ? *sent_headers : plan.headers) w.value(name);  // never values
  w.end_array();
  w.key("threads").value(static_cast<std::int64_t>(plan.threads));
  w.key("request_timeout_s").value(std::chrono::duration<double>(plan.request_timeout).count());
  auto secs = [](std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); };
  w.key("connect_timeout_s").value(secs(plan.connect_timeout));
  w.key("first_byte_timeout_s").value(secs(plan.first_byte_timeout));
  w.key("idle_timeout_s").value(secs(plan.idle_timeout));
  w.key("num_warmups").value(plan.num_warmups);
  w.key("skip_initial_request").value(plan.skip_initial_request);
  w.key("max_sse_event_bytes").value(static_cast<std::int64_t>(plan.max_sse_event_bytes));
  w.key("max_response_bytes").value(static_cast<std::int64_t>(plan.max_response_bytes));
  if (plan.stop_when.any()) {
    const auto& s = plan.stop_when;
    w.key("stop_when").begin_object();
    if (s.errors) w.key("errors").value(*s.errors);
    if (s.error_rate) w.key("error_rate").value(*s.error_rate);
    if (s.error_rate) w.key("over_s").value(secs(s.over));
    if (s.saturation.count() > 0) w.key("saturation_s").value(secs(s.saturation));
    w.end_object();
  }
  if (plan.use_simulator) {
    w.key("sim_ttft_ms").value(std::chrono::duration<double, std::milli>(plan.sim_ttft).count());
    w.key("sim_itl_ms").value(std::chrono::duration<double, std::milli>(plan.sim_itl).count());
    if (!plan.sim_preset.empty()) w.key("sim_preset").value(plan.sim_preset);
    if (plan.sim_time_scale != 1.0) w.key("sim_time_scale").value(plan.sim_time_scale);
    if (!plan.sim_answers.empty()) {
      w.key("sim_answers").value(plan.sim_answers);
      w.key("sim_answer_accuracy").value(plan.sim_answer_accuracy);
      if (!plan.sim_answer_accuracy_by_category.empty()) {
        w.key("sim_answer_accuracy_by_category").value(plan.sim_answer_accuracy_by_category);
      }
      if (!plan.sim_answer_accuracy_after.empty()) w.key("sim_answer_accuracy_after").value(plan.sim_answer_accuracy_after);
    }
  }
  write_vllm_settings(w, plan);
  if (plan.otlp_receiver) {
    w.key("otlp_receiver").value(fmt::format("{}:{}", plan.otlp_receiver->host, plan.otlp_receiver->port));
    w.key("otlp_grace_s").value(secs(plan.otlp_grace));
  }
  w.end_object();
  return out;
}

std::string describe_plan(const RunPlan& plan) {
  std::string out;
  const auto rate = std::isinf(plan.arrivals.request_rate)
                        ? std::string("inf")
                        : core::python_float_str(plan.arrivals.request_rate);
  const workload::DatasetInfo* dataset = workload::find_dataset(plan.dataset_name);
  if (dataset != nullptr && dataset->trace && plan.vllm.self_timed) {
    // vLLM's line for a trace replayed at its own timestamps (timed_trace, --self-timed).
    return "Self timing is set, using the timestamps from the trace file.\n";
  }
  if (plan.arrivals.ramp_up) {
    // vLLM's lines; its RPS are integers (argparse type=int), which fmt prints without ".0".
    out += fmt::format("Traffic ramp-up strategy: {}.\n",
                       plan.arrivals.ramp_up->strategy == schedule::RampUp::Strategy::kLinear ? "linear" : "exponential");
    out += fmt::format("Will increase RPS from {} to {} RPS over the duration of the benchmark.\n",
                       plan.arrivals.ramp_up->start_rps, plan.arrivals.ramp_up->end_rps);
  } else {
    out += fmt::format("Traffic request rate: {}\n", rate);
  }
  out += fmt::format("Burstiness factor: {} ({})\n", core::python_float_str(plan.arrivals.burstiness),
                     plan.arrivals.burstiness == 1.0 ? "Poisson process" : "Gamma distribution");
  out += fmt::format("Maximum request concurrency: {}\n",
                     plan.max_concurrency ? std::to_string(*plan.max_concurrency) : "None");
  if (plan.preconnect) out += "Connections: opened before the clock starts (--preconnect; not in vLLM)\n";
  if (plan.turns > 1) {
    out += fmt::format("Multi-turn: {} conversations of {} turns, think time {} s (the rate applies "
                       "to conversation starts)\n", plan.num_prompts / plan.turns, plan.turns,
                       core::python_float_str(core::ns_to_s(plan.think_time.count())));
  }
  if (plan.stop_when.any()) out += describe_stop_when(plan.stop_when) + "\n";
  if (!plan.replicas.empty()) {
    out += fmt::format("Targets (not in vLLM): {} replicas, {}", plan.replicas.size(), balance_name(plan.balance));
    out += plan.turns > 1 ? ", each conversation on one target\n" : "\n";
  }
  return out;
}

std::string describe_stop_when(const StopWhen& s) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
  if (s.errors) add(fmt::format("{} failed requests", *s.errors));
  if (s.error_rate) {
    add(fmt::format("more than {:g}% failed over {:g} s", *s.error_rate * 100, core::ns_to_s(s.over.count())));
  }
  if (s.saturation.count() > 0) {
    add(fmt::format("over-saturated over {:g} s", core::ns_to_s(s.saturation.count())));
  }
  return "Early stop on: " + out;
}

}  // namespace llmload::config
