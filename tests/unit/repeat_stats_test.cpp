// Statistics over repeated runs: Student t quantiles, mean/std/CV/95% interval against values
// computed by hand (scipy.stats.t.ppf(0.975, df) for the quantiles), the aggregate of run
// summaries by result-file key, its JSON, SLOs on the interval's bounds, and compare reading
// aggregate files.
#include "llmload/app/repeat.hpp"
#include "llmload/app/slo.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/metrics/repeat_stats.hpp"
#include "llmload/metrics/sample_stats.hpp"
#include "llmload/report/compare.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace llmload {
namespace {

TEST(RepeatStats, StudentQuantilesMatchTheTableAndTheLimit) {
  EXPECT_DOUBLE_EQ(metrics::student_t_975(1), 12.7062);
  EXPECT_DOUBLE_EQ(metrics::student_t_975(4), 2.7764);
  EXPECT_DOUBLE_EQ(metrics::student_t_975(30), 2.0423);
  EXPECT_NEAR(metrics::student_t_975(31), 2.0395, 1e-4);   // scipy: 2.039513
  EXPECT_NEAR(metrics::student_t_975(60), 2.0003, 1e-4);   // 2.000298
  EXPECT_NEAR(metrics::student_t_975(1000), 1.9623, 1e-4); // 1.962339
  EXPECT_TRUE(std::isnan(metrics::student_t_975(0)));
}

TEST(RepeatStats, MeanStdCvAndInterval) {
  const std::vector<double> v{50.2, 50.6, 50.4, 50.9, 50.4};
  const auto s = metrics::repeat_stat(v);
  EXPECT_EQ(s.n, 5);
  EXPECT_NEAR(s.mean, 50.5, 1e-12);
  // Sample std: sqrt((0.09 + 0.01 + 0.01 + 0.16 + 0.01) / 4) = sqrt(0.07).
  EXPECT_NEAR(s.std, std::sqrt(0.07), 1e-12);
  EXPECT_NEAR(s.cv, std::sqrt(0.07) / 50.5, 1e-12);
  const double half = 2.7764 * std::sqrt(0.07) / std::sqrt(5.0);
  EXPECT_NEAR(s.ci_low, 50.5 - half, 1e-12);
  EXPECT_NEAR(s.ci_high, 50.5 + half, 1e-12);
  EXPECT_EQ(s.values, v);
  const auto one = metrics::repeat_stat(std::vector<double>{3.0});
  EXPECT_EQ(one.std, 0);
  EXPECT_EQ(one.ci_low, 3.0);
  EXPECT_EQ(one.ci_high, 3.0);
}

metrics::RunSummary summary(double mean_ttft, double p99_ttft, std::int64_t completed, std::int64_t failed) {
  metrics::RunSummary s;
  s.completed = completed;
  s.failed = failed;
  s.request_throughput = static_cast<double>(completed) / 10.0;
  s.ttft_ms.count = static_cast<std::size_t>(completed);
  s.ttft_ms.mean = mean_ttft;
  s.ttft_ms.median = mean_ttft;
  s.ttft_ms.percentiles = {{99, p99_ttft}};
  return s;
}

TEST(RepeatStats, AggregateOfSummariesByResultKeyAndSloOnItsBounds) {
  const auto a = summary(50.2, 60, 100, 0), b = summary(50.6, 64, 98, 2), c = summary(50.4, 62, 99, 1);
  const auto agg = app::aggregate_runs({&a, &b, &c});
  EXPECT_EQ(agg.runs, 3);
  ASSERT_NE(agg.find("mean_ttft_ms"), nullptr);
  EXPECT_NEAR(agg.find("mean_ttft_ms")->stat.mean, 50.4, 1e-12);
  ASSERT_NE(agg.find("p99_ttft_ms"), nullptr);
  EXPECT_NEAR(agg.find("p99_ttft_ms")->stat.mean, 62, 1e-12);
  EXPECT_NEAR(agg.find("p99_ttft_ms")->stat.std, 2, 1e-12);
  EXPECT_NEAR(agg.find("error_rate")->stat.mean, (0 + 0.02 + 0.01) / 3, 1e-12);
  EXPECT_EQ(agg.find("mean_tpot_ms"), nullptr);  // no TPOT samples in these summaries
  // p99 interval: 62 ± 4.3027 × 2 / √3 = [57.03, 66.97].
  config::ProfileSlo slo;
  slo.metric = "ttft";
  slo.stat = "p99";
  slo.max = 65;
  slo.on = "ci_upper";
  const auto upper = app::check_slo_aggregate(slo, agg);
  EXPECT_FALSE(upper.passed);
  EXPECT_NEAR(*upper.measured, 62 + 4.3027 * 2 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(upper.slo, "ttft p99 <= 65 ms on ci_upper of 3 runs");
  slo.on = "mean";
  EXPECT_TRUE(app::check_slo_aggregate(slo, agg).passed);
  slo.on = "ci_lower";
  EXPECT_TRUE(app::check_slo_aggregate(slo, agg).passed);
  EXPECT_EQ(app::slo_key(slo), "p99_ttft_ms");
  const std::string json = app::aggregate_json(agg);
  EXPECT_TRUE(json.starts_with(R"({"llmload_aggregate":{"version":1,"runs":3,)")) << json;
  EXPECT_NE(json.find(R"("p99_ttft_ms":{"mean":62.0,"std":2.0,)"), std::string::npos) << json;
  EXPECT_NE(app::format_aggregate(agg, "t").find("p99_ttft_ms"), std::string::npos);
  EXPECT_EQ(app::repeat_file_name("out/r.json", "run2"), "out/r-run2.json");
  EXPECT_EQ(app::repeat_file_name("repeat-1", "aggregate"), "repeat-1-aggregate.json");
}

TEST(RepeatStats, CompareReadsAggregatesAndJudgesByOverlappingIntervals) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmload-agg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto a = summary(50.2, 60, 100, 0), b = summary(50.6, 64, 100, 0), c = summary(50.4, 62, 100, 0);
  const auto slow1 = summary(80.2, 90, 100, 0), slow2 = summary(80.6, 94, 100, 0), slow3 = summary(80.4, 92, 100, 0);
  std::ofstream(dir / "a.json") << app::aggregate_json(app::aggregate_runs({&a, &b, &c}));
  std::ofstream(dir / "b.json") << app::aggregate_json(app::aggregate_runs({&slow1, &slow2, &slow3}));
  std::ofstream(dir / "a2.json") << app::aggregate_json(app::aggregate_runs({&b, &c, &a}));
  EXPECT_TRUE(report::is_aggregate_file((dir / "a.json").string()));
  auto ra = report::read_compared_run((dir / "a.json").string());
  ASSERT_TRUE(ra) << ra.error().message;
  EXPECT_EQ(ra->name, "a.json (3 runs)");
  EXPECT_NEAR(*ra->value("mean_ttft_ms"), 50.4, 1e-12);
  ASSERT_TRUE(ra->interval("mean_ttft_ms"));
  auto rb = report::read_compared_run((dir / "b.json").string());
  auto ra2 = report::read_compared_run((dir / "a2.json").string());
  ASSERT_TRUE(rb && ra2);
  const std::string worse = report::format_comparison({*ra, *rb}, {}, false);
  EXPECT_NE(worse.find("worse"), std::string::npos) << worse;
  // Same values in another order: the mean is identical, the std too: no change at all.
  const std::string same = report::format_comparison({*ra, *ra2}, {}, false);
  EXPECT_EQ(same.find("worse"), std::string::npos) << same;
  std::ofstream(dir / "bad.json") << R"({"llmload_aggregate": {}, "metrics": {"x": {"mean": 1}}})";
  const auto bad = report::read_compared_run((dir / "bad.json").string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("metric 'x' needs mean, ci95_low and ci95_high"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(RepeatStats, ProfileRepeatSeedSloOnAndMetricsPortAreReadAndChecked) {
  const auto ok = config::parse_profile(R"(repeat: 3
repeat_seed: same
load:
  stages:
    - {rate: 5/s, requests: 10, repeat: 5, repeat_seed: different}
    - {rate: 5/s, requests: 10}
slo:
  - {metric: ttft, stat: p99, max: 500ms, on: ci_upper}
outputs: {metrics_port: 9464}
)", "p.yaml");
  ASSERT_TRUE(ok.profile) << config::format_problems(ok.problems);
  EXPECT_EQ(ok.profile->repeat, 3);
  EXPECT_TRUE(ok.profile->repeat_same_seed);
  EXPECT_EQ(ok.profile->stages[0].repeat, 5);
  EXPECT_EQ(ok.profile->stages[0].repeat_same_seed, false);
  EXPECT_FALSE(ok.profile->stages[1].repeat);
  EXPECT_EQ(ok.profile->slos[0].on, "ci_upper");
  EXPECT_EQ(ok.profile->outputs.metrics_port, 9464);
  const auto bad = config::parse_profile(R"(repeat: 0
load:
  stages:
    - {rate: 5/s, requests: 10, repeat_seed: sometimes}
slo:
  - {metric: ttft, stat: p99, max_drift: 10%, on: ci_top}
outputs: {metrics_port: 70000}
)", "p.yaml");
  EXPECT_EQ(config::format_problems(bad.problems),
            "p.yaml:1:9: 'profile.repeat' is 0; it must be between 1 and 1000\n"
            "p.yaml:4:46: 'load.stages.0.repeat_seed' is 'sometimes'; choose one of same, different\n"
            "p.yaml:6:51: 'slo.0.on' is 'ci_top'; choose one of mean, ci_lower, ci_upper\n"
            "p.yaml:6:51: 'slo.0.on' applies to a max or min bound\n"
            "p.yaml:7:25: 'outputs.metrics_port' is 70000; it must be between 0 and 65535\n");
}

}  // namespace
}  // namespace llmload
