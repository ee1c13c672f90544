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
    for (const auto at : r.chunk_ns) rec.count_arrival(at, 1);
  }
  rec.count_arrival(150'000'000, 4);  // tokens of a request still streaming
  metrics::RequestRecord failed;
  failed.outcome = metrics::Outcome::kConnectError;
  rec.record(failed);
  const auto row = interval_row(rec, 2'000'000'000, 4'000'000'000, 7);
  EXPECT_EQ(row.completed, 10);
  EXPECT_EQ(row.failed, 1);
  EXPECT_DOUBLE_EQ(row.request_rate, 5.0);
  EXPECT_EQ(row.output_tokens, 34);
  EXPECT_DOUBLE_EQ(row.output_token_rate, 17.0);
  EXPECT_EQ(row.completed_output_tokens, 30);
  EXPECT_DOUBLE_EQ(row.completed_output_token_rate, 15.0);
  EXPECT_EQ(interval_csv_header(),
            "interval_start_s,interval_end_s,completed,failed,request_throughput,output_throughput,"
            "ttft_p50_ms,ttft_p99_ms,itl_p50_ms,itl_p99_ms,e2el_p99_ms,in_flight,scored,accuracy,degenerate,"
            "output_tokens,completed_output_tokens,completed_output_throughput\n");
  // Slots report their highest value: 100000 µs -> 100031 (64 µs slots), 20000 -> 20015 (16).
  EXPECT_EQ(interval_csv_line(row),
            "2.000,4.000,10,1,5.000,17.000,100.031,100.031,20.015,20.015,140.031,7,0,,0,34,30,15.000\n");
  EXPECT_EQ(interval_console_line(row, "soak"),
            "[soak]      2.0s-4.0s  ok 10 failed 1  5.00 req/s  17.0 tok/s (15.0 completed)  TTFT p50/p99 100.0/100.0 ms"
            "  ITL p50/p99 20.0/20.0 ms  E2EL p99 140.0 ms  in flight 7\n");
}

TEST(IntervalReport, EmptyIntervalIsZeros) {
  const auto row = interval_row(metrics::IntervalRecorder{}, 0, 0, 0);
  EXPECT_EQ(interval_csv_line(row), "0.000,0.000,0,0,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0,0,,0,0,0,0.000\n");
}

// Answers checked into an interval show in its CSV row and console line (llmload extension).
TEST(IntervalReport, AnswersShowAccuracyAndDegenerateOutputs) {
  metrics::IntervalRecorder rec;
  workload::RequestSpec spec;
  spec.answers = {"two dogs"};
  spec.expected_output_len = 8;
  const workload::ScoreSpec vqa{workload::ScoreKind::kVqa, {}, {}};
  const char* texts[] = {"Two dogs.", "two dogs", "a cat", ""};
  for (const char* text : texts) {
    metrics::RequestRecord r;
    r.outcome = metrics::Outcome::kOk;
    r.start_ns = 1'000;
    r.chunk_ns = {2'000, 3'000};
    r.generated_text = text;
    r.finish_reason = "stop";
    rec.record(r);
    rec.record_answer(r, spec, vqa);
  }
  metrics::RequestRecord failed;
  failed.outcome = metrics::Outcome::kConnectError;
  rec.record_answer(failed, spec, vqa);  // skipped: not a successful answer
  const auto row = interval_row(rec, 0, 1'000'000'000, 0);
  EXPECT_EQ(row.scored, 4);
  ASSERT_TRUE(row.accuracy.has_value());
  EXPECT_DOUBLE_EQ(*row.accuracy, 0.5);
  EXPECT_EQ(row.answers_checked, 4);
  EXPECT_EQ(row.degenerate, 1);  // the empty answer
  EXPECT_TRUE(interval_csv_line(row).ends_with(",4,0.5000,1,0,8,8.000\n")) << interval_csv_line(row);
  EXPECT_TRUE(interval_console_line(row, "").ends_with("in flight 0  accuracy 0.500 (4 scored)  degenerate 1\n"))
      << interval_console_line(row, "");
  const auto answers = interval_answers(row);
  EXPECT_EQ(answers.scored, 4);
  EXPECT_DOUBLE_EQ(answers.end_s, 1.0);
  metrics::IntervalRecorder merged;
  merged.merge(rec);
  EXPECT_EQ(merged.scored, 4);
  EXPECT_DOUBLE_EQ(merged.score_sum, 2.0);
  merged.reset();
  EXPECT_EQ(merged.scored, 0);
  EXPECT_FALSE(merged.accuracy().has_value());
}

}  // namespace
}  // namespace llmload::report
