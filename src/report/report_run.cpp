#include "llmload/report/report_run.hpp"

#include "llmload/report/console_table.hpp"

#include <cmath>
#include <filesystem>

namespace llmload::report {
namespace {

double p99_of(const metrics::SampleStats& s) {
  for (const auto& pv : s.percentiles) {
    if (percentile_word(pv.percentile) == "99") return std::isfinite(pv.value) ? pv.value : 0;
  }
  return 0;
}

CategoryFigures category_figures(const metrics::CategoryCount& c) {
  CategoryFigures f;
  f.category = c.category;
  f.completed = c.completed;
  f.failed = c.failed;
  f.input_tokens = c.input_tokens;
  f.output_tokens = c.output_tokens;
  f.ttft_p50 = c.ttft_ms.median;
  f.ttft_p99 = p99_of(c.ttft_ms);
  f.e2el_p50 = c.e2el_ms.median;
  f.e2el_p99 = p99_of(c.e2el_ms);
  return f;
}

double median_of(const metrics::SampleStats& s) { return std::isfinite(s.median) ? s.median : 0; }

/// A target's row as the result file holds it (json_result's write_per_target).
TargetRow target_row(const metrics::TargetFigures& t) {
  TargetRow row;
  row.url = t.url;
  row.requests = t.requests;
  row.completed = t.completed;
  row.failed = t.failed;
  row.output_tokens = t.output_tokens;
  row.output_throughput = std::isfinite(t.output_throughput) ? t.output_throughput : 0;
  row.failures = t.failures;
  row.ttft_p50 = median_of(t.ttft_ms);
  row.ttft_p99 = p99_of(t.ttft_ms);
  row.itl_p50 = median_of(t.itl_ms);
  row.itl_p99 = p99_of(t.itl_ms);
  row.e2el_p50 = median_of(t.e2el_ms);
  row.e2el_p99 = p99_of(t.e2el_ms);
  return row;
}

/// The rows as the result file holds them (offsets rounded to the microsecond), so a report
/// of the run and a report of its file are the same.
std::vector<metrics::RequestTimeline> request_rows(const std::vector<metrics::RequestTimeline>& timelines) {
  std::vector<metrics::RequestTimeline> rows = timelines;
  for (auto& t : rows) {
    for (double* ms : {&t.scheduled_ms, &t.dispatch_ms, &t.start_ms, &t.sent_ms, &t.first_token_ms, &t.end_ms}) {
      *ms = result_offset_ms(*ms);
    }
    for (double& ms : t.extra) ms = std::isnan(ms) ? ms : result_offset_ms(ms);
  }
  return rows;
}

/// The answers' figures as the result file carries them (json_result.cpp, write_answers), with
/// the numbers compare reads after the top-level ones.
void add_answers(const metrics::AnswerQuality& q, ReportRun& run) {
  AnswerFigures a;
  if (!q.score.empty()) {
    a.score = q.score;
    a.scored = q.overall.scored;
    if (a.scored > 0) a.accuracy = q.overall.accuracy;
    for (const auto& g : q.per_category) a.per_category.emplace_back(g.category, g.accuracy);
    a.per_interval = q.per_interval;
    for (auto& i : a.per_interval) {
      if (i.accuracy && !std::isfinite(*i.accuracy)) i.accuracy.reset();  // written as null
    }
  }
  a.checked = q.checked;
  a.degenerate = q.degenerate;
  run.numbers.values.emplace_back("degenerate", static_cast<double>(a.degenerate));
  if (a.accuracy) {
    run.numbers.values.emplace_back("accuracy", *a.accuracy);
    run.numbers.values.emplace_back("accuracy_scored", static_cast<double>(a.scored));
  }
  run.answers = std::move(a);
}

std::vector<BreakdownPart> breakdown_parts(const std::array<metrics::SampleStats, otlp::kPartCount>& stats) {
  std::vector<BreakdownPart> out;
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    const auto& s = stats[k];
    // As the file reads back: a statistic written as null (no sample) reads as 0.
    const auto finite = [](double v) { return std::isfinite(v) ? v : 0.0; };
    out.push_back({std::string(otlp::part_name(static_cast<otlp::Part>(k))), static_cast<std::int64_t>(s.count),
                   finite(s.mean), finite(s.median), finite(s.percentile_or(99, 0.0))});
  }
  return out;
}

}  // namespace

BreakdownFigures breakdown_figures(const otlp::Breakdown& b) {
  BreakdownFigures f;
  f.requests_sent = b.requests_sent;
  f.requests_joined = b.requests_joined;
  f.spans_unmatched = b.spans_unmatched;
  f.parts = breakdown_parts(b.stats);
  for (const auto& c : b.per_category) f.per_category.push_back({c.category, c.requests_joined, breakdown_parts(c.stats)});
  return f;
}

std::vector<ServerSeries> server_series(const scrape::ScrapeSeries& scraped,
                                        const scrape::ServerMetricsSummary& summary, core::Nanos origin_ns) {
  std::vector<ServerSeries> out;
  const auto watched = scrape::watched_metrics();
  for (const auto& m : summary.metrics) {
    ServerSeries s;
    s.name = m.key;
    std::size_t index = watched.size();
    for (std::size_t i = 0; i < watched.size(); ++i) {
      if (watched[i].key == m.key) {
        s.name = std::string(watched[i].label);
        index = i;
      }
    }
    for (const auto& p : scraped.points) {
      const double t = core::ns_to_s(p.t_ns - origin_ns);
      const double v = index < p.values.size() ? p.values[index] : NAN;
      if (std::isfinite(t) && std::isfinite(v)) s.points.emplace_back(t, v);
    }
    out.push_back(std::move(s));
  }
  return out;
}

ReportRun report_run_of(const RunView& view) {
  const metrics::RunSummary& s = view.summary;
  const RunInfo& info = view.info;
  ReportRun run;
  run.path = view.path;
  run.numbers.name = std::filesystem::path(view.path).stem().string();
  for (auto& f : result_fields(s, info, view.save_detailed, DetailArrays::kSkip)) {
    if (f.number) run.numbers.values.emplace_back(f.key, *f.number);
    if (!f.text) continue;
    if (f.key == "label" && !f.text->empty()) run.numbers.name = *f.text;
    if (f.key == "model_id") run.model_id = *f.text;
    if (f.key == "backend") run.backend = *f.text;
    if (f.key == "date") run.date = *f.text;
  }
  if (s.answers) add_answers(*s.answers, run);
  if (view.breakdown != nullptr && view.breakdown->requests_joined > 0) {
    run.breakdown = breakdown_figures(*view.breakdown);
    add_breakdown_numbers(*run.breakdown, run);
  }
  run.per_interval = s.per_interval;
  run.interval_extra_fields = s.interval_extra_fields;
  run.prompts = s.prompts;
  run.sim_time_scale = info.sim_time_scale;
  run.target = info.target;
  run.series = info.series;
  run.sweep = info.sweep;
  if (!info.plan_json.empty()) run.workload = workload_of_plan(info.plan_json);
  run.version = std::string(llmload_version());
  run.simulator = info.simulator;
  run.request_rate = run.numbers.value("request_rate");
  read_latency_figures(run);
  if (view.save_detailed) {
    for (const auto& gaps : s.itls_s) {
      auto& ms = run.itls_ms.emplace_back();
      for (const double g : gaps) ms.push_back(g * 1000.0);
    }
    run.generated_texts = s.generated_texts;
  }
  for (const auto& c : s.per_category) run.categories.push_back(category_figures(c));
  for (const auto& t : s.per_target) run.targets.push_back(target_row(t));
  run.server_metrics = view.server_metrics;
  if (view.save_detailed || s.timelines.size() <= kRequestRowsAlwaysUpTo) {
    run.requests = request_rows(s.timelines);
    run.request_extra_fields = s.request_extra_fields;
    run.has_queue_times = true;
  }
  finish_report_run(run);
  return run;
}

}  // namespace llmload::report
