// SLO checks on a stage's summary in memory, drift over interval histograms, JUnit XML.
#include "llmload/app/slo.hpp"

#include "llmload/metrics/hdr_histogram.hpp"
#include "llmload/metrics/interval_recorder.hpp"

#include <gtest/gtest.h>

namespace llmload::app {
namespace {

/// A stage's summary: 98 of 100 requests, TTFT mean 120 ms and p99 612.3 ms, ITL p99.9
/// 80 ms; no E2EL percentile was computed.
metrics::RunSummary summary() {
  metrics::RunSummary s;
  s.completed = 98;
  s.failed = 2;
  s.request_throughput = 4.5;
  s.output_throughput = 450.0;
  s.ttft_ms.mean = 120.0;
  s.ttft_ms.percentiles = {{99, 612.3}};
  s.itl_ms.percentiles = {{99.9, 80.0}};
  return s;
}
const metrics::RunSummary kResult = summary();

config::ProfileSlo slo(std::string metric, std::string stat, std::optional<double> max,
                       std::optional<double> min = std::nullopt) {
  config::ProfileSlo s;
  s.metric = std::move(metric);
  s.stat = std::move(stat);
  s.max = max;
  s.min = min;
  return s;
}

TEST(Slo, OnAPartOfTheServerTraceBreakdown) {
  metrics::RunSummary with = summary();
  metrics::SampleStats queue;
  queue.count = 100;
  queue.mean = 40.0;
  queue.percentiles = {{50, 30.0}, {99, 250.0}};
  with.extra_latency_ms.emplace_back("server_queue_time", queue);
  auto v = check_slo(slo("server_queue_time", "p99", 200), with);
  EXPECT_EQ(v.slo, "server_queue_time p99 <= 200 ms");
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "measured 250.00 ms, 50.00 ms over the limit");
  EXPECT_TRUE(check_slo(slo("server_queue_time", "mean", 200), with).passed);
  // No span joined (or no receiver): the SLO has nothing to pass on.
  v = check_slo(slo("server_queue_time", "p99", 200), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "the result has no value for it");
}

TEST(Slo, LatencySloWithMargin) {
  auto v = check_slo(slo("ttft", "p99", 500), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.slo, "ttft p99 <= 500 ms");
  EXPECT_EQ(v.detail, "measured 612.30 ms, 112.30 ms over the limit");
  v = check_slo(slo("ttft", "mean", 500), kResult);
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.detail, "measured 120.00 ms, margin 380.00 ms");
  EXPECT_TRUE(check_slo(slo("itl", "p99.9", 100), kResult).passed);
}

TEST(Slo, ErrorRateAndThroughput) {
  auto v = check_slo(slo("error_rate", "", 0.01), kResult);
  EXPECT_FALSE(v.passed);  // 2 of 100
  EXPECT_EQ(v.detail, "measured 2%, 1% over the limit");
  v = check_slo(slo("request_throughput", "", std::nullopt, 5.0), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "measured 4.50/s, 0.50/s under the limit");
  EXPECT_TRUE(check_slo(slo("output_throughput", "", std::nullopt, 400.0), kResult).passed);
}

TEST(Slo, MissingValueFails) {
  const auto v = check_slo(slo("e2el", "p99", 1000), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "the result has no value for it");
}

TEST(Slo, GoodputSloReadsRequestGoodput) {
  metrics::RunSummary result;
  result.completed = 10;
  result.request_goodput = 3.5;
  auto v = check_slo(slo("goodput", "", std::nullopt, 3.0), result);
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.slo, "goodput >= 3/s");
  EXPECT_EQ(v.detail, "measured 3.50/s, margin 0.50/s");
  ASSERT_TRUE(v.margin);
  EXPECT_NEAR(*v.margin, 0.5 / 3.0, 1e-12);
  v = check_slo(slo("goodput", "", std::nullopt, 4.0), result);
  EXPECT_FALSE(v.passed);
  EXPECT_NEAR(*v.margin, -0.125, 1e-12);
}

// Interval histograms (µs) with `count` samples of `value_us` each, encoded as in the .hlog.
std::vector<std::string> intervals(std::initializer_list<std::int64_t> values_us, int count = 100) {
  std::vector<std::string> out;
  for (const auto v : values_us) {
    metrics::HdrHistogram h(metrics::interval_histogram_config());
    if (v > 0) h.record(v, count);
    out.push_back(h.encode_compressed_base64());
  }
  return out;
}

config::ProfileSlo drift_slo(double max_drift) {
  auto s = slo("ttft", "p99", std::nullopt);
  s.max_drift = max_drift;
  return s;
}

TEST(Slo, DriftComparesTheFirstAndLastQuarterOfIntervals) {
  // 8 intervals with samples (the empty one is skipped): k = 2; early = 100, 100 ms; late =
  // 118, 130 ms -> p99 of the late merge is 130 ms: +30%.
  const auto ivs = intervals({100'000, 100'000, 0, 500'000, 500'000, 500'000, 500'000, 118'000, 130'000});
  auto v = check_drift(drift_slo(0.2), ivs);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.slo, "ttft p99 drift <= 20%");
  ASSERT_TRUE(v.measured);
  EXPECT_NEAR(*v.measured, 0.30, 0.002);
  EXPECT_EQ(v.detail.substr(0, v.detail.find(", drift")),
            "early 100.03 ms (intervals 1-2), late 130.05 ms (intervals 7-8)");
  EXPECT_NE(v.detail.find("drift +30.0%, over the limit by 10.0 points"), std::string::npos) << v.detail;
  v = check_drift(drift_slo(0.35), ivs);
  EXPECT_TRUE(v.passed);
  EXPECT_NE(v.detail.find("margin 5.0 points"), std::string::npos) << v.detail;
  // Falling latency is negative drift and passes any limit.
  EXPECT_TRUE(check_drift(drift_slo(0.0), intervals({200'000, 100'000})).passed);
}

TEST(Slo, DriftNeedsTwoIntervalsWithSamples) {
  const auto v = check_drift(drift_slo(0.2), intervals({100'000, 0}));
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "needs at least 2 intervals with samples, the stage had 1; run it longer or shorten outputs.interval");
  EXPECT_FALSE(check_drift(drift_slo(0.2), {"not base64"}).passed);
}

TEST(Slo, AccuracyMinReadsTheScoredMean) {
  metrics::RunSummary s = summary();
  auto acc = slo("accuracy", "", std::nullopt, 0.6);
  auto none = check_slo(acc, s);
  EXPECT_FALSE(none.passed);
  EXPECT_NE(none.detail.find("no request was scored"), std::string::npos) << none.detail;
  s.answers = metrics::AnswerQuality{};
  s.answers->score = "vqa";
  s.answers->overall = {"", 200, 0.55};
  auto low = check_slo(acc, s);
  EXPECT_FALSE(low.passed);
  EXPECT_EQ(low.slo, "accuracy >= 0.6");
  EXPECT_EQ(low.detail, "measured 0.5500, 0.0500 under the limit");
  s.answers->overall.accuracy = 0.75;
  auto high = check_slo(acc, s);
  EXPECT_TRUE(high.passed);
  EXPECT_EQ(high.detail, "measured 0.7500, margin 0.1500");
  EXPECT_NEAR(high.margin.value_or(0), 0.25, 1e-12);
}

metrics::IntervalAnswers interval(double start, std::int64_t scored, std::optional<double> accuracy, double length = 1) {
  return {start, start + length, scored, 0, scored, accuracy};
}

TEST(Slo, AccuracyDropComparesTheFirstAndLastQuarterOfIntervals) {
  config::ProfileSlo drift;
  drift.metric = "accuracy";
  drift.max_drift = 0.2;
  // 8 intervals (one without scored requests, left out) and a short drain, left out too.
  std::vector<metrics::IntervalAnswers> intervals = {
      interval(0, 10, 0.9), interval(1, 30, 0.7), interval(2, 0, std::nullopt), interval(3, 10, 0.8),
      interval(4, 10, 0.8), interval(5, 10, 0.7), interval(6, 10, 0.5), interval(7, 10, 0.3),
      interval(8, 10, 0.4), interval(9, 5, 0.0, 0.2)};
  // n = 8, k = 2: early (10 × 0.9 + 30 × 0.7) / 40 = 0.75, late (0.3 + 0.4) / 2 = 0.35.
  auto v = check_accuracy_drift(drift, intervals);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.slo, "accuracy drop <= 20%");
  EXPECT_NEAR(v.measured.value_or(0), (0.75 - 0.35) / 0.75, 1e-12);
  EXPECT_EQ(v.detail, "early 0.7500 (intervals 1-2), late 0.3500 (intervals 7-8), drop +53.3%, over the limit by 33.3 points");
  drift.max_drift = 0.6;
  EXPECT_TRUE(check_accuracy_drift(drift, intervals).passed);
  // A rising accuracy has a negative drop.
  auto rising = check_accuracy_drift(drift, {interval(0, 10, 0.5), interval(1, 10, 0.9)});
  EXPECT_TRUE(rising.passed);
  EXPECT_LT(rising.measured.value_or(0), 0);
  auto few = check_accuracy_drift(drift, {interval(0, 10, 0.5), interval(1, 0, std::nullopt)});
  EXPECT_FALSE(few.passed);
  EXPECT_NE(few.detail.find("needs at least 2 intervals with scored requests, the stage had 1"), std::string::npos);
}

TEST(Slo, JunitXmlGolden) {
  std::vector<SloVerdict> verdicts{{"", "steady", "ttft p99 <= 500 ms", true, "measured 1 ms, margin 499 ms"},
                                   {"load.stages.0.rate=2", "steady", "error_rate <= 1%", false, "measured 2%, 1% over the limit"}};
  EXPECT_EQ(junit_xml("p.yaml", verdicts),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites tests=\"2\" failures=\"1\">\n"
            "  <testsuite name=\"p.yaml\" tests=\"2\" failures=\"1\">\n"
            "    <testcase classname=\"steady\" name=\"ttft p99 &lt;= 500 ms\"><system-out>measured 1 ms, margin 499 ms</system-out></testcase>\n"
            "    <testcase classname=\"steady [load.stages.0.rate=2]\" name=\"error_rate &lt;= 1%\"><failure message=\"measured 2%, 1% over the limit\"/></testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

}  // namespace
}  // namespace llmload::app
