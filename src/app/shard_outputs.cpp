#include "llmload/app/shard_outputs.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/report/shard_records.hpp"

namespace llmload::app {
namespace {

void write_start(core::JsonWriter& w, const runtime::StartTiming& start, core::Nanos bench_start_ns) {
  w.key("start").begin_object();
  w.field("how", start.how);
  // Without a common start, the shard's own start as Unix time (its stamps count from it).
  const std::int64_t unix_ns = start.how == "local"
                                   ? runtime::unix_now_ns() - (core::now_ns() - bench_start_ns)
                                   : start.start_unix_ns;
  w.field("start_unix_ns", unix_ns);
  w.field("clock_offset_ms", start.clock_offset_ms);
  w.field("late_ms", start.late_ms);
  w.end_object();
}

void write_summary_options(core::JsonWriter& w, const metrics::SummaryOptions& o) {
  w.key("summary_options").begin_object();
  w.key("percentiles").begin_array();
  for (const double p : o.percentiles) w.value(p);
  w.end_array();
  w.key("percentile_metrics").begin_array();
  for (const auto& m : o.percentile_metrics) w.value(m);
  w.end_array();
  for (const auto& [name, value] : {std::pair{"goodput_ttft_ms", o.goodput_ttft_ms},
                                    std::pair{"goodput_tpot_ms", o.goodput_tpot_ms},
                                    std::pair{"goodput_e2el_ms", o.goodput_e2el_ms}}) {
    if (value) w.field(name, *value);
  }
  w.field("input_tokens_from_dataset", o.input_tokens_from_dataset);
  w.end_object();
}

}  // namespace

std::string shard_json(const config::RunPlan& plan, const runtime::Workload& workload,
                       const runtime::RunResult& result) {
  if (!plan.shard) return {};
  const auto& output = result.output;
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.field("rank", plan.shard->rank);
  w.field("size", plan.shard->size);
  w.field("source", plan.shard->source);
  w.field("plan_hash", config::plan_hash(plan));
  w.field("requests_planned", workload.requests);
  w.field("plan_requests", plan.num_prompts);
  write_start(w, result.start, output.bench_start_ns);
  w.field("save_detailed", plan.results.save_detailed);
  write_summary_options(w, result.summary.options);
  w.field("loop_delay_us", output.loop_delay_us.encode_compressed_base64());
  w.key("records").raw(report::shard_records_json({.records = output.records,
                                                   .specs = workload.specs,
                                                   .global_index = workload.global_index,
                                                   .origin_ns = output.bench_start_ns,
                                                   .texts = plan.results.save_detailed}));
  w.end_object();
  return out;
}

}  // namespace llmload::app
