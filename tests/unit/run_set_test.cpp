// Named runs and honest conclusions in the reports of several runs: which runs may be judged
// better or worse, which get a sweep's curve, when a capacity knee is named (with its
// evidence), the runs table; golden Markdown for a 4-point named sweep and a 5-scenario
// suite built from the synthetic run (no server).
#include "llmload/report/run_set.hpp"

#include "llmload/report/html_report.hpp"
#include "llmload/report/runs_table.hpp"
#include "report_fixture.hpp"

#include <gtest/gtest.h>

namespace llmload::report {
namespace {

/// A saved result of the synthetic run as a profile's run: named, in `series`, at `sweep`.
ReportRun profile_run(double slowdown, double rate, const std::string& name, const std::string& series,
                      std::vector<std::pair<std::string, std::string>> sweep) {
  auto run = testing::synthetic_run(slowdown, rate, name);
  run.info.series = series;
  run.info.sweep = std::move(sweep);
  auto parsed = parse_report_run(result_json(run.summary, run.info, true), name + ".json");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? std::move(*parsed) : ReportRun{};
}

/// A rate-sweep point from its figures alone.
ReportRun rate_point(double offered, double achieved, double completed, double seconds, double ttft_p99) {
  ReportRun r;
  r.numbers.name = fmt::format("rate={:g}/s", offered);
  r.series = "sweep.yaml#steady";
  r.sweep = {{"load.stages.0.rate", fmt::format("{:g}", offered)}};
  r.request_rate = offered;
  r.numbers.values = {{"completed", completed},        {"failed", 0},
                      {"duration", seconds},           {"request_throughput", achieved},
                      {"p99_ttft_ms", ttft_p99},       {"median_e2el_ms", ttft_p99 * 4}};
  return r;
}

std::vector<ReportRun> named_sweep() {
  std::vector<ReportRun> runs;
  for (const double rate : {5.0, 10.0, 20.0, 40.0}) {
    runs.push_back(profile_run(1.0 + rate / 40, rate, fmt::format("rate={:g}/s", rate), "sweep.yaml#steady",
                               {{"load.stages.0.rate", fmt::format("{:g}", rate)}}));
  }
  return runs;
}

std::vector<ReportRun> scenario_suite() {
  const char* names[] = {"short-qa", "long-answer", "one-image", "document", "math"};
  std::vector<ReportRun> runs;
  for (int i = 0; i < 5; ++i) {
    runs.push_back(profile_run(1.0 + i * 0.4, 20, names[i], "suite.yaml#scenario",
                               {{"workload", fmt::format("{{dataset: random, output_len: {}}}", 32 << i)}}));
  }
  return runs;
}

TEST(RunSet, PointsOfOneSweepAreASweep) {
  const RunSet set = classify_runs(named_sweep());
  EXPECT_EQ(set.kind, RunSetKind::kSweep);
  EXPECT_EQ(set.axis, "load.stages.0.rate");
  EXPECT_TRUE(set.rate_axis);
  EXPECT_TRUE(set.comparable());
}

TEST(RunSet, ScenariosAreSideBySide) {
  const RunSet set = classify_runs(scenario_suite());
  EXPECT_EQ(set.kind, RunSetKind::kSideBySide);
  EXPECT_FALSE(set.comparable());
  EXPECT_NE(set.why.find("different scenarios"), std::string::npos) << set.why;
}

TEST(RunSet, DifferentStagesOrTwoSweptValuesAreSideBySide) {
  auto a = rate_point(2, 2, 100, 50, 10), b = rate_point(2, 2, 100, 50, 10);
  b.series = "sweep.yaml#closed";
  EXPECT_EQ(classify_runs({a, b}).kind, RunSetKind::kSideBySide);
  auto c = rate_point(2, 2, 100, 50, 10), d = rate_point(2, 2, 100, 50, 10);
  c.sweep = {{"request.temperature", "0.7"}, {"request.top_p", "0.9"}};
  d.sweep = {{"request.temperature", "1.0"}, {"request.top_p", "1.0"}};
  EXPECT_EQ(classify_runs({c, d}).kind, RunSetKind::kSideBySide);
  d.sweep[1].second = "0.9";
  const RunSet one = classify_runs({c, d});
  EXPECT_EQ(one.kind, RunSetKind::kSweep);
  EXPECT_EQ(one.axis, "request.temperature");
  EXPECT_FALSE(one.rate_axis);
}

TEST(RunSet, BeforeAfterAtTheSameRateIsTheSameAndHasNoKnee) {
  // Two bench results of one workload at 16 RPS, the second slower: comparable, no sweep.
  std::vector<ReportRun> pair;
  for (const char* name : {"before", "after"}) {
    auto parsed = parse_report_run(testing::synthetic_result(name[0] == 'a' ? 1.5 : 1.0, 16, name), name);
    ASSERT_TRUE(parsed) << parsed.error().message;
    pair.push_back(std::move(*parsed));
  }
  const RunSet set = classify_runs(pair);
  EXPECT_EQ(set.kind, RunSetKind::kSame);
  EXPECT_FALSE(capacity_knee(pair, set));
  const auto html = html_report(pair, testing::fixed_environment(), {});
  EXPECT_EQ(html.find("<h2>Sweep"), std::string::npos);
  EXPECT_EQ(html.find("Capacity knee"), std::string::npos);
  EXPECT_NE(html.find("after vs before"), std::string::npos);  // a before/after pair is judged
  const auto md = markdown_report(pair, testing::fixed_environment());
  EXPECT_EQ(md.find("knee"), std::string::npos);
}

TEST(RunSet, SmallPointsGetNoKnee) {
  // The case of the issue: a 10-request point that fell under 90% of its rate.
  const std::vector<ReportRun> runs = {rate_point(0.5, 0.5, 10, 20, 50), rate_point(1, 0.86, 10, 11.6, 52),
                                       rate_point(2, 1.9, 10, 5.2, 55)};
  const RunSet set = classify_runs(runs);
  ASSERT_EQ(set.kind, RunSetKind::kSweep);
  EXPECT_FALSE(capacity_knee(runs, set));
  EXPECT_NE(no_knee_reason(runs, set).find("completed 10 requests"), std::string::npos) << no_knee_reason(runs, set);
  const std::vector<ReportRun> two = {rate_point(1, 1, 100, 100, 50), rate_point(8, 4, 100, 25, 900)};
  EXPECT_FALSE(capacity_knee(two, classify_runs(two)));
  EXPECT_NE(no_knee_reason(two, classify_runs(two)).find("2 distinct finite rates"), std::string::npos);
}

TEST(RunSet, SixRateSweepPastSaturationNamesTheKneeWithEvidence) {
  const std::vector<ReportRun> runs = {rate_point(1, 1.0, 100, 100, 60),   rate_point(2, 1.99, 200, 100, 62),
                                       rate_point(4, 3.95, 400, 101, 70),  rate_point(8, 7.6, 800, 105, 95),
                                       rate_point(16, 9.8, 980, 100, 2400), rate_point(32, 10.1, 1010, 100, 9000)};
  const RunSet set = classify_runs(runs);
  const auto knee = capacity_knee(runs, set);
  ASSERT_TRUE(knee);
  EXPECT_EQ(knee->name, "rate=16/s");
  EXPECT_EQ(knee->before_name, "rate=8/s");
  EXPECT_EQ(knee->sentence(),
            "Capacity knee between 8 and 16 req/s offered: at rate=16/s the server completed 9.80 req/s of 16 offered "
            "(61%), at rate=8/s 7.60 of 8 (95%); P99 TTFT 95.0 ms → 2400.0 ms, median E2EL 380.0 ms → 9600.0 ms.");
  const auto html = html_report(runs, testing::fixed_environment(), {});
  EXPECT_NE(html.find("Capacity knee between 8 and 16"), std::string::npos);
  EXPECT_NE(html.find("data-name=\"sweep-latency\""), std::string::npos);
}

TEST(RunSet, RunsTableHasARowPerRunWithItsName) {
  auto runs = named_sweep();
  runs[2].slo_summary = "FAIL 1 of 2: ttft p99 <= 100 ms";
  const RunsTable t = runs_table(runs);
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.header.back(), "SLOs");
  EXPECT_EQ(t.rows[1][0], "rate=10/s");
  EXPECT_EQ(t.rows[1][1], "10");
  EXPECT_EQ(t.rows[0].back(), "-");
  const std::string text = format_runs_table(t);
  EXPECT_NE(text.find("rate=20/s"), std::string::npos);
  EXPECT_NE(text.find("FAIL 1 of 2"), std::string::npos);
}

// Names in every column, legend and per-category row; better/worse between the points.
TEST(RunSet, NamedSweepGolden) {
  const auto runs = named_sweep();
  const auto md = markdown_report(runs, testing::fixed_environment());
  for (const char* name : {"rate=5/s", "rate=10/s", "rate=20/s", "rate=40/s"}) {
    EXPECT_NE(md.find(fmt::format("| {} |", name)), std::string::npos) << name;
    EXPECT_NE(md.find(fmt::format("| {} / ocr |", name)), std::string::npos) << name;
  }
  EXPECT_EQ(md.find("sweep-point"), std::string::npos);
  EXPECT_NE(md.find("### 3.0 Runs"), std::string::npos);
  EXPECT_EQ(md.find("&#39;"), std::string::npos);
  testing::expect_golden("sweep_named.md", md);
  const auto html = html_report(runs, testing::fixed_environment(), {});
  EXPECT_NE(html.find("rate=40/s vs rate=5/s"), std::string::npos);
  EXPECT_NE(html.find("class=\"legend\""), std::string::npos);
  EXPECT_NE(html.find(">rate=20/s</text>"), std::string::npos);  // a legend entry by name
}

// Scenarios side by side: names everywhere, no better/worse, no sweep curve, limits once.
TEST(RunSet, ScenarioSuiteGolden) {
  const auto runs = scenario_suite();
  const auto md = markdown_report(runs, testing::fixed_environment());
  EXPECT_EQ(md.find(") worse"), std::string::npos);  // a change cell: "+1.2 (+5.0%) worse"
  EXPECT_EQ(md.find(") better"), std::string::npos);
  EXPECT_NE(md.find("| math / diagram |"), std::string::npos);
  EXPECT_NE(md.find("Shown side by side, without better or worse"), std::string::npos);
  // The measurement limit once, not once per scenario.
  const auto first = md.find("**Measurement**");
  EXPECT_EQ(md.find("**Measurement**", first + 1), std::string::npos);
  testing::expect_golden("suite_scenarios.md", md);
  const auto html = html_report(runs, testing::fixed_environment(), {});
  EXPECT_EQ(html.find(" vs short-qa"), std::string::npos);
  EXPECT_EQ(html.find("class=\"worse\""), std::string::npos);
  EXPECT_EQ(html.find("sweep-latency"), std::string::npos);
  EXPECT_NE(html.find(">long-answer</text>"), std::string::npos);
}

}  // namespace
}  // namespace llmload::report
