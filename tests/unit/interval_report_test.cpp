// Interval rows as CSV and console text (golden).
#include "llmload/report/interval_report.hpp"

#include <gtest/gtest.h>

namespace llmload::report {
namespace {

TEST(IntervalReport, RowCsvAndConsoleGolden) {
  metrics::IntervalRecorder rec;
  for (int i = 0; i < 10; ++i) {
    metrics::RequestRecord r;
    r.start_ns = 0;
    r.chunk_ns = {100'000'000, 120'000'000, 140'000'000};
    r.usage_completion_tokens = 3;
    rec.record(r);
  }
  metrics::RequestRecord failed;
  failed.outcome = metrics::Outcome::kConnectError;
  rec.record(failed);
  const auto row = interval_row(rec, 2'000'000'000, 4'000'000'000, 7);
  EXPECT_EQ(row.completed, 10);
  EXPECT_EQ(row.failed, 1);
  EXPECT_DOUBLE_EQ(row.request_rate, 5.0);
  EXPECT_DOUBLE_EQ(row.output_token_rate, 15.0);
  EXPECT_EQ(interval_csv_header(),
            "interval_start_s,interval_end_s,completed,failed,request_throughput,output_throughput,"
            "ttft_p50_ms,ttft_p99_ms,itl_p50_ms,itl_p99_ms,e2el_p99_ms,in_flight\n");
  // Slots report their highest value: 100000 µs -> 100031 (64 µs slots), 20000 -> 20015 (16).
  EXPECT_EQ(interval_csv_line(row), "2.000,4.000,10,1,5.000,15.000,100.031,100.031,20.015,20.015,140.031,7\n");
  EXPECT_EQ(interval_console_line(row, "soak"),
            "[soak]      2.0s-4.0s  ok 10 failed 1  5.00 req/s  15.0 tok/s  TTFT p50/p99 100.0/100.0 ms"
            "  ITL p50/p99 20.0/20.0 ms  E2EL p99 140.0 ms  in flight 7\n");
}

TEST(IntervalReport, EmptyIntervalIsZeros) {
  const auto row = interval_row(metrics::IntervalRecorder{}, 0, 0, 0);
  EXPECT_EQ(interval_csv_line(row), "0.000,0.000,0,0,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0\n");
}

}  // namespace
}  // namespace llmload::report
