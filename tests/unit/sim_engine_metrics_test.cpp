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
