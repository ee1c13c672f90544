// vLLM's --probe-request-rate figures (metrics/probe_stats.hpp), its "Probe Requests" table
// section and probe_* result keys, and the probe request (runtime/probe_loop.hpp).
#include "llmload/metrics/probe_stats.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/runtime/probe_loop.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload {
namespace {

TEST(ProbeStats, NoSuccessfulProbeGivesNoFigures) {
  EXPECT_FALSE(metrics::probe_figures({}, 0).has_value());
  EXPECT_FALSE(metrics::probe_figures({}, 3).has_value());  // vLLM: `if probe_lats:` only
}

TEST(ProbeStats, MedianP99AndMaxAsNumpy) {
  // numpy: median([4, 1, 3, 2]) = 2.5; percentile(..., 99) = 3 + 0.97 * (4 - 3) = 3.97.
  const std::vector<double> latencies{4, 1, 3, 2};
  const auto f = metrics::probe_figures(latencies, 2);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->completed, 4);
  EXPECT_EQ(f->failed, 2);
  EXPECT_DOUBLE_EQ(f->median_e2el_ms, 2.5);
  EXPECT_NEAR(f->p99_e2el_ms, 3.97, 1e-12);
  EXPECT_DOUBLE_EQ(f->max_e2el_ms, 4.0);
}

TEST(ProbeStats, LatencyIsTheLastTokenChunkElseTheEnd) {
  metrics::RequestRecord r;
  r.start_ns = 1'000'000;
  r.end_ns = 9'000'000;
  EXPECT_DOUBLE_EQ(metrics::probe_latency_ms(r), 8.0);
  r.chunk_ns = {2'000'000, 4'000'000};
  EXPECT_DOUBLE_EQ(metrics::probe_latency_ms(r), 3.0);
}

TEST(ProbeStats, ProbeRequestIsHiWithOneOutputToken) {
  workload::RequestSpec first;
  first.prompt = "a long prompt";
  first.prompt_len = 300;
  first.expected_output_len = 128;
  first.images.push_back(std::make_shared<const std::string>("data:image/png;base64,AA"));
  first.conversation = 2;
  first.previous_turn = 4;
  const auto probe = runtime::probe_spec(first);
  EXPECT_EQ(probe.prompt, "Hi");
  EXPECT_EQ(probe.prompt_len, 1);
  EXPECT_EQ(probe.expected_output_len, 1);
  EXPECT_TRUE(probe.images.empty());
  EXPECT_TRUE(probe.model.empty());  // the run's model, as vLLM's test input
  EXPECT_EQ(probe.conversation, -1);
  EXPECT_EQ(probe.previous_turn, -1);
}

metrics::RunSummary summary_with_probes() {
  metrics::RunSummary s;
  s.completed = 10;
  s.duration_s = 2;
  s.options.percentile_metrics = {"ttft"};
  s.options.percentiles = {99};
  s.probe = metrics::ProbeFigures{7, 1, 12.345, 20.5, 31.0};
  return s;
}

TEST(ProbeStats, TableSectionAsVllmPrintsItBeforeTheMetricSections) {
  const std::string table = report::format_result_table(summary_with_probes(), {});
  const std::string expected =
      "------------------Probe Requests------------------\n"
      "Probe requests completed:                7         \n"
      "Probe requests failed:                   1         \n"
      "Median probe E2EL (ms):                  12.35     \n"
      "P99 probe E2EL (ms):                     20.50     \n"
      "Max probe E2EL (ms):                     31.00     \n"
      "---------------Time to First Token----------------\n";
  EXPECT_NE(table.find("Total token throughput (tok/s):          0.00      \n" + expected), std::string::npos)
      << table;
  metrics::RunSummary none = summary_with_probes();
  none.probe.reset();
  EXPECT_EQ(report::format_result_table(none, {}).find("Probe"), std::string::npos);
}

TEST(ProbeStats, ResultKeysFollowTheFiguresInVllmsOrder) {
  report::RunInfo info;
  info.backend = "openai";
  info.model_id = "m";
  const auto doc = boost::json::parse(report::result_json(summary_with_probes(), info, false)).as_object();
  EXPECT_EQ(doc.at("probe_completed").as_int64(), 7);
  EXPECT_EQ(doc.at("probe_failed").as_int64(), 1);
  EXPECT_DOUBLE_EQ(doc.at("probe_median_e2el_ms").as_double(), 12.345);
  EXPECT_DOUBLE_EQ(doc.at("probe_p99_e2el_ms").as_double(), 20.5);
  EXPECT_DOUBLE_EQ(doc.at("probe_max_e2el_ms").as_double(), 31.0);
  std::vector<std::string> keys;
  for (const auto& kv : doc) keys.emplace_back(kv.key());
  const auto at = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) - keys.begin(); };
  EXPECT_LT(at("rtfx"), at("probe_completed"));
  EXPECT_EQ(at("probe_completed") + 4, at("probe_max_e2el_ms"));
  EXPECT_LT(at("probe_max_e2el_ms"), at("mean_ttft_ms"));
  metrics::RunSummary none = summary_with_probes();
  none.probe.reset();
  EXPECT_FALSE(boost::json::parse(report::result_json(none, info, false)).as_object().contains("probe_completed"));
}

}  // namespace
}  // namespace llmload
