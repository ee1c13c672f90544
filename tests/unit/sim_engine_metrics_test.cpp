// Prometheus text exposition of the engine simulator's statistics with vLLM's names.
#include "llmload/sim/engine_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace llmload::sim {
namespace {

TEST(SimEngineMetrics, HistogramBucketsAreUpperBoundsInclusive) {
  const double bounds[] = {0.1, 1.0};
  PromHistogram h(bounds);
  h.observe(0.1);
  h.observe(0.5);
  h.observe(5);
  EXPECT_EQ(h.counts(), (std::vector<std::uint64_t>{1, 1, 1}));
  EXPECT_EQ(h.count(), 3u);
  EXPECT_DOUBLE_EQ(h.sum(), 5.6);
}

TEST(SimEngineMetrics, PrometheusTextWithVllmNames) {
  EngineMetrics m;
  m.num_requests_running = 3;
  m.num_requests_waiting = 2;
  m.kv_cache_usage_perc = 0.25;
  m.prefix_cache_queries = 100;
  m.prefix_cache_hits = 32;
  m.prompt_tokens = 100;
  m.generation_tokens = 7;
  m.request_success[static_cast<int>(FinishReason::kStop)] = 1;
  m.time_to_first_token.observe(0.003);
  m.time_to_first_token.observe(0.05);
  std::string out;
  append_prometheus(out, m, "qwen \"7b\"");
  const std::string labels = R"({engine="0",model_name="qwen \"7b\""})";
  for (const std::string& line : std::vector<std::string>{"# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running" + labels + " 3\n",
        "vllm:num_requests_waiting" + labels + " 2\n", "vllm:kv_cache_usage_perc" + labels + " 0.25\n",
        "# TYPE vllm:prefix_cache_queries counter\nvllm:prefix_cache_queries_total" + labels + " 100\n",
        "vllm:prefix_cache_hits_total" + labels + " 32\n", "vllm:prompt_tokens_total" + labels + " 100\n",
        "vllm:generation_tokens_total" + labels + " 7\n",
        R"(vllm:request_success_total{finished_reason="stop",engine="0",model_name="qwen \"7b\""} 1)",
        R"(vllm:time_to_first_token_seconds_bucket{le="0.001",engine="0",model_name="qwen \"7b\""} 0)",
        R"(vllm:time_to_first_token_seconds_bucket{le="0.005",engine="0",model_name="qwen \"7b\""} 1)",
        R"(vllm:time_to_first_token_seconds_bucket{le="0.06",engine="0",model_name="qwen \"7b\""} 2)",
        R"(vllm:time_to_first_token_seconds_bucket{le="+Inf",engine="0",model_name="qwen \"7b\""} 2)",
        "vllm:time_to_first_token_seconds_count" + labels + " 2\n",
        "# TYPE vllm:request_decode_time_seconds histogram\n"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace llmload::sim

namespace llmload::sim {
namespace {

TEST(SimEngineMetrics, RepeatedObservationsAndMergesAddUp) {
  PromHistogram a(ttft_buckets_s()), b(ttft_buckets_s());
  a.observe(0.05, 3);
  a.observe(0.05, 0);  // nothing
  b.observe(0.005);
  b.observe(100.0);
  ASSERT_TRUE(a.merge(b));
  EXPECT_EQ(a.count(), 5u);
  EXPECT_DOUBLE_EQ(a.sum(), 0.15 + 0.005 + 100.0);
  EXPECT_EQ(a.counts()[1], 1u);  // le 0.005
  EXPECT_EQ(a.counts()[5], 3u);  // le 0.06
  EXPECT_EQ(a.counts()[19], 1u);  // le 160
  PromHistogram other(inter_token_buckets_s());
  EXPECT_FALSE(a.merge(other));  // different bounds: refused, unchanged
  EXPECT_EQ(a.count(), 5u);

  // The single-writer kind reads back the same buckets and sum.
  SingleWriterPromHistogram shared(ttft_buckets_s());
  shared.observe(0.05, 3);
  shared.observe(0.005);
  shared.observe(100.0);
  PromHistogram read(ttft_buckets_s());
  shared.add_to(read);
  shared.add_to(read);  // reading twice adds twice: add_to() accumulates
  EXPECT_EQ(read.count(), 10u);
  EXPECT_DOUBLE_EQ(read.sum(), 2 * (0.15 + 0.005 + 100.0));
  EXPECT_EQ(read.counts()[5], 6u);
  EXPECT_EQ(read.counts()[19], 2u);
  const std::uint64_t wrong_size[] = {1, 2};
  EXPECT_FALSE(read.add_counts(wrong_size, 1.0));
  EXPECT_EQ(read.count(), 10u);

  EngineMetrics x, y;
  x.num_requests_running = 2;
  x.kv_cache_usage_perc = 0.25;
  x.prompt_tokens = 10;
  x.request_success[static_cast<std::size_t>(FinishReason::kLength)] = 1;
  x.time_to_first_token.observe(0.02);
  y.num_requests_running = 3;
  y.kv_cache_usage_perc = 0.5;
  y.prompt_tokens = 5;
  y.generation_tokens = 7;
  y.request_success[static_cast<std::size_t>(FinishReason::kAbort)] = 2;
  y.time_to_first_token.observe(0.03, 2);
  merge_metrics(x, y);
  EXPECT_EQ(x.num_requests_running, 5);
  EXPECT_DOUBLE_EQ(x.kv_cache_usage_perc, 0.5);
  EXPECT_EQ(x.prompt_tokens, 15u);
  EXPECT_EQ(x.generation_tokens, 7u);
  EXPECT_EQ(x.request_success[static_cast<std::size_t>(FinishReason::kLength)], 1u);
  EXPECT_EQ(x.request_success[static_cast<std::size_t>(FinishReason::kAbort)], 2u);
  EXPECT_EQ(x.time_to_first_token.count(), 3u);
}

}  // namespace
}  // namespace llmload::sim
