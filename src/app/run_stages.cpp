#include "llmload/app/run_stages.hpp"

#include "llmload/app/capacity_search.hpp"
#include "llmload/app/exit_code.hpp"
#include "llmload/app/soak_outputs.hpp"
#include "llmload/app/stage.hpp"
#include "llmload/config/stage_plan.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/core/json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace llmload::app {
namespace {

std::string slug(const std::string& name) { return config::name_slug(name); }

/// A run's name: the stage's, or the sweep point's (with the stage's when several stages are
/// measured per point), with "(run i/N)" for a repeated stage's runs.
std::string run_name(const config::Profile& profile, const RunIdentity& point, const config::ProfileStage& stage,
                     const std::string& repeat) {
  const auto measured = std::count_if(profile.stages.begin(), profile.stages.end(),
                                      [](const config::ProfileStage& s) { return !s.warmup; });
  std::string name = point.name.empty() ? stage.name : measured > 1 ? point.name + ", " + stage.name : point.name;
  return repeat.empty() ? name : name + " " + repeat;
}

MeasuredStage measured_stage(const StageRun& run, const std::string& point, const std::string& stage) {
  MeasuredStage m{run.result_path, run.report, point, stage};
  const auto& summary = run.result->summary;
  m.output_throughput = summary.output_throughput;
  if (const auto& a = summary.answers) {
    m.checked = a->checked;
    m.degenerate = a->degenerate;
    if (!a->score.empty() && a->overall.scored > 0) {
      m.scored = a->overall.scored;
      m.accuracy = a->overall.accuracy;
    }
  }
  return m;
}

/// The verdicts of every SLO of the profile on one measured stage.
/// Verdicts of a repeated stage's single runs leave out the SLOs checked on the aggregate.
std::vector<SloVerdict> check_stage(const config::Profile& profile, const StageRun& run,
                                    const std::string& point_name, const config::ProfileStage& stage, bool repeated) {
  std::vector<SloVerdict> verdicts;
  if (auto v = stop_when_verdict(stage.stop_when, run.result->output.stopped_early)) {
    v->point = point_name;
    v->stage = stage.name;
    verdicts.push_back(std::move(*v));
  }
  const std::string& stage_name = stage.name;
  for (const auto& slo : profile.slos) {
    if (repeated && !slo.on.empty()) continue;
    std::vector<SloVerdict> found;
    const runtime::RunResult& result = *run.result;
    if (slo.metric == "recovery_time") found = check_recovery(slo, run.disruptions);
    if ((slo.max || slo.min) && slo.metric != "recovery_time") found.push_back(check_slo(slo, result.summary));
    if (slo.max_drift && slo.metric == "accuracy") {
      const auto& answers = result.summary.answers;
      found.push_back(check_accuracy_drift(slo, answers ? answers->per_interval : std::vector<metrics::IntervalAnswers>{}));
    } else if (slo.max_drift) {
      found.push_back(check_drift(slo, result.interval_histograms(slo.metric)));
    }
    for (auto& verdict : found) {
      verdict = distrust_if_saturated(std::move(verdict), slo, result.summary.client_check, profile.allow_saturated_client);
      verdict.point = point_name;
      verdict.stage = stage_name;
      verdicts.push_back(std::move(verdict));
    }
  }
  return verdicts;
}

/// One probe of a capacity search, as tried.
struct Probe {
  double value = 0;
  PointRun run;
  bool passed = false;
};

std::string value_text(double value, bool rate) {
  return rate ? fmt::format("{:.4g}/s", value) : fmt::format("{:.0f}", value);
}

/// The tightest SLO margin of a probe (relative), if any.
std::optional<double> worst_margin(const Probe& p) {
  std::optional<double> worst;
  for (const auto& v : p.run.verdicts) {
    if (v.margin) worst = worst ? std::min(*worst, *v.margin) : *v.margin;
  }
  return worst;
}

bool all_passed(const PointRun& run) {
  return run.code == kExitOk &&
         std::all_of(run.verdicts.begin(), run.verdicts.end(), [](const SloVerdict& v) { return v.passed; });
}

/// The profile with the searched stage's rate or concurrency set to `value`.
config::Profile probe_profile(const config::Profile& profile, double value) {
  config::Profile probe = profile;
  auto& stage = probe.stages[profile.search->stage];
  if (profile.search->over == "rate") stage.rate = value;
  else stage.concurrency = static_cast<std::int64_t>(value);
  return probe;
}

/// Every probe in the order tried, then the curve by value.
void print_probes(const config::ProfileSearch& search, const std::string& stage, const std::vector<Probe>& probes,
                  const std::vector<const Probe*>& curve, std::FILE* out) {
  const bool rate = search.over == "rate";
  fmt::print(out, "\n== capacity search: {} of stage '{}' ==\n", search.over, stage);
  fmt::print(out, "{:>4}  {:>12}  {:<6}  {}\n", "run", search.over, "result", "tightest SLO margin");
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const auto m = worst_margin(probes[i]);
    fmt::print(out, "{:>4}  {:>12}  {:<6}  {}\n", i + 1, value_text(probes[i].value, rate),
               probes[i].passed ? "pass" : (probes[i].run.code != kExitOk ? "error" : "fail"),
               m ? fmt::format("{:+.1f}%", *m * 100) : "-");
  }
  fmt::print(out, "curve (by {}):\n", search.over);
  for (const Probe* p : curve) {
    std::string measured;
    for (const auto& v : p->run.verdicts) {
      if (!v.measured) continue;
      std::string name = v.slo.substr(0, v.slo.find_first_of("<>"));
      while (!name.empty() && name.back() == ' ') name.pop_back();
      measured += fmt::format("  {} = {:.4g}", name, *v.measured);
    }
    fmt::print(out, "  {:>12}  {}{}\n", value_text(p->value, rate), p->passed ? "pass" : "fail", measured);
  }
}

void write_probe(core::JsonWriter& w, const Probe& p, std::size_t order) {
  w.begin_object();
  w.field("run", static_cast<std::int64_t>(order));
  w.field("value", p.value);
  w.field("passed", p.passed);
  w.field("exit_code", static_cast<std::int64_t>(p.run.code));
  w.key("slos").begin_array();
  for (const auto& v : p.run.verdicts) {
    w.begin_object();
    w.field("stage", v.stage);
    w.field("slo", v.slo);
    w.field("passed", v.passed);
    if (v.measured) w.field("measured", *v.measured);
    if (v.margin) w.field("margin", *v.margin);
    w.field("detail", v.detail);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

/// The answer on the console and in the JSON: the highest passing value, with the first
/// failing one and the resolution between them.
void report_answer(core::JsonWriter& w, const config::ProfileSearch& search, const CapacitySearch& state,
                   const Probe* answer, std::FILE* out) {
  const bool rate = search.over == "rate";
  const auto fail = state.lowest_failing();
  w.key("answer");
  if (answer == nullptr) {
    w.null();
    fmt::print(out, "answer: none; even {} misses an SLO\n", value_text(search.from, rate));
    return;
  }
  const auto margin = worst_margin(*answer);
  w.begin_object();
  w.field("value", answer->value);
  if (fail) w.field("first_failing", *fail);
  else w.key("first_failing").null();
  if (fail) w.field("resolution", rate ? (*fail - answer->value) / answer->value : *fail - answer->value);
  if (margin) w.field("slo_margin", *margin);
  w.end_object();
  fmt::print(out, "answer: the highest {} meeting every SLO is {}", search.over, value_text(answer->value, rate));
  if (fail) {
    fmt::print(out, " ({} missed one: the answer lies within {})", value_text(*fail, rate),
               rate ? fmt::format("{:.1f}%", (*fail - answer->value) / answer->value * 100)
                    : fmt::format("{:.0f} streams", *fail - answer->value));
  } else {
    fmt::print(out, " (the top of the range; the capacity may be higher)");
  }
  if (margin) fmt::print(out, "; tightest SLO margin there {:+.1f}%", *margin * 100);
  fmt::print(out, "\n");
}

/// search.json: the settings, every probe in order, the curve and the answer.
std::string search_json(const config::ProfileSearch& search, const std::string& stage, const CapacitySearch& state,
                        const std::vector<Probe>& probes, const std::vector<const Probe*>& curve,
                        const Probe* answer, std::FILE* out) {
  std::string json;
  core::JsonWriter w(json);
  w.begin_object();
  w.field("over", search.over);
  w.field("stage", stage);
  w.field("from", search.from);
  w.field("to", search.to);
  w.field("max_runs", search.max_runs);
  w.field("tolerance", search.tolerance);
  w.key("points").begin_array();
  for (std::size_t i = 0; i < probes.size(); ++i) write_probe(w, probes[i], i + 1);
  w.end_array();
  w.key("curve").begin_array();
  for (const Probe* p : curve) write_probe(w, *p, static_cast<std::size_t>(p - probes.data()) + 1);
  w.end_array();
  report_answer(w, search, state, answer, out);
  w.end_object();
  json += "\n";
  return json;
}

}  // namespace

namespace {

/// What one stage (all its repeats) gave.
struct StageOutcome {
  int code = kExitOk;
  bool stopped_early = false;
  std::vector<SloVerdict> verdicts;
  std::vector<MeasuredStage> measured;
};

/// One run of a stage: its plan, its soak outputs, the run, its SLO verdicts (those on an
/// aggregate left out when `repeated`). `summary` receives the run's summary when measured.
StageOutcome run_stage_once(const config::Profile& profile, const config::ProfileStage& stage, const std::string& base,
                            const RunIdentity& point, const std::string& verdict_stage, const std::string& repeat,
                            std::optional<metrics::RunSummary>& summary, std::FILE* out, std::FILE* err,
                            live::LiveMetrics* live) {
  StageOutcome outcome;
  const std::string& point_name = point.name;
  const bool repeated = !repeat.empty();
  // Every run is labelled with its name, so reports of all runs tell them apart; the series
  // and swept values tell the reports which runs may be compared.
  const config::StageOutputs outputs{profile.outputs.dir, base + ".json", run_name(profile, point, stage, repeat)};
  auto plan = config::resolve_stage(profile, stage, outputs);
  if (!plan) {
    fmt::print(err, "llmload run: stage '{}': {}\n", stage.name, plan.error().message);
    outcome.code = kExitUsage;
    return outcome;
  }
  // A shard's interval files carry its shard in their names, as its result does.
  const std::string files = plan->shard ? config::shard_file_name(base, *plan->shard) : base + ".json";
  SoakOutputs soak(profile.outputs.dir, files.substr(0, files.size() - 5), stage.name, out, err);
  StageHooks hooks;
  hooks.live = live;
  hooks.live_stage = stage.name;
  if (!plan->shard || plan->shard->rank == 0) hooks.events = stage.events;  // rank 0 runs the disruptions
  hooks.series = profile.source + "#" + stage.name;
  hooks.sweep = point.sweep;
  if (!stage.warmup) {
    hooks.interval = profile.outputs.interval;
    hooks.on_interval = [&soak](const runtime::IntervalReport& r) { soak.add(r); };
  }
  const StageRun stage_run = run_stage(*plan, out, err, hooks);
  // The server's spans came after the intervals were written: their part means go in now.
  if (stage_run.result && stage_run.breakdown) soak.fill_in(stage_run.result->summary);
  if (stage_run.code == kExitUsage) {
    outcome.code = kExitUsage;
    return outcome;
  }
  if (stage_run.code != kExitOk || soak.failed()) {
    fmt::print(err, "llmload run: stage '{}' could not complete (exit {})\n", stage.name, stage_run.code);
    outcome.code = kExitCannotRun;
    return outcome;
  }
  outcome.stopped_early = stage_run.result->output.stopped_early.has_value();
  if (stage.warmup) return outcome;
  outcome.measured.push_back(measured_stage(stage_run, point_name, stage.name));
  outcome.measured.back().name = outputs.label;
  outcome.measured.back().verdict_stage = verdict_stage;
  if (plan->shard) {
    if (!profile.slos.empty()) {
      fmt::print(out, "llmload run: the SLOs are not checked on one shard's share of the load; merge the stage's "
                      "shards (llmload merge) and read the merged figures\n");
    }
    return outcome;  // neither verdicts nor a summary for a repeat's aggregate: a shard holds a part
  }
  outcome.verdicts = check_stage(profile, stage_run, point_name, stage, repeated);
  for (auto& v : outcome.verdicts) v.stage = verdict_stage;
  summary = stage_run.result->summary;
  return outcome;
}

/// `repeat: N`: the stage N times (the seed + i for run i unless repeat_seed: same), then the
/// aggregate on the console and in `<base>-aggregate.json`, and the SLOs that ask for it.
StageOutcome run_stage_repeated(const config::Profile& profile, const config::ProfileStage& stage,
                                std::int64_t repeats, const std::string& base, const RunIdentity& point,
                                std::FILE* out, std::FILE* err, live::LiveMetrics* live) {
  const std::string& point_name = point.name;
  StageOutcome all;
  std::vector<metrics::RunSummary> summaries;
  Aggregate aggregate;
  const bool same_seed = stage.repeat_same_seed.value_or(profile.repeat_same_seed);
  for (std::int64_t r = 0; r < repeats; ++r) {
    config::Profile copy = profile;
    if (!same_seed) copy.workload.seed = profile.workload.seed + static_cast<std::uint64_t>(r);
    fmt::print(out, "\n-- stage '{}': run {}/{} (seed {}) --\n", stage.name, r + 1, repeats, copy.workload.seed);
    std::fflush(out);
    std::optional<metrics::RunSummary> summary;
    auto one = run_stage_once(copy, stage, fmt::format("{}-run{}", base, r + 1), point,
                              fmt::format("{} (run {}/{})", stage.name, r + 1, repeats),
                              fmt::format("(run {}/{})", r + 1, repeats), summary, out, err, live);
    if (one.code != kExitOk) return one;
    aggregate.seeds.push_back(copy.workload.seed);
    aggregate.results.push_back(one.measured.empty() ? "" : one.measured.front().result_path);
    aggregate.stopped_early += one.stopped_early ? 1 : 0;
    all.stopped_early = all.stopped_early || one.stopped_early;
    std::move(one.verdicts.begin(), one.verdicts.end(), std::back_inserter(all.verdicts));
    std::move(one.measured.begin(), one.measured.end(), std::back_inserter(all.measured));
    if (summary) summaries.push_back(std::move(*summary));
  }
  if (stage.warmup || summaries.empty()) return all;
  std::vector<const metrics::RunSummary*> pointers;
  for (const auto& s : summaries) pointers.push_back(&s);
  Aggregate computed = aggregate_runs(pointers);
  computed.seeds = std::move(aggregate.seeds);
  computed.results = std::move(aggregate.results);
  computed.stopped_early = aggregate.stopped_early;
  fmt::print(out, "\n{}", format_aggregate(computed, fmt::format("stage '{}'", stage.name)));
  const auto path = std::filesystem::path(profile.outputs.dir) / (base + "-aggregate.json");
  if (auto written = core::write_file_atomic(path, aggregate_json(computed)); !written) {
    fmt::print(err, "llmload run: {}\n", written.error().message);
    all.code = kExitCannotRun;
    return all;
  }
  fmt::print(out, "Aggregate of {} runs: {}\n", repeats, path.string());
  for (const auto& slo : profile.slos) {
    if (slo.on.empty() || !(slo.max || slo.min)) continue;
    SloVerdict v = check_slo_aggregate(slo, computed);
    v.point = point_name;
    v.stage = stage.name;
    all.verdicts.push_back(std::move(v));
  }
  return all;
}

}  // namespace

PointRun run_point(const config::Profile& profile, const std::string& prefix, const RunIdentity& point,
                   const std::string& heading, std::FILE* out, std::FILE* err, live::LiveMetrics* live) {
  PointRun run;
  const auto& stages = profile.stages;
  for (std::size_t j = 0; j < stages.size(); ++j) {
    const auto& stage = stages[j];
    fmt::print(out, "\n== llmload run: {}stage {}/{} '{}'{} ==\n", heading, j + 1, stages.size(), stage.name,
               stage.cooldown ? " (cool-down, not checked)" : stage.warmup ? " (warm-up, not checked)" : "");
    std::fflush(out);
    const std::string base = fmt::format("{}-{:02}-{}", prefix, j + 1, slug(stage.name));
    const std::int64_t repeats = stage.repeat.value_or(profile.repeat);
    std::optional<metrics::RunSummary> summary;
    StageOutcome outcome = repeats > 1 ? run_stage_repeated(profile, stage, repeats, base, point, out, err, live)
                                       : run_stage_once(profile, stage, base, point, stage.name, "", summary, out,
                                                        err, live);
    if (outcome.code != kExitOk) {
      run.code = outcome.code;
      return run;
    }
    std::move(outcome.measured.begin(), outcome.measured.end(), std::back_inserter(run.stages));
    std::move(outcome.verdicts.begin(), outcome.verdicts.end(), std::back_inserter(run.verdicts));
    if (outcome.stopped_early && j + 1 < stages.size()) {
      fmt::print(out, "llmload run: stage '{}' stopped early; the {} stage(s) after it are not run\n", stage.name,
                 stages.size() - j - 1);
      break;
    }
  }
  return run;
}

int run_search(const config::Profile& profile, std::vector<SloVerdict>& verdicts, std::FILE* out, std::FILE* err,
               live::LiveMetrics* live) {
  const config::ProfileSearch& search = *profile.search;
  const bool rate = search.over == "rate";
  const std::string& stage = profile.stages[search.stage].name;
  CapacitySearch state(search);
  std::vector<Probe> probes;
  probes.reserve(static_cast<std::size_t>(std::max<std::int64_t>(search.max_runs, 2)));
  while (const auto value = state.next()) {
    Probe p;
    p.value = *value;
    const std::string name = fmt::format("{}={}", search.over, value_text(*value, rate));
    const RunIdentity point{name, {{search.over, value_text(*value, rate)}}};
    p.run = run_point(probe_profile(profile, *value), fmt::format("search-{:02}", probes.size() + 1), point,
                      fmt::format("search run {}/{} ({}), ", probes.size() + 1, search.max_runs, name), out, err,
                      live);
    if (p.run.code == kExitUsage) return kExitUsage;
    if (probes.empty() && p.run.code == kExitCannotRun) return kExitCannotRun;
    p.passed = all_passed(p.run);
    fmt::print(out, "search: {} {}\n", name, p.passed ? "meets every SLO" : "misses an SLO");
    for (const auto& v : p.run.verdicts) {
      fmt::print(out, "{} {}{}: {} ({})\n", v.passed ? "PASS" : "FAIL", v.stage, " [" + v.point + "]", v.slo, v.detail);
    }
    state.record(*value, p.passed);
    probes.push_back(std::move(p));
  }
  std::vector<const Probe*> curve;
  for (const auto& p : probes) curve.push_back(&p);
  std::sort(curve.begin(), curve.end(), [](const Probe* a, const Probe* b) { return a->value < b->value; });
  print_probes(search, stage, probes, curve, out);
  const Probe* answer = nullptr;
  for (const auto& p : probes) {
    if (state.highest_passing() && p.value == *state.highest_passing()) answer = &p;
  }
  const std::string json = search_json(search, stage, state, probes, curve, answer, out);
  verdicts = answer != nullptr ? answer->run.verdicts : probes.front().run.verdicts;
  const auto json_path = std::filesystem::path(profile.outputs.dir) / "search.json";
  if (auto written = core::write_file_atomic(json_path, json); !written) {
    fmt::print(err, "llmload run: {}\n", written.error().message);
    return kExitCannotRun;
  }
  fmt::print(out, "search results: {}\n", json_path.string());
  return kExitOk;
}

}  // namespace llmload::app
