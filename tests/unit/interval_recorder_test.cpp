// Per-interval recorders: vLLM's per-request definitions in microseconds, merge and reset.
#include "llmload/metrics/interval_recorder.hpp"

#include <gtest/gtest.h>

namespace llmload::metrics {
namespace {

RequestRecord request(core::Nanos start, std::vector<core::Nanos> chunks, std::int32_t usage_tokens = -1) {
  RequestRecord r;
  r.start_ns = start;
  r.chunk_ns = std::move(chunks);
  r.usage_completion_tokens = usage_tokens;
  r.outcome = Outcome::kOk;
  return r;
}

TEST(IntervalRecorder, RecordsTtftItlTpotE2elInMicroseconds) {
  IntervalRecorder rec;
  // TTFT 50 ms, two gaps of 20 ms, E2EL 90 ms; 3 chunks but usage says 5 tokens.
  rec.record(request(1'000'000, {51'000'000, 71'000'000, 91'000'000}, 5));
  EXPECT_EQ(rec.completed, 1);
  EXPECT_EQ(rec.failed, 0);
  EXPECT_EQ(rec.output_tokens, 5);
  EXPECT_EQ(rec.ttft_us.total_count(), 1);
  EXPECT_TRUE(rec.ttft_us.values_are_equivalent(rec.ttft_us.max(), 50'000));
  EXPECT_EQ(rec.itl_us.total_count(), 2);
  EXPECT_TRUE(rec.itl_us.values_are_equivalent(rec.itl_us.value_at_percentile(50), 20'000));
  EXPECT_TRUE(rec.e2el_us.values_are_equivalent(rec.e2el_us.max(), 90'000));
  // TPOT = (90 - 50) ms / (5 - 1) = 10 ms.
  EXPECT_TRUE(rec.tpot_us.values_are_equivalent(rec.tpot_us.max(), 10'000));
}

TEST(IntervalRecorder, FailuresAreCountedNotMeasuredAndOneTokenHasNoTpot) {
  IntervalRecorder rec;
  RequestRecord failed = request(0, {});
  failed.outcome = Outcome::kHttpStatus;
  rec.record(failed);
  rec.record(request(0, {7'000'000}));  // one chunk, no usage: one token, no TPOT, no ITL
  EXPECT_EQ(rec.failed, 1);
  EXPECT_EQ(rec.completed, 1);
  EXPECT_EQ(rec.output_tokens, 1);
  EXPECT_EQ(rec.ttft_us.total_count(), 1);
  EXPECT_EQ(rec.tpot_us.total_count(), 0);
  EXPECT_EQ(rec.itl_us.total_count(), 0);
}

TEST(IntervalRecorder, MergeAddsAndResetEmpties) {
  IntervalRecorder a, b;
  a.record(request(0, {10'000'000, 20'000'000}));
  b.record(request(0, {30'000'000, 40'000'000}));
  b.record(request(0, {}));  // no token chunk: counted as failed
  a.merge(b);
  EXPECT_EQ(a.completed, 2);
  EXPECT_EQ(a.failed, 1);
  EXPECT_EQ(a.ttft_us.total_count(), 2);
  EXPECT_TRUE(a.ttft_us.values_are_equivalent(a.ttft_us.max(), 30'000));
  a.reset();
  EXPECT_EQ(a.completed, 0);
  EXPECT_EQ(a.failed, 0);
  EXPECT_EQ(a.output_tokens, 0);
  EXPECT_EQ(a.ttft_us.total_count(), 0);
  EXPECT_EQ(a.itl_us.total_count(), 0);
}

}  // namespace
}  // namespace llmload::metrics
