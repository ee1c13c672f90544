#include "llmload/report/console_table.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace llmload::report {
namespace {

std::string read_golden(const std::string& name) {
  std::ifstream in(std::string(LLMLOAD_TEST_DATA_DIR) + "/report/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing golden file " << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

metrics::SampleStats stats(double mean, double median, std::vector<metrics::PercentileValue> ps) {
  metrics::SampleStats s;
  s.count = 1;
  s.mean = mean;
  s.median = median;
  s.percentiles = std::move(ps);
  return s;
}

// The numbers of the first table in seed note 001 (Qwen2.5-VL on vllm-ascend, 200 requests at
// 16 RPS); values carry more digits than printed so the rounding is exercised.
metrics::RunSummary seed001_summary() {
  metrics::RunSummary s;
  s.completed = 200;
  s.failed = 0;
  s.duration_s = 45.3512;
  s.total_input_tokens = 20026;
  s.total_output_tokens = 20430;
  s.request_throughput = 200 / 45.3512;
  s.output_throughput = 20430 / 45.3512;
  s.max_output_tokens_per_s = 2055.0;
  s.max_concurrent_requests = 194;
  s.total_token_throughput = (20026 + 20430) / 45.3512;
  s.ttft_ms = stats(11300.7312, 11307.5889, {{99, 23844.6984}});
  s.tpot_ms = stats(243.9501, 235.4123, {{99, 454.3177}});
  s.itl_ms = stats(219.7321, 79.8987, {{99, 666.8642}});
  s.e2el_ms = stats(1, 2, {{99, 3}});  // not selected: must not print
  return s;
}

TEST(ConsoleTable, MatchesSeedTableByteForByte) {
  TableContext context;
  context.request_rate = 16.0;
  context.percentile_metrics = {"ttft", "tpot", "itl"};
  context.percentiles = {99};
  EXPECT_EQ(format_result_table(seed001_summary(), context), read_golden("seed001_table.txt"));
}

TEST(ConsoleTable, DefaultsToTheSummarysSelection) {
  // SummaryOptions defaults are vLLM's: ttft,tpot,itl and P99.
  TableContext context;
  context.request_rate = 16.0;
  EXPECT_EQ(format_result_table(seed001_summary(), context), read_golden("seed001_table.txt"));
}

// Golden produced by a Python transcription of vLLM's print statements (not by this code):
// max concurrency and goodput rows, no rate row (inf), e2el, P50/P90/P99.9, half-way
// roundings (0.125 -> 0.12, 2.675 -> 2.67) and a value wider than its column.
TEST(ConsoleTable, MatchesVllmWithConcurrencyGoodputAndE2el) {
  metrics::RunSummary s;
  s.completed = 1000;
  s.failed = 3;
  s.duration_s = 123.456789;
  s.total_input_tokens = 512000;
  s.total_output_tokens = 256123;
  s.request_throughput = 8.1;
  s.request_goodput = 7.25;
  s.output_throughput = 2074.6;
  s.max_output_tokens_per_s = 3210.0;
  s.max_concurrent_requests = 64;
  s.total_token_throughput = 123456789.123;
  s.ttft_ms = stats(123.456, 98.765, {{50, 98.765}, {90, 250.5}, {99.9, 1234.5678}});
  s.tpot_ms = stats(0.125, 2.675, {{50, 2.675}, {90, 3.0}, {99.9, 10.0}});
  s.itl_ms = stats(20.005, 19.995, {{50, 19.995}, {90, 25.0}, {99.9, 100.0}});
  s.e2el_ms = stats(5000.0, 4500.5, {{50, 4500.5}, {90, 8000.25}, {99.9, 15000.999}});

  TableContext context;
  context.max_concurrency = 64;
  context.goodput_configured = true;
  // Given out of order: vLLM prints ttft, tpot, itl, e2el whatever the flag's order.
  context.percentile_metrics = {"e2el", "itl", "tpot", "ttft"};
  context.percentiles = {50, 90, 99.9};
  EXPECT_EQ(format_result_table(s, context), read_golden("goodput_e2el_table.txt"));
}

TEST(ConsoleTable, EveryRowIsFiftyOneWideAndBannersFifty) {
  const std::string table = format_result_table(seed001_summary(), TableContext{});
  std::istringstream lines(table);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.find(':') != std::string::npos) {
      EXPECT_EQ(line.size(), 51u) << line;
    } else {
      EXPECT_EQ(line.size(), 50u) << line;
    }
  }
  EXPECT_EQ(n, 24);  // no rate row: the default rate is inf
}

TEST(ConsoleTable, CentersLikePython) {
  EXPECT_EQ(centered(" Serving Benchmark Result ", '=', 50),
            "============ Serving Benchmark Result ============");
  // Odd padding: the extra character goes on the right.
  EXPECT_EQ(centered("Time to First Token", '-', 50),
            "---------------Time to First Token----------------");
  EXPECT_EQ(centered("abc", '*', 6), "*abc**");
  EXPECT_EQ(centered("toolong", '-', 4), "toolong");
}

TEST(ConsoleTable, PercentileWords) {
  EXPECT_EQ(percentile_word(99), "99");
  EXPECT_EQ(percentile_word(50.0), "50");
  EXPECT_EQ(percentile_word(99.9), "99.9");
  EXPECT_EQ(percentile_word(99.99), "99.99");
  EXPECT_EQ(percentile_word(0.5), "0.5");
  EXPECT_EQ(percentile_word(0), "0");
}

TEST(ConsoleTable, FailurePreambleIsVllms) {
  metrics::RunSummary s;
  EXPECT_EQ(format_failures(s), "");
  s.failed = 2;
  s.first_errors = {"HTTP 500: Internal Server Error", "timed out"};
  EXPECT_EQ(format_failures(s),
            "Failed requests during benchmark run detected (capping to 10):\n"
            "Error 0: HTTP 500: Internal Server Error\n"
            "Error 1: timed out\n");
}

TEST(ConsoleTable, ExtensionBlockGolden) {
  metrics::RunSummary s;
  s.peak_concurrency_exact = 191;
  s.dataset_input_tokens = 20000;
  s.output_tokens_from_usage = 198;
  s.output_tokens_from_chunks = 2;
  s.requests_without_done = 1;
  s.schedule_lag_ms = stats(0.042, 0.03, {{50, 0.03}, {90, 0.08}, {99, 0.5}, {99.9, 1.2}});
  s.schedule_lag_ms.max = 1.25;
  s.client_queue_ms = stats(12.5, 10.0, {{50, 10.0}, {90, 20.0}, {99, 40.5}, {99.9, 41.0}});
  s.client_queue_ms.max = 41.5;
  s.ttft_from_schedule_ms = stats(11301.0, 11308.0, {{50, 11308.0}, {99, 23845.0}});
  s.connect_ms = stats(0.75, 0.7, {{99, 1.5}});
  s.connect_ms.count = 64;
  s.failures_by_reason = {{"http_status", 3, "HTTP 503: Service Unavailable\n<html>"},
                          {"timeout", 1, ""}};
  EXPECT_EQ(format_extensions(s), read_golden("extensions_block.txt"));
}

TEST(ConsoleTable, ExtensionBlockLeavesOutWhatDidNotHappen) {
  metrics::RunSummary s;
  const std::string block = format_extensions(s);
  EXPECT_NE(block.find("llmload extensions (not in vLLM)"), std::string::npos);
  EXPECT_EQ(block.find("Client queue"), std::string::npos);
  EXPECT_EQ(block.find("Connect time"), std::string::npos);
  EXPECT_EQ(block.find("Failures by reason"), std::string::npos);
}

}  // namespace
}  // namespace llmload::report

namespace llmload::report {
namespace {

// vLLM's table of a pooling run (serve.py's EmbedBenchmarkMetrics branch): no generated-token,
// goodput, output-throughput or peak rows; "Input throughput (inputs/s)"; TTFT/TPOT/ITL never.
TEST(ConsoleTable, PoolingRunHasVllmsEmbeddingRows) {
  metrics::RunSummary s;
  s.options.pooling = true;
  s.options.percentile_metrics = {"ttft", "e2el"};
  s.completed = 100;
  s.failed = 2;
  s.duration_s = 4.0;
  s.total_input_tokens = 1000;
  s.total_input_sequences = 100;
  s.request_throughput = 25.0;
  s.total_token_throughput = 250.0;
  s.max_concurrent_requests = 9;
  s.ttft_ms = stats(1, 1, {{99, 1}});
  s.e2el_ms = stats(12.345, 11.5, {{99, 30.25}});
  TableContext context;
  context.max_concurrency = 8;
  context.goodput_configured = true;
  context.percentiles = {99};
  const std::string expected =
      "============ Serving Benchmark Result ============\n"
      "Successful requests:                     100       \n"
      "Failed requests:                         2         \n"
      "Maximum request concurrency:             8         \n"
      "Benchmark duration (s):                  4.00      \n"
      "Total input tokens:                      1000      \n"
      "Request throughput (req/s):              25.00     \n"
      "Input throughput (inputs/s):             25.00     \n"
      "Total token throughput (tok/s):          250.00    \n"
      "----------------End-to-end Latency----------------\n"
      "Mean E2EL (ms):                          12.35     \n"
      "Median E2EL (ms):                        11.50     \n"
      "P99 E2EL (ms):                           30.25     \n"
      "==================================================\n";
  EXPECT_EQ(format_result_table(s, context), expected);
  // A rerank request counts its documents: 300 sequences in 4 s.
  s.total_input_sequences = 300;
  EXPECT_NE(format_result_table(s, context).find("Input throughput (inputs/s):             75.00     \n"),
            std::string::npos);
}

}  // namespace
}  // namespace llmload::report
