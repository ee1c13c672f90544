#include "llmload/report/json_result.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace llmload::report {
namespace {

namespace json = boost::json;

metrics::SampleStats stats(double mean, double median, double stddev,
                           std::vector<metrics::PercentileValue> ps) {
  metrics::SampleStats s;
  s.count = 2;
  s.mean = mean;
  s.median = median;
  s.stddev = stddev;
  s.min = 1;
  s.max = 9;
  s.percentiles = std::move(ps);
  return s;
}

metrics::RunSummary sample_summary() {
  metrics::RunSummary s;
  s.duration_s = 45.35;
  s.completed = 2;
  s.failed = 1;
  s.total_input_tokens = 200;
  s.total_output_tokens = 30;
  s.request_throughput = 0.5;
  s.output_throughput = 7.5;
  s.total_token_throughput = 57.5;
  s.max_output_tokens_per_s = 12.0;
  s.max_concurrent_requests = 2;
  s.ttft_ms = stats(100.5, 100.5, 0.5, {{99, 100.99}});
  s.tpot_ms = stats(20.0, 20.0, 0.0, {{99, 20.0}});
  s.itl_ms = stats(40.0, 40.0, 0.0, {{99, 40.0}});
  s.e2el_ms = stats(180.0, 180.0, 0.0, {{99, 180.0}});
  s.input_lens = {100, 100, 100};
  s.output_lens = {20, 10, 0};
  s.ttfts_s = {0.1, 0.101, 0.0};
  s.itls_s = {{0.04, 0.04}, {0.05}, {}};
  s.start_times_s = {0.0, 0.25, 0.5};
  s.generated_texts = {"a", "b\"c", ""};
  s.errors = {"", "", "HTTP 500"};
  s.peak_concurrency_exact = 1;
  s.dataset_input_tokens = 200;
  s.input_tokens_from_dataset = 2;
  s.output_tokens_from_usage = 1;
  s.output_tokens_from_chunks = 1;
  s.requests_without_done = 1;
  s.failures_by_reason = {{"http_status", 1, "HTTP 500"}};
  s.schedule_lag_ms = stats(0.1, 0.1, 0.0, {{50, 0.1}, {99.9, 0.2}});
  return s;
}

RunInfo sample_info() {
  RunInfo info;
  info.date = "20251123-101500";
  info.backend = "openai";
  info.model_id = "Qwen/Qwen2.5-VL-7B";
  info.tokenizer_id = "Qwen/Qwen2.5-VL-7B";
  info.num_prompts = 3;
  info.request_rate = 16.0;
  info.target = "http://127.0.0.1:8000";
  return info;
}

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

TEST(JsonResult, KeysInVllmOrder) {
  const auto v = json::parse(result_json(sample_summary(), sample_info(), false));
  const std::vector<std::string> expected{
      "date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id", "num_prompts",
      "request_rate", "burstiness", "max_concurrency", "duration", "completed", "failed",
      "total_input_tokens", "total_output_tokens", "request_throughput", "request_goodput",
      "output_throughput", "total_token_throughput", "latencies", "queue_times", "max_output_tokens_per_s",
      "max_concurrent_requests", "rtfx", "mean_ttft_ms", "median_ttft_ms", "std_ttft_ms", "p99_ttft_ms",
      "mean_tpot_ms", "median_tpot_ms", "std_tpot_ms", "p99_tpot_ms", "mean_itl_ms",
      "median_itl_ms", "std_itl_ms", "p99_itl_ms", "llmload"};
  EXPECT_EQ(keys_of(v.as_object()), expected);
}

TEST(JsonResult, ValuesAndVllmTypes) {
  const std::string text = result_json(sample_summary(), sample_info(), false);
  EXPECT_EQ(text.back(), '}');  // no trailing newline, like json.dump
  const auto o = json::parse(text).as_object();
  EXPECT_EQ(o.at("date").as_string(), "20251123-101500");
  EXPECT_EQ(o.at("endpoint_type").as_string(), "openai");
  EXPECT_EQ(o.at("backend").as_string(), "openai");
  EXPECT_TRUE(o.at("label").is_null());
  EXPECT_EQ(o.at("model_id").as_string(), "Qwen/Qwen2.5-VL-7B");
  EXPECT_EQ(o.at("num_prompts").as_int64(), 3);
  EXPECT_EQ(o.at("request_rate").as_double(), 16.0);
  EXPECT_EQ(o.at("burstiness").as_double(), 1.0);
  EXPECT_TRUE(o.at("max_concurrency").is_null());
  EXPECT_EQ(o.at("duration").as_double(), 45.35);
  EXPECT_EQ(o.at("completed").as_int64(), 2);
  EXPECT_EQ(o.at("failed").as_int64(), 1);
  EXPECT_EQ(o.at("total_input_tokens").as_int64(), 200);
  EXPECT_EQ(o.at("total_output_tokens").as_int64(), 30);
  EXPECT_EQ(o.at("request_throughput").as_double(), 0.5);
  EXPECT_TRUE(o.at("request_goodput").is_null());
  EXPECT_EQ(o.at("output_throughput").as_double(), 7.5);
  EXPECT_EQ(o.at("total_token_throughput").as_double(), 57.5);
  // vLLM writes this one as a float even though it is a count.
  EXPECT_TRUE(o.at("max_output_tokens_per_s").is_double());
  EXPECT_EQ(o.at("max_output_tokens_per_s").as_double(), 12.0);
  EXPECT_EQ(o.at("max_concurrent_requests").as_int64(), 2);
  EXPECT_EQ(o.at("mean_ttft_ms").as_double(), 100.5);
  EXPECT_EQ(o.at("std_ttft_ms").as_double(), 0.5);
  EXPECT_EQ(o.at("p99_ttft_ms").as_double(), 100.99);
  EXPECT_EQ(o.at("mean_tpot_ms").as_double(), 20.0);
  EXPECT_EQ(o.count("mean_e2el_ms"), 0u);
  EXPECT_EQ(o.count("input_lens"), 0u);
  // Python prints 16.0, not 16: the float survives as text too.
  EXPECT_NE(text.find("\"request_rate\":16.0,"), std::string::npos);
}

TEST(JsonResult, InfiniteRateIsTheStringInfAndOptionalsAreSet) {
  auto info = sample_info();
  info.request_rate = std::numeric_limits<double>::infinity();
  info.label = "nightly";
  info.max_concurrency = 64;
  info.goodput_configured = true;
  auto s = sample_summary();
  s.request_goodput = 0.25;
  s.good_requests = 1;
  const auto o = json::parse(result_json(s, info, false)).as_object();
  EXPECT_EQ(o.at("request_rate").as_string(), "inf");
  EXPECT_EQ(o.at("label").as_string(), "nightly");
  EXPECT_EQ(o.at("max_concurrency").as_int64(), 64);
  EXPECT_EQ(o.at("request_goodput").as_double(), 0.25);
  EXPECT_EQ(o.at("llmload").as_object().at("good_requests").as_int64(), 1);
}

TEST(JsonResult, DetailedArraysSitWhereVllmPutsThem) {
  const auto v = json::parse(result_json(sample_summary(), sample_info(), true));
  const auto& o = v.as_object();
  const auto keys = keys_of(o);
  const auto pos = [&](const std::string& k) {
    return std::find(keys.begin(), keys.end(), k) - keys.begin();
  };
  // Current vLLM's order (latencies and queue_times are there without --save-detailed too).
  const std::vector<std::string> detailed{"total_token_throughput", "input_lens", "output_lens", "ttfts", "itls",
                                          "latencies", "start_times", "queue_times", "generated_texts",
                                          "errors", "max_output_tokens_per_s"};
  for (std::size_t i = 1; i < detailed.size(); ++i) {
    EXPECT_EQ(pos(detailed[i]), pos(detailed[i - 1]) + 1) << detailed[i];
  }
  EXPECT_EQ(o.at("input_lens").as_array(), (json::array{100, 100, 100}));
  EXPECT_EQ(o.at("output_lens").as_array(), (json::array{20, 10, 0}));
  EXPECT_EQ(o.at("ttfts").as_array(), (json::array{0.1, 0.101, 0.0}));
  EXPECT_EQ(o.at("itls").as_array(),
            (json::array{json::array{0.04, 0.04}, json::array{0.05}, json::array{}}));
  EXPECT_EQ(o.at("start_times").as_array(), (json::array{0.0, 0.25, 0.5}));
  EXPECT_EQ(o.at("generated_texts").as_array(), (json::array{"a", "b\"c", ""}));
  EXPECT_EQ(o.at("errors").as_array(), (json::array{"", "", "HTTP 500"}));
}

TEST(JsonResult, SelectedMetricsFollowVllmOrderWithPercentileWords) {
  auto s = sample_summary();
  s.options.percentile_metrics = {"e2el", "ttft"};
  s.ttft_ms.percentiles = {{50, 1.0}, {99.9, 2.0}};
  s.e2el_ms.percentiles = {{50, 3.0}, {99.9, 4.0}};
  const auto o = json::parse(result_json(s, sample_info(), false)).as_object();
  auto keys = keys_of(o);
  const auto first = std::find(keys.begin(), keys.end(), "mean_ttft_ms");
  ASSERT_NE(first, keys.end());
  const std::vector<std::string> metric_keys(first, keys.end() - 1);
  EXPECT_EQ(metric_keys,
            (std::vector<std::string>{"mean_ttft_ms", "median_ttft_ms", "std_ttft_ms",
                                      "p50_ttft_ms", "p99.9_ttft_ms", "mean_e2el_ms",
                                      "median_e2el_ms", "std_e2el_ms", "p50_e2el_ms",
                                      "p99.9_e2el_ms"}));
  EXPECT_EQ(o.at("p99.9_e2el_ms").as_double(), 4.0);
}

TEST(JsonResult, MetadataKeysFollowNumPromptsAndCollideLikeADict) {
  auto info = sample_info();
  info.metadata = {{"gpu", "910B"}, {"run", "7"}, {"backend", "custom"}, {"request_rate", "x"}};
  const auto o = json::parse(result_json(sample_summary(), info, false)).as_object();
  const auto keys = keys_of(o);
  const std::vector<std::string> head(keys.begin(), keys.begin() + 11);
  EXPECT_EQ(head, (std::vector<std::string>{"date", "endpoint_type", "backend", "label",
                                            "model_id", "tokenizer_id", "num_prompts", "gpu",
                                            "run", "request_rate", "burstiness"}));
  EXPECT_EQ(o.at("gpu").as_string(), "910B");
  EXPECT_EQ(o.at("run").as_string(), "7");  // metadata values stay strings
  EXPECT_EQ(o.at("backend").as_string(), "custom");  // replaced in place
  EXPECT_EQ(o.at("request_rate").as_double(), 16.0);  // the later standard key wins
}

TEST(JsonResult, RampUpKeysFollowMaxConcurrency) {
  auto info = sample_info();
  info.ramp_up_strategy = "linear";
  info.ramp_up_start_rps = 1;
  info.ramp_up_end_rps = 20;
  const auto o = json::parse(result_json(sample_summary(), info, false)).as_object();
  const auto keys = keys_of(o);
  const auto mc = std::find(keys.begin(), keys.end(), "max_concurrency");
  ASSERT_NE(mc, keys.end());
  EXPECT_EQ(std::vector<std::string>(mc + 1, mc + 5),
            (std::vector<std::string>{"ramp_up_strategy", "ramp_up_start_rps", "ramp_up_end_rps",
                                      "duration"}));
  EXPECT_EQ(o.at("ramp_up_end_rps").as_int64(), 20);
}

TEST(JsonResult, LlmloadObjectCarriesTheExtensions) {
  auto info = sample_info();
  info.simulator = true;
  info.plan_json = R"({"requests":3,"rate":16.0})";
  const auto o = json::parse(result_json(sample_summary(), info, false)).as_object();
  const auto& x = o.at("llmload").as_object();
  EXPECT_EQ(keys_of(o).back(), "llmload");
  EXPECT_EQ(x.at("schema_version").as_int64(), 2);
  EXPECT_EQ(x.at("version").as_string(), LLMLOAD_VERSION);
  EXPECT_EQ(x.at("target").as_string(), "http://127.0.0.1:8000");
  EXPECT_TRUE(x.at("simulator").as_bool());
  EXPECT_EQ(x.at("plan").as_object().at("requests").as_int64(), 3);
  EXPECT_EQ(x.at("peak_concurrency_exact").as_int64(), 1);
  EXPECT_EQ(x.at("max_output_tokens_per_s_counts").as_string(), "chunks");
  EXPECT_EQ(x.at("dataset_input_tokens").as_int64(), 200);
  EXPECT_EQ(x.at("input_tokens_source").at("dataset").as_int64(), 2);
  EXPECT_EQ(x.at("output_tokens_source").at("usage").as_int64(), 1);
  EXPECT_EQ(x.at("output_tokens_source").at("chunks").as_int64(), 1);
  EXPECT_EQ(x.at("requests_without_done").as_int64(), 1);
  EXPECT_EQ(x.count("good_requests"), 0u);
  const auto& failures = x.at("failures_by_reason").as_object();
  EXPECT_EQ(failures.at("http_status").at("count").as_int64(), 1);
  EXPECT_EQ(failures.at("http_status").at("first_error").as_string(), "HTTP 500");
  const auto& lag = x.at("schedule_lag_ms").as_object();
  EXPECT_EQ(keys_of(lag), (std::vector<std::string>{"count", "mean", "median", "std", "min", "max",
                                                    "p50", "p99.9"}));
  EXPECT_EQ(lag.at("p99.9").as_double(), 0.2);
  EXPECT_EQ(x.at("client_queue_ms").at("count").as_int64(), 0);
  EXPECT_TRUE(x.at("ttft_from_schedule_ms").is_object());
  EXPECT_TRUE(x.at("connect_ms").is_object());
  EXPECT_TRUE(x.at("per_category").as_object().empty());
}

TEST(JsonResult, EmptyPlanIsLeftOut) {
  const auto o = json::parse(result_json(sample_summary(), sample_info(), false)).as_object();
  EXPECT_EQ(o.at("llmload").as_object().count("plan"), 0u);
  EXPECT_FALSE(o.at("llmload").at("simulator").as_bool());
}

TEST(JsonResult, FileNamesFollowVllm) {
  auto info = sample_info();
  EXPECT_EQ(result_file_name(info), "openai-16.0qps-Qwen2.5-VL-7B-20251123-101500.json");
  info.request_rate = 0.5;
  info.max_concurrency = 8;
  EXPECT_EQ(result_file_name(info),
            "openai-0.5qps-concurrency8-Qwen2.5-VL-7B-20251123-101500.json");
  info.request_rate = std::numeric_limits<double>::infinity();
  info.max_concurrency.reset();
  info.label = "ascend";
  info.model_id = "Qwen2.5-VL-7B";
  EXPECT_EQ(result_file_name(info), "ascend-infqps-Qwen2.5-VL-7B-20251123-101500.json");
  info.label = "";  // Python's `label or backend`: empty means unset
  info.backend = "openai-chat";
  EXPECT_EQ(result_file_name(info), "openai-chat-infqps-Qwen2.5-VL-7B-20251123-101500.json");
  info.ramp_up_strategy = "exponential";
  info.ramp_up_start_rps = 2;
  info.ramp_up_end_rps = 32;
  info.max_concurrency = 100;
  EXPECT_EQ(result_file_name(info),
            "openai-chat-ramp-up-exponential-2qps-32qps-concurrency100-Qwen2.5-VL-7B-"
            "20251123-101500.json");
}

}  // namespace
}  // namespace llmload::report
