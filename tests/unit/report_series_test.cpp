// Per-interval series and latency samples derived from per-request rows.
#include "llmload/report/report_series.hpp"

#include <gtest/gtest.h>

namespace llmload::report {
namespace {

metrics::RequestTimeline row(double start, double first, double end, std::int64_t out, std::string outcome = "ok") {
  metrics::RequestTimeline t;
  t.dispatch_ms = start;
  t.start_ms = start;
  t.first_token_ms = first;
  t.end_ms = end;
  t.output_tokens = out;
  t.chunks = out;
  t.outcome = std::move(outcome);
  return t;
}

TEST(ReportSeries, IntervalsCountCompletionsTokensAndInFlight) {
  ReportRun run;
  // 0–1500 ms: first token at 500, 11 tokens: 1 at 500 ms, 10 spread over 500–1500 ms.
  run.requests.push_back(row(0, 500, 1500, 11));
  run.requests.push_back(row(1000, 1200, 2500, 1));
  run.requests.push_back(row(200, NAN, 300, 0, "http_status"));
  const auto rows = interval_rows(run, 1.0);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].completed, 0);
  EXPECT_EQ(rows[0].failed, 1);
  EXPECT_EQ(rows[1].completed, 1);
  EXPECT_EQ(rows[2].completed, 1);
  EXPECT_DOUBLE_EQ(rows[0].output_tokens_per_s, 1 + 5.0);
  EXPECT_DOUBLE_EQ(rows[1].output_tokens_per_s, 5.0 + 1);
  EXPECT_DOUBLE_EQ(rows[0].mean_in_flight, 1.0 + 0.1);  // request 1 all second, the failed one 100 ms
  EXPECT_DOUBLE_EQ(rows[1].mean_in_flight, 0.5 + 1.0);
  EXPECT_EQ(rows[0].ttft_samples, 1);
  EXPECT_DOUBLE_EQ(rows[0].ttft_p50_ms, 500.0);
  EXPECT_DOUBLE_EQ(rows[1].ttft_p50_ms, 200.0);
  EXPECT_EQ(rows[0].itl_samples, 0);
  EXPECT_TRUE(std::isnan(rows[0].itl_p50_ms));
}

TEST(ReportSeries, ChunkGapsPlaceTokensAndItlSamples) {
  ReportRun run;
  run.requests.push_back(row(0, 900, 1300, 6));  // chunks at 900, 1100, 1300 (2 tokens each)
  run.itls_ms = {{200, 200}};
  const auto rows = interval_rows(run, 1.0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0].output_tokens_per_s, 2.0);
  EXPECT_DOUBLE_EQ(rows[1].output_tokens_per_s, 4.0);
  EXPECT_EQ(rows[1].itl_samples, 2);
  EXPECT_DOUBLE_EQ(rows[1].itl_p99_ms, 200.0);
  EXPECT_EQ(latency_samples(run, "itl"), (std::vector<double>{200, 200}));
  EXPECT_EQ(latency_samples(run, "ttft"), (std::vector<double>{900}));
  EXPECT_EQ(latency_samples(run, "tpot"), (std::vector<double>{80}));  // (1300 − 900) / 5
}

TEST(ReportSeries, NoRowsNoIntervals) {
  EXPECT_TRUE(interval_rows(ReportRun{}, 1.0).empty());
  EXPECT_TRUE(latency_samples(ReportRun{}, "e2el").empty());
}

}  // namespace
}  // namespace llmload::report
