#include "llmload/metrics/run_summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

namespace llmload::metrics {
namespace {

// A steady-clock origin far from 0 (0 means "did not happen" in a record).
constexpr core::Nanos kBase = 1'000'000'000'000;

core::Nanos ms(double v) { return static_cast<core::Nanos>(std::llround(v * 1e6)); }
core::Nanos at(double v_ms) { return kBase + ms(v_ms); }

RequestRecord ok_request(double start_ms, std::initializer_list<double> chunks_ms) {
  RequestRecord r;
  r.scheduled_ns = at(start_ms);
  r.dispatch_ns = at(start_ms);
  r.start_ns = at(start_ms);
  for (double c : chunks_ms) r.chunk_ns.push_back(at(c));
  r.dataset_prompt_len = 10;
  r.http_status = 200;
  r.outcome = Outcome::kOk;
  r.saw_done = true;
  return r;
}

RequestRecord failed_request(Outcome outcome, std::string error, double start_ms = 0) {
  RequestRecord r;
  r.scheduled_ns = at(start_ms);
  r.dispatch_ns = at(start_ms);
  r.start_ns = at(start_ms);
  r.dataset_prompt_len = 10;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

RunSummary run(const std::vector<RequestRecord>& records, double duration_ms = 1000,
               const SummaryOptions& options = {}) {
  return summarize(records, kBase, at(duration_ms), options);
}

// vLLM's documentation example: TTFT 100 ms, two 40 ms gaps, E2EL 180 ms, 5 output tokens.
TEST(RunSummary, VllmDocumentedExample) {
  auto r = ok_request(0, {100, 140, 180});
  r.usage_completion_tokens = 5;
  r.usage_prompt_tokens = 12;
  r.generated_text = "hello";
  const RunSummary s = run({r});

  EXPECT_EQ(s.completed, 1);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.duration_s, 1.0);
  EXPECT_EQ(s.total_input_tokens, 12);  // usage.prompt_tokens wins over the dataset's 10
  EXPECT_EQ(s.dataset_input_tokens, 10);
  EXPECT_EQ(s.total_output_tokens, 5);
  EXPECT_EQ(s.request_throughput, 1.0);
  EXPECT_EQ(s.output_throughput, 5.0);
  EXPECT_EQ(s.total_token_throughput, 17.0);

  EXPECT_EQ(s.ttft_ms.count, 1u);
  EXPECT_EQ(s.ttft_ms.mean, 100.0);
  EXPECT_EQ(s.itl_ms.count, 2u);
  EXPECT_EQ(s.itl_ms.mean, 40.0);
  EXPECT_EQ(s.itl_ms.stddev, 0.0);
  EXPECT_EQ(s.e2el_ms.mean, 180.0);
  EXPECT_EQ(s.tpot_ms.count, 1u);
  EXPECT_EQ(s.tpot_ms.mean, 20.0);  // (180 - 100) / (5 - 1)
  ASSERT_EQ(s.ttft_ms.percentiles.size(), 1u);
  EXPECT_EQ(s.ttft_ms.percentiles[0].percentile, 99.0);
  EXPECT_EQ(s.ttft_ms.percentiles[0].value, 100.0);

  EXPECT_EQ(s.output_tokens_from_usage, 1);
  EXPECT_EQ(s.output_tokens_from_chunks, 0);
  EXPECT_EQ(s.input_tokens_from_usage, 1);
  EXPECT_EQ(s.max_output_tokens_per_s, 3.0);
  EXPECT_EQ(s.max_concurrent_requests, 1);
  EXPECT_EQ(s.peak_concurrency_exact, 1);
  EXPECT_FALSE(s.request_goodput.has_value());

  EXPECT_EQ(s.input_lens, (std::vector<std::int64_t>{10}));
  EXPECT_EQ(s.output_lens, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(s.ttfts_s, (std::vector<double>{0.1}));
  EXPECT_EQ(s.itls_s, (std::vector<std::vector<double>>{{0.04, 0.04}}));
  EXPECT_EQ(s.start_times_s, (std::vector<double>{0.0}));
  EXPECT_EQ(s.generated_texts, (std::vector<std::string>{"hello"}));
  EXPECT_EQ(s.errors, (std::vector<std::string>{""}));
}

TEST(RunSummary, OutputTokensFromUsageElseChunkCount) {
  auto a = ok_request(0, {10, 20, 30, 40});  // no usage: 4 chunks -> 4 tokens, TPOT 30/3
  auto b = ok_request(0, {50, 80});          // usage 0 is "not sent": 2 chunks, TPOT 30/1
  b.usage_completion_tokens = 0;
  b.usage_prompt_tokens = 0;                 // but prompt_tokens 0 is a real count
  auto c = ok_request(0, {5, 35, 65});       // usage 7: TPOT 60/6
  c.usage_completion_tokens = 7;
  c.usage_prompt_tokens = 20;
  auto d = ok_request(0, {7});               // one token: no TPOT sample
  const RunSummary s = run({a, b, c, d});

  EXPECT_EQ(s.total_output_tokens, 4 + 2 + 7 + 1);
  EXPECT_EQ(s.output_tokens_from_usage, 1);
  EXPECT_EQ(s.output_tokens_from_chunks, 3);
  EXPECT_EQ(s.total_input_tokens, 10 + 0 + 20 + 10);
  EXPECT_EQ(s.dataset_input_tokens, 40);
  EXPECT_EQ(s.input_tokens_from_usage, 2);
  EXPECT_EQ(s.input_tokens_from_dataset, 2);
  EXPECT_EQ(s.output_lens, (std::vector<std::int64_t>{4, 2, 7, 1}));

  EXPECT_EQ(s.tpot_ms.count, 3u);
  EXPECT_EQ(s.tpot_ms.mean, 50.0 / 3.0);
  EXPECT_EQ(s.tpot_ms.median, 10.0);
  EXPECT_EQ(s.ttft_ms.count, 4u);
  EXPECT_EQ(s.itl_ms.count, 3u + 1u + 2u);
}

TEST(RunSummary, FailedRequestsAreExcludedFromLatencyAndThroughput) {
  auto good = ok_request(0, {100, 150});
  auto http = failed_request(Outcome::kHttpStatus, "HTTP 500: boom", 10);
  http.chunk_ns = {at(20), at(30), at(40)};  // partial stream before the failure
  http.generated_text = "partial";
  auto timeout = failed_request(Outcome::kTimeout, "timed out", 20);
  auto http2 = failed_request(Outcome::kHttpStatus, "HTTP 503: busy", 30);
  const RunSummary s = run({good, http, timeout, http2});

  EXPECT_EQ(s.completed, 1);
  EXPECT_EQ(s.failed, 3);
  EXPECT_EQ(s.total_output_tokens, 2);
  EXPECT_EQ(s.total_input_tokens, 10);
  EXPECT_EQ(s.ttft_ms.count, 1u);
  EXPECT_EQ(s.ttft_ms.mean, 100.0);
  EXPECT_EQ(s.itl_ms.count, 1u);
  EXPECT_EQ(s.max_output_tokens_per_s, 2.0);  // the failed stream's chunks do not count
  EXPECT_EQ(s.peak_concurrency_exact, 1);

  EXPECT_EQ(s.output_lens, (std::vector<std::int64_t>{2, 0, 0, 0}));
  EXPECT_EQ(s.ttfts_s, (std::vector<double>{0.1, 0.0, 0.0, 0.0}));
  EXPECT_EQ(s.itls_s, (std::vector<std::vector<double>>{{0.05}, {}, {}, {}}));
  EXPECT_EQ(s.errors,
            (std::vector<std::string>{"", "HTTP 500: boom", "timed out", "HTTP 503: busy"}));
  EXPECT_EQ(s.generated_texts[1], "partial");
  EXPECT_EQ(s.first_errors,
            (std::vector<std::string>{"HTTP 500: boom", "timed out", "HTTP 503: busy"}));

  ASSERT_EQ(s.failures_by_reason.size(), 2u);
  EXPECT_EQ(s.failures_by_reason[0].reason, "http_status");
  EXPECT_EQ(s.failures_by_reason[0].count, 2);
  EXPECT_EQ(s.failures_by_reason[0].first_error, "HTTP 500: boom");
  EXPECT_EQ(s.failures_by_reason[1].reason, "timeout");
  EXPECT_EQ(s.failures_by_reason[1].count, 1);
}

TEST(RunSummary, FailuresWithEqualCountsSortByReason) {
  const RunSummary s = run({failed_request(Outcome::kTimeout, "t"),
                            failed_request(Outcome::kConnectError, "c"),
                            failed_request(Outcome::kCancelled, "x")});
  ASSERT_EQ(s.failures_by_reason.size(), 3u);
  EXPECT_EQ(s.failures_by_reason[0].reason, "cancelled");
  EXPECT_EQ(s.failures_by_reason[1].reason, "connect_error");
  EXPECT_EQ(s.failures_by_reason[2].reason, "timeout");
}

TEST(RunSummary, FirstErrorsAreCappedAtTenAndAllFailedIsZeroNotNan) {
  std::vector<RequestRecord> records;
  for (int i = 0; i < 12; ++i) {
    std::string error = "e";
    error += std::to_string(i);
    records.push_back(failed_request(Outcome::kConnectError, error));
  }
  const RunSummary s = run(records);
  EXPECT_EQ(s.failed, 12);
  EXPECT_EQ(s.completed, 0);
  ASSERT_EQ(s.first_errors.size(), 10u);
  EXPECT_EQ(s.first_errors.front(), "e0");
  EXPECT_EQ(s.first_errors.back(), "e9");
  EXPECT_EQ(s.errors.size(), 12u);
  EXPECT_EQ(s.ttft_ms.mean, 0.0);
  EXPECT_EQ(s.ttft_ms.percentiles.at(0).value, 0.0);
  EXPECT_EQ(s.max_output_tokens_per_s, 0.0);
  EXPECT_EQ(s.max_concurrent_requests, 0);
  EXPECT_EQ(s.request_throughput, 0.0);
}

TEST(RunSummary, GoodputCountsRequestsMeetingEveryGivenSlo) {
  auto r1 = ok_request(0, {100, 140, 180});  // TTFT exactly at the SLO, TPOT 20 at the SLO
  r1.usage_completion_tokens = 5;
  auto r2 = ok_request(0, {101});            // TTFT over
  auto r3 = ok_request(0, {50});             // one token: TPOT counts as 0
  auto r4 = ok_request(0, {50, 100});        // TPOT 50 over
  const std::vector<RequestRecord> records{r1, r2, r3, r4};

  SummaryOptions ttft_tpot;
  ttft_tpot.goodput_ttft_ms = 100;
  ttft_tpot.goodput_tpot_ms = 20;
  const RunSummary s = run(records, 2000, ttft_tpot);
  EXPECT_EQ(s.good_requests, 2);
  ASSERT_TRUE(s.request_goodput.has_value());
  EXPECT_EQ(*s.request_goodput, 1.0);

  SummaryOptions e2el;
  e2el.goodput_e2el_ms = 150;  // only r1 (180 ms) misses
  EXPECT_EQ(run(records, 2000, e2el).good_requests, 3);

  const RunSummary none = run(records, 2000);
  EXPECT_FALSE(none.request_goodput.has_value());
  EXPECT_EQ(none.good_requests, 0);
}

// A ends exactly when B starts. vLLM's bins count both in second 1; the sweep line does not.
TEST(RunSummary, PeakBinsAreVllmsAndSweepLineIsExact) {
  const auto a = ok_request(0, {500, 1000});
  const auto b = ok_request(1000, {1200, 1400, 1600, 2500});
  const auto c = ok_request(2900, {2950, 3000});
  const RunSummary s = run({a, b, c}, 3100);
  // Bins: ceil(3.0 s) + 1 = 4. Chunks per bin: [1, 4, 2, 1].
  EXPECT_EQ(s.max_output_tokens_per_s, 4.0);
  // Requests per bin: A 0..1, B 1..2, C 2..3 -> [1, 2, 2, 1].
  EXPECT_EQ(s.max_concurrent_requests, 2);
  EXPECT_EQ(s.peak_concurrency_exact, 1);
}

TEST(RunSummary, SweepLineCountsOverlapsAndOrdersDeparturesFirst) {
  const RunSummary s = run({
      ok_request(0, {1000}),     // [0, 1000)
      ok_request(200, {800}),    // [200, 800)
      ok_request(800, {1500}),   // [800, 1500): starts as the previous one ends
      ok_request(1500, {1600}),  // [1500, 1600)
      ok_request(500, {900}),    // [500, 900): three in flight from 500 to 800
  }, 2000);
  EXPECT_EQ(s.peak_concurrency_exact, 3);
  // Bin 0 holds every request but the fourth; bin 1 holds the first, third and fourth.
  EXPECT_EQ(s.max_concurrent_requests, 4);
}

TEST(RunSummary, ExtensionsMeasureTheClientSide) {
  auto r1 = ok_request(0, {105});
  r1.dispatch_ns = at(2);
  r1.start_ns = at(5);
  r1.connect_ns = ms(1.5);
  auto r2 = ok_request(100, {201, 301});
  r2.dispatch_ns = at(101);
  r2.start_ns = at(101);
  r2.saw_done = false;
  auto r3 = failed_request(Outcome::kConnectError, "refused", 200);
  r3.dispatch_ns = at(204);
  r3.start_ns = at(204);
  r3.connect_ns = ms(3);  // a failed connect opened nothing
  auto r4 = failed_request(Outcome::kHttpStatus, "HTTP 429", 300);
  r4.dispatch_ns = at(300.5);
  r4.start_ns = at(310);
  r4.connect_ns = ms(2);
  const RunSummary s = run({r1, r2, r3, r4});

  EXPECT_EQ(s.schedule_lag_ms.count, 4u);  // failed requests were dispatched too
  EXPECT_EQ(s.schedule_lag_ms.mean, (2 + 1 + 4 + 0.5) / 4);
  EXPECT_EQ(s.schedule_lag_ms.max, 4.0);
  ASSERT_EQ(s.schedule_lag_ms.percentiles.size(), 4u);
  EXPECT_EQ(s.schedule_lag_ms.percentiles[0].percentile, 50.0);
  EXPECT_EQ(s.schedule_lag_ms.percentiles[0].value, 1.5);
  EXPECT_EQ(s.client_queue_ms.count, 4u);
  EXPECT_EQ(s.client_queue_ms.mean, (3 + 0 + 0 + 9.5) / 4);
  EXPECT_EQ(s.client_queue_ms.max, 9.5);
  EXPECT_EQ(s.ttft_from_schedule_ms.count, 2u);
  EXPECT_EQ(s.ttft_from_schedule_ms.mean, 103.0);
  EXPECT_EQ(s.ttft_ms.mean, 100.0);  // from the start (after the queue), not the schedule
  EXPECT_EQ(s.connect_ms.count, 2u);
  EXPECT_EQ(s.connect_ms.mean, 1.75);
  EXPECT_EQ(s.requests_without_done, 1);
  EXPECT_TRUE(s.per_category.empty());
}

TEST(RunSummary, StartTimesAreSecondsSinceBenchStart) {
  auto r = ok_request(0, {10});
  auto never_started = failed_request(Outcome::kCancelled, "interrupted");
  never_started.start_ns = 0;
  const RunSummary s = summarize(std::vector<RequestRecord>{r, never_started}, kBase - ms(250),
                                 at(750), {});
  EXPECT_EQ(s.duration_s, 1.0);
  EXPECT_EQ(s.start_times_s, (std::vector<double>{0.25, 0.0}));
}

TEST(RunSummary, EmptyRunAndZeroDurationGiveZeros) {
  SummaryOptions with_slo;
  with_slo.goodput_ttft_ms = 10;
  const RunSummary s = summarize({}, kBase, kBase, with_slo);
  EXPECT_EQ(s.completed, 0);
  EXPECT_EQ(s.duration_s, 0.0);
  EXPECT_EQ(s.request_throughput, 0.0);
  EXPECT_EQ(s.total_token_throughput, 0.0);
  ASSERT_TRUE(s.request_goodput.has_value());
  EXPECT_EQ(*s.request_goodput, 0.0);
  EXPECT_EQ(s.max_output_tokens_per_s, 0.0);
  EXPECT_EQ(s.peak_concurrency_exact, 0);
  EXPECT_TRUE(s.input_lens.empty());

  const RunSummary one =
      summarize(std::vector<RequestRecord>{ok_request(0, {5})}, kBase, kBase, {});
  EXPECT_EQ(one.completed, 1);
  EXPECT_EQ(one.request_throughput, 0.0);
  EXPECT_FALSE(std::isnan(one.output_throughput));
}

TEST(RunSummary, UsesTheRequestedPercentilesAndKeepsTheOptions) {
  SummaryOptions options;
  options.percentiles = {50, 99.9};
  options.percentile_metrics = {"e2el"};
  const RunSummary s = run({ok_request(0, {10, 20}), ok_request(0, {30, 40}),
                            ok_request(0, {50, 60}), ok_request(0, {70, 80})},
                           1000, options);
  EXPECT_EQ(s.options.percentile_metrics, (std::vector<std::string>{"e2el"}));
  ASSERT_EQ(s.ttft_ms.percentiles.size(), 2u);
  EXPECT_EQ(s.ttft_ms.percentiles[0].value, 40.0);  // TTFTs 10, 30, 50, 70
  EXPECT_EQ(s.ttft_ms.percentiles[1].percentile, 99.9);
  EXPECT_EQ(s.ttft_ms.percentiles[1].value, 69.94000000000001);  // numpy's value
  EXPECT_EQ(s.e2el_ms.median, 50.0);  // E2ELs 20, 40, 60, 80
}

}  // namespace
}  // namespace llmload::metrics

namespace llmload::metrics {
namespace {

// llmload's --percentile-metrics extensions: a request released by the schedule at 0 ms that
// waited 30 ms for a --max-concurrency slot, first chunk 100 ms after its start, last 180 ms.
TEST(RunSummaryExtensions, ClientQueueTimeAndE2elIncludingTheQueue) {
  auto queued = ok_request(30, {130, 170, 210});
  queued.dispatch_ns = at(0);
  queued.scheduled_ns = at(0);
  auto direct = ok_request(0, {100, 150});
  SummaryOptions options;
  options.percentiles = {50, 100};
  const RunSummary s = run({queued, direct}, 1000, options);
  EXPECT_DOUBLE_EQ(s.client_queue_time_ms.mean, 15.0);  // (30 + 0) / 2
  EXPECT_DOUBLE_EQ(s.client_queue_time_ms.percentile_or(100, -1), 30.0);
  EXPECT_DOUBLE_EQ(s.e2el_ms.mean, (180.0 + 150.0) / 2);  // vLLM's E2EL starts after the queue
  EXPECT_DOUBLE_EQ(s.e2el_including_client_queue_ms.mean, (210.0 + 150.0) / 2);
  EXPECT_DOUBLE_EQ(s.e2el_including_client_queue_ms.percentile_or(50, -1), 180.0);
}

}  // namespace
}  // namespace llmload::metrics

namespace llmload::metrics {
namespace {

// A server that reports tokens per chunk (vLLM's continuous_usage_stats): the role chunk (0
// tokens) at 100 ms, then 1, 3 and 2 tokens at 120, 150 and 250 ms.
TEST(RunSummaryExtensions, PerTokenItlAndPeakInTokens) {
  auto r = ok_request(0, {100, 120, 150, 250});
  r.chunk_tokens = {0, 1, 3, 2};
  r.usage_completion_tokens = 6;
  const RunSummary s = run({r});
  EXPECT_EQ(s.requests_with_chunk_tokens, 1);
  // The first token-bearing chunk (120 ms) starts the clock; then 30 ms / 3 tokens three
  // times and 100 ms / 2 tokens twice.
  ASSERT_EQ(s.itl_per_token_ms.count, 5u);
  EXPECT_DOUBLE_EQ(s.itl_per_token_ms.mean, (3 * 10.0 + 2 * 50.0) / 5);
  EXPECT_DOUBLE_EQ(s.max_output_tokens_per_s, 4.0);         // vLLM: 4 chunks in the first second
  EXPECT_DOUBLE_EQ(s.max_output_tokens_per_s_tokens, 6.0);  // 6 tokens in it
  // vLLM's chunk ITL is unchanged by the extension.
  EXPECT_EQ(s.itl_ms.count, 3u);
}

TEST(RunSummaryExtensions, NoPerChunkTokensNoPerTokenFigures) {
  const RunSummary s = run({ok_request(0, {100, 120})});
  EXPECT_EQ(s.requests_with_chunk_tokens, 0);
  EXPECT_EQ(s.itl_per_token_ms.count, 0u);
  EXPECT_EQ(s.max_output_tokens_per_s_tokens, 0.0);
}

}  // namespace
}  // namespace llmload::metrics

namespace llmload::metrics {
namespace {

// vLLM's calculate_metrics_for_embeddings: a pooling answer generates nothing; its latency is
// the time to read it; input tokens come from its usage.
TEST(RunSummary, PoolingRunsCountNoOutputTokens) {
  SummaryOptions options;
  options.pooling = true;
  options.percentile_metrics = {"e2el"};
  auto a = ok_request(0, {20});
  a.saw_done = false;  // no stream, no [DONE]
  a.usage_prompt_tokens = 7;
  a.usage_completion_tokens = 0;
  auto b = ok_request(10, {40});
  b.usage_prompt_tokens = 0;  // an answer without usage counts 0, as vLLM
  b.usage_completion_tokens = 0;
  const RunSummary s = run({a, b}, 1000, options);
  EXPECT_EQ(s.completed, 2);
  EXPECT_EQ(s.total_input_sequences, 2);  // one each unless the caller counts documents
  EXPECT_EQ(s.total_output_tokens, 0);
  EXPECT_EQ(s.total_input_tokens, 7);
  EXPECT_EQ(s.output_lens, (std::vector<std::int64_t>{0, 0}));
  EXPECT_DOUBLE_EQ(s.total_token_throughput, 7.0);
  EXPECT_DOUBLE_EQ(s.e2el_ms.mean, 25.0);
  EXPECT_DOUBLE_EQ(s.ttft_ms.mean, s.e2el_ms.mean);
  EXPECT_EQ(s.tpot_ms.count, 0u);
  EXPECT_EQ(s.requests_without_done, 0);
}

}  // namespace
}  // namespace llmload::metrics
