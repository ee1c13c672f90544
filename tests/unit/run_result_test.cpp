// What a run's result keeps of its intervals: the counts and the four latency histograms,
// encoded, and which of them a drift check compares (a short last interval is left out).
#include "llmload/runtime/execute.hpp"

#include <gtest/gtest.h>

namespace llmload::runtime {
namespace {

constexpr core::Nanos kResultSecond = 1'000'000'000;

IntervalReport report_of(std::int64_t index, core::Nanos start, core::Nanos end, bool last) {
  IntervalReport r;
  r.index = index;
  r.start_ns = start;
  r.end_ns = end;
  r.in_flight = 7;
  r.last = last;
  metrics::RequestRecord rec;
  rec.start_ns = start;
  rec.chunk_ns = {start + 50'000'000, start + 70'000'000, start + 90'000'000};
  rec.end_ns = rec.chunk_ns.back();
  rec.usage_completion_tokens = 3;
  rec.saw_done = true;
  for (int i = 0; i <= index; ++i) r.recorded.record(rec);
  return r;
}

TEST(RunResultIntervals, FiguresKeepCountsAndDecodableHistograms) {
  const auto f = IntervalFigures::of(report_of(2, 2 * kResultSecond, 3 * kResultSecond, false));
  EXPECT_EQ(f.index, 2);
  EXPECT_EQ(f.in_flight, 7);
  EXPECT_EQ(f.completed, 3);
  EXPECT_EQ(f.output_tokens, 9);
  auto ttft = metrics::HdrHistogram::decode_compressed_base64(f.histograms[0]);
  ASSERT_TRUE(ttft) << ttft.error().message;
  EXPECT_EQ(ttft->total_count(), 3);
  EXPECT_NEAR(ttft->mean(), 50'000.0, 50.0);  // µs
  auto itl = metrics::HdrHistogram::decode_compressed_base64(f.histograms[2]);
  ASSERT_TRUE(itl);
  EXPECT_EQ(itl->total_count(), 6);  // two gaps per request
}

TEST(RunResultIntervals, DriftLeavesOutAShortLastInterval) {
  RunResult result;
  result.interval_ns = 10 * kResultSecond;
  for (int i = 0; i < 3; ++i) {
    result.intervals.push_back(IntervalFigures::of(report_of(i, i * 10 * kResultSecond, (i + 1) * 10 * kResultSecond, false)));
  }
  result.intervals.push_back(IntervalFigures::of(report_of(3, 30 * kResultSecond, 33 * kResultSecond, true)));  // the drain
  EXPECT_EQ(result.interval_histograms("ttft").size(), 3u);
  EXPECT_EQ(result.interval_histograms("e2el")[1], result.intervals[1].histograms[3]);
  result.intervals.back().end_ns = 36 * kResultSecond;  // six of ten seconds: kept
  EXPECT_EQ(result.interval_histograms("ttft").size(), 4u);
  EXPECT_TRUE(result.interval_histograms("goodput").empty());
}

TEST(RunResultIntervals, ALoneShortIntervalIsKept) {
  RunResult result;
  result.interval_ns = 10 * kResultSecond;
  result.intervals.push_back(IntervalFigures::of(report_of(0, 0, 2 * kResultSecond, true)));
  EXPECT_EQ(result.interval_histograms("itl").size(), 1u);
}

}  // namespace
}  // namespace llmload::runtime
