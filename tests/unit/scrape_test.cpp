#include "llmload/report/console_table.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/report/result_reader.hpp"
#include "llmload/scrape/prometheus.hpp"
#include "llmload/scrape/server_metrics.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

namespace llmload::scrape {
namespace {

// A trimmed vLLM v1 exposition (two engines, so label sets must be summed), with the comment
// lines, a histogram and a timestamped sample a real one has.
constexpr std::string_view kVllm =
    "# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
    "# TYPE vllm:num_requests_running gauge\n"
    "vllm:num_requests_running{engine=\"0\",model_name=\"Qwen/Qwen2.5-7B\"} 12.0\n"
    "vllm:num_requests_running{engine=\"1\",model_name=\"Qwen/Qwen2.5-7B\"} 8.0\n"
    "vllm:num_requests_waiting{engine=\"0\",model_name=\"Qwen/Qwen2.5-7B\"} 3.0\r\n"
    "vllm:kv_cache_usage_perc{engine=\"0\"} 0.25\n"
    "vllm:kv_cache_usage_perc{engine=\"1\"} 0.5\n"
    "vllm:prefix_cache_queries_total{engine=\"0\"} 1000.0\n"
    "vllm:prefix_cache_hits_total{engine=\"0\"} 250.0\n"
    "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"m\"} 42.0\n"
    "process_start_time_seconds 1.7e+09 1732960000000\n";

TEST(Prometheus, ParsesNamesLabelsValuesAndSkipsComments) {
  const auto e = parse_exposition(kVllm);
  EXPECT_EQ(e.bad_lines, 0u) << (e.problems.empty() ? "" : e.problems.front());
  ASSERT_EQ(e.samples.size(), 9u);
  EXPECT_EQ(e.samples[0].name, "vllm:num_requests_running");
  EXPECT_EQ(e.samples[0].label("model_name"), "Qwen/Qwen2.5-7B");
  EXPECT_EQ(e.samples[0].label("absent"), "");
  EXPECT_DOUBLE_EQ(e.total("vllm:num_requests_running").value, 20.0);
  EXPECT_DOUBLE_EQ(e.max("vllm:kv_cache_usage_perc").value, 0.5);
  EXPECT_DOUBLE_EQ(e.total("vllm:num_requests_waiting").value, 3.0);  // CRLF line end
  EXPECT_DOUBLE_EQ(e.samples[7].value, 42.0);
  EXPECT_EQ(e.samples[7].label("le"), "+Inf");
  EXPECT_DOUBLE_EQ(e.total("process_start_time_seconds").value, 1.7e9);
  EXPECT_FALSE(e.total("vllm:absent").found);
}

TEST(Prometheus, EscapesSpecialValuesAndBadLines) {
  const auto e = parse_exposition(
      "a{path=\"C:\\\\dir\",msg=\"say \\\"hi\\\"\\nbye\"} NaN\n"
      "b +Inf\n"
      "c -Inf\n"
      "d{x=\"1\",} 2\n"
      "  \n"
      "broken{x=1} 3\n"
      "e 1 2 3\n"
      "f notanumber\n"
      "{x=\"1\"} 4\n");
  ASSERT_EQ(e.samples.size(), 4u);
  EXPECT_EQ(e.samples[0].label("path"), "C:\\dir");
  EXPECT_EQ(e.samples[0].label("msg"), "say \"hi\"\nbye");
  EXPECT_TRUE(std::isnan(e.samples[0].value));
  EXPECT_TRUE(std::isinf(e.samples[1].value) && e.samples[1].value > 0);
  EXPECT_TRUE(std::isinf(e.samples[2].value) && e.samples[2].value < 0);
  EXPECT_EQ(e.samples[3].label("x"), "1");  // a trailing comma is allowed
  EXPECT_EQ(e.bad_lines, 4u);
  ASSERT_EQ(e.problems.size(), 4u);
  EXPECT_EQ(e.problems[0], "line 6: expected '\"' at column 10");
  EXPECT_NE(e.problems[1].find("line 7"), std::string::npos);
  EXPECT_NE(e.problems[2].find("'notanumber' is not a number"), std::string::npos);
  EXPECT_NE(e.problems[3].find("line 9: expected a metric or label name"), std::string::npos);
}

std::size_t slot(std::string_view key) {
  const auto m = watched_metrics();
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i].key == key) return i;
  }
  ADD_FAILURE() << key;
  return 0;
}

TEST(ServerMetrics, ExtractsSumsMaximaAndAlternativeNames) {
  const std::vector<Exposition> both = {
      parse_exposition(kVllm),
      // A DCGM exporter for two GPUs beside the server.
      parse_exposition("DCGM_FI_DEV_FB_USED{gpu=\"0\"} 70000\nDCGM_FI_DEV_FB_USED{gpu=\"1\"} 71000\n"
                       "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 90\nDCGM_FI_DEV_GPU_UTIL{gpu=\"1\"} 97\n")};
  const auto p = extract_point(123, both);
  EXPECT_EQ(p.t_ns, 123);
  EXPECT_DOUBLE_EQ(p.values[slot("running")], 20.0);
  EXPECT_DOUBLE_EQ(p.values[slot("kv_cache_usage")], 50.0);  // fullest engine, in percent
  EXPECT_DOUBLE_EQ(p.values[slot("device_memory_used_mib")], 141000.0);
  EXPECT_DOUBLE_EQ(p.values[slot("device_utilization")], 97.0);
  EXPECT_TRUE(std::isnan(p.values[slot("preemptions")]));
  // Older vLLM and SGLang spell them differently.
  const std::vector<Exposition> old = {parse_exposition(
      "vllm:gpu_cache_usage_perc 0.1\nsglang:num_queue_reqs 7\nnpu_chip_info_hbm_used_memory{id=\"0\"} 30000\n")};
  const auto q = extract_point(0, old);
  EXPECT_DOUBLE_EQ(q.values[slot("kv_cache_usage")], 10.0);
  EXPECT_DOUBLE_EQ(q.values[slot("waiting")], 7.0);
  EXPECT_DOUBLE_EQ(q.values[slot("device_memory_used_mib")], 30000.0);
}

TEST(ServerMetrics, ImplausibleValuesAreLeftOutAndCounted) {
  const std::vector<Exposition> hostile = {parse_exposition(
      "vllm:num_requests_running{engine=\"0\"} 1e308\nvllm:num_requests_running{engine=\"1\"} 1e308\n"
      "vllm:num_requests_waiting NaN\nvllm:num_preemptions_total -Inf\nvllm:gpu_cache_usage_perc 0.25\n")};
  const auto p = extract_point(0, hostile);
  EXPECT_TRUE(std::isnan(p.values[slot("running")]));  // the sum overflowed to infinity
  EXPECT_TRUE(std::isnan(p.values[slot("waiting")]));
  EXPECT_TRUE(std::isnan(p.values[slot("preemptions")]));
  EXPECT_DOUBLE_EQ(p.values[slot("kv_cache_usage")], 25.0);
  EXPECT_EQ(p.out_of_range, 3u);
  ScrapeSeries series;
  series.points = {p, p};
  const auto summary = summarize(series);
  for (const auto& m : summary.metrics) EXPECT_TRUE(std::isfinite(m.mean) && std::isfinite(m.increase)) << m.key;
}

ScrapeSeries three_scrapes() {
  ScrapeSeries series;
  series.sources = {"http://127.0.0.1:8000/metrics"};
  series.interval_s = 1.0;
  const char* texts[] = {
      "vllm:num_requests_running 0\nvllm:prefix_cache_queries_total 100\nvllm:prefix_cache_hits_total 10\n",
      "vllm:num_requests_running 30\nvllm:prefix_cache_queries_total 600\nvllm:prefix_cache_hits_total 210\n",
      "vllm:num_requests_running 6\nvllm:prefix_cache_queries_total 1100\nvllm:prefix_cache_hits_total 410\n"};
  core::Nanos t = 5'000'000'000;
  for (const char* text : texts) {
    const std::vector<Exposition> one = {parse_exposition(text)};
    series.points.push_back(extract_point(t, one));
    t += 1'000'000'000;
  }
  return series;
}

TEST(ServerMetrics, SummaryGivesMeanPeakIncreaseAndHitRate) {
  const auto s = summarize(three_scrapes());
  EXPECT_EQ(s.scrapes, 3u);
  ASSERT_EQ(s.metrics.size(), 3u);  // only what the server exposed
  EXPECT_EQ(s.metrics[0].key, "running");
  EXPECT_DOUBLE_EQ(s.metrics[0].mean, 12.0);
  EXPECT_DOUBLE_EQ(s.metrics[0].max, 30.0);
  EXPECT_DOUBLE_EQ(s.metrics[1].increase, 1000.0);
  EXPECT_DOUBLE_EQ(s.metrics[2].increase, 400.0);
  EXPECT_DOUBLE_EQ(s.prefix_cache_hit_rate_pct, 40.0);
}

TEST(ServerMetrics, CounterResetCountsFromTheReset) {
  auto series = three_scrapes();
  const std::vector<Exposition> restarted = {
      parse_exposition("vllm:prefix_cache_queries_total 50\nvllm:prefix_cache_hits_total 5\n")};
  series.points.push_back(extract_point(9'000'000'000, restarted));
  const auto s = summarize(series);
  EXPECT_DOUBLE_EQ(s.metrics[1].increase, 50.0);
  EXPECT_DOUBLE_EQ(s.metrics[2].increase, 5.0);
}

TEST(ServerMetrics, JsonHoldsSummaryAndSeriesWithNullsForGaps) {
  auto series = three_scrapes();
  const std::vector<Exposition> partial = {parse_exposition("vllm:prefix_cache_queries_total 1200\n")};
  series.points.push_back(extract_point(8'000'000'000, partial));
  series.notes.push_back("http://127.0.0.1:9400/metrics not scraped: answered HTTP 404");
  const auto summary = summarize(series);
  const auto doc = boost::json::parse(server_metrics_json(series, summary, 4'000'000'000)).as_object();
  EXPECT_EQ(doc.at("scrapes").as_int64(), 4);
  EXPECT_EQ(doc.at("notes").as_array().size(), 1u);
  const auto& t = doc.at("series").at("t_s").as_array();
  ASSERT_EQ(t.size(), 4u);
  EXPECT_DOUBLE_EQ(t[0].as_double(), 1.0);
  const auto& running = doc.at("series").at("running").as_array();
  EXPECT_DOUBLE_EQ(running[1].to_number<double>(), 30.0);
  EXPECT_TRUE(running[3].is_null());
  EXPECT_DOUBLE_EQ(doc.at("summary").at("running").at("max").to_number<double>(), 30.0);
  EXPECT_DOUBLE_EQ(doc.at("summary").at("prefix_cache_queries").at("increase").to_number<double>(), 1100.0);
  EXPECT_FALSE(doc.at("summary").at("running").as_object().contains("increase"));
}

TEST(ServerMetrics, ConsoleBlockInTheTablesColumns) {
  const auto text = report::format_server_metrics(summarize(three_scrapes()));
  EXPECT_EQ(text,
            "===== Server metrics (scraped, not in vLLM) ======\n"
            "Scrapes of /metrics:                     3         \n"
            "Scrape interval (s):                     1.00      \n"
            "Mean running requests:                   12.00     \n"
            "Peak running requests:                   30.00     \n"
            "Prefix-cache queries (tokens):           1000      \n"
            "Prefix-cache hits (tokens):              400       \n"
            "Prefix-cache hit rate (%):               40.00     \n"
            "==================================================\n");
  EXPECT_EQ(report::format_server_metrics({}), "");
  ServerMetricsSummary only_note;
  only_note.notes = {"http://x/metrics not scraped: answered HTTP 404"};
  EXPECT_NE(report::format_server_metrics(only_note).find("note: http://x/metrics not scraped"), std::string::npos);
}

// Two targets: the sum as before, and each target's own series and summary beside it (a
// scrape a target missed is left out of its series only).
TEST(ServerMetrics, EachTargetKeepsItsOwnSeriesAndSummary) {
  ScrapeSeries series;
  series.interval_s = 1;
  series.targets = {"http://a/metrics", "http://b/metrics"};
  const double running_a[] = {1, 3, 5}, running_b[] = {10, 20, 30}, tokens_a[] = {0, 40, 100}, tokens_b[] = {0, 7, 9};
  for (int k = 0; k < 3; ++k) {
    const std::vector<Exposition> each = {
        parse_exposition(fmt::format("vllm:num_requests_running {}\nvllm:generation_tokens_total {}\n", running_a[k], tokens_a[k])),
        parse_exposition(fmt::format("vllm:num_requests_running {}\nvllm:generation_tokens_total {}\n", running_b[k], tokens_b[k]))};
    auto point = extract_point(k * 1'000'000'000LL, each);
    point.per_target = {extract_point(point.t_ns, std::span(&each[0], 1)).values,
                        k == 1 ? std::vector<double>{} : extract_point(point.t_ns, std::span(&each[1], 1)).values};
    series.points.push_back(std::move(point));
  }
  const auto s = summarize(series);
  EXPECT_DOUBLE_EQ(s.metrics[0].mean, 23.0);  // the sum, as with one target: (11 + 23 + 35) / 3
  ASSERT_EQ(s.per_target.size(), 2u);
  EXPECT_EQ(s.per_target[0].source, "http://a/metrics");
  EXPECT_EQ(s.per_target[0].scrapes, 3u);
  EXPECT_DOUBLE_EQ(s.per_target[0].metrics[0].mean, 3.0);
  EXPECT_DOUBLE_EQ(s.per_target[0].metrics[1].increase, 100.0);
  EXPECT_EQ(s.per_target[1].scrapes, 2u);  // it missed one scrape
  EXPECT_DOUBLE_EQ(s.per_target[1].metrics[0].max, 30.0);
  EXPECT_DOUBLE_EQ(s.per_target[1].metrics[1].increase, 9.0);
  const auto doc = boost::json::parse(server_metrics_json(series, s, 0)).as_object();
  const auto& b = doc.at("per_target").as_array().at(1).as_object();
  EXPECT_EQ(b.at("source").as_string(), "http://b/metrics");
  EXPECT_EQ(b.at("series").at("t_s").as_array().size(), 2u);
  EXPECT_DOUBLE_EQ(b.at("summary").at("generation_tokens").at("increase").to_number<double>(), 9.0);
  EXPECT_DOUBLE_EQ(doc.at("summary").at("generation_tokens").at("increase").to_number<double>(), 109.0);  // the sum holds b at every scrape
  const auto text = report::format_server_metrics(s);
  EXPECT_NE(text.find("Target 2: http://b/metrics (2 scrapes)\n  Mean running requests:                 20.00"),
            std::string::npos) << text;
  // One target: no per-target block and no per_target key.
  series.targets.clear();
  EXPECT_TRUE(summarize(series).per_target.empty());
  EXPECT_EQ(server_metrics_json(series, summarize(series), 0).find("per_target"), std::string::npos);
}

TEST(ServerMetrics, ReportsReadTheScrapedSeriesBack) {
  auto series = three_scrapes();
  const std::vector<Exposition> partial = {parse_exposition("vllm:prefix_cache_queries_total 1200\n")};
  series.points.push_back(extract_point(8'000'000'000, partial));
  report::RunInfo info;
  info.date = "20261130-120000";
  info.backend = "openai";
  info.server_metrics_json = server_metrics_json(series, summarize(series), 5'000'000'000);
  metrics::RunSummary summary;
  const auto run = report::parse_report_run(report::result_json(summary, info, false), "r.json");
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->server_metrics.size(), 3u);
  EXPECT_EQ(run->server_metrics[0].name, "running requests");
  ASSERT_EQ(run->server_metrics[0].points.size(), 3u);  // the fourth scrape had no value
  EXPECT_DOUBLE_EQ(run->server_metrics[0].points[1].first, 1.0);
  EXPECT_DOUBLE_EQ(run->server_metrics[0].points[1].second, 30.0);
  EXPECT_EQ(run->server_metrics[1].name, "prefix-cache queries (tokens)");
  EXPECT_EQ(run->server_metrics[1].points.size(), 4u);
}

// The server's own latency figures: each histogram's mean over the run from the increase of its
// _sum over the increase of its _count, summed over replicas; older and SGLang names too.
TEST(ServerMetrics, LatencyHistogramsGiveTheServersMeansOverTheRun) {
  ScrapeSeries series;
  const std::vector<Exposition> before = {
      parse_exposition("vllm:time_to_first_token_seconds_sum 1.0\nvllm:time_to_first_token_seconds_count 10\n"
                       "vllm:request_queue_time_seconds_sum 0\nvllm:request_queue_time_seconds_count 10\n"),
      parse_exposition("sglang:time_to_first_token_seconds_sum 0.5\nsglang:time_to_first_token_seconds_count 5\n")};
  const std::vector<Exposition> after = {
      // 30 requests at 50 ms TTFT and 4 ms queue on the vLLM replica since the first scrape
      parse_exposition("vllm:time_to_first_token_seconds_sum 2.5\nvllm:time_to_first_token_seconds_count 40\n"
                       "vllm:request_queue_time_seconds_sum 0.12\nvllm:request_queue_time_seconds_count 40\n"
                       "vllm:time_per_output_token_seconds_sum 0.2\nvllm:time_per_output_token_seconds_count 10\n"),
      // 10 at 150 ms on the SGLang one
      parse_exposition("sglang:time_to_first_token_seconds_sum 2.0\nsglang:time_to_first_token_seconds_count 15\n")};
  series.points = {extract_point(0, before), extract_point(1'000'000'000, after)};
  const auto s = summarize(series);
  // Both names are the same figure: the first one present is read (vLLM's), as for the gauges.
  ASSERT_GE(s.latencies.size(), 2u);
  EXPECT_EQ(s.latencies[0].key, "ttft");
  EXPECT_NEAR(s.latencies[0].mean_ms, 1000.0 * 1.5 / 30.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.latencies[0].count, 30.0);
  // The older inter-token name appears only in the last scrape: no increase to average.
  EXPECT_EQ(s.latencies[1].key, "queue");
  EXPECT_NEAR(s.latencies[1].mean_ms, 4.0, 1e-9);
  const auto doc = boost::json::parse(server_metrics_json(series, s, 0)).as_object();
  const auto& latency = doc.at("summary").at("latency_ms").as_object();
  EXPECT_NEAR(latency.at("ttft").at("mean").to_number<double>(), 50.0, 1e-9);
  EXPECT_DOUBLE_EQ(latency.at("queue").at("count").to_number<double>(), 30.0);
  EXPECT_FALSE(latency.contains("itl"));
  // No histogram at all: no key.
  const auto plain = summarize(three_scrapes());
  EXPECT_TRUE(plain.latencies.empty());
  const auto plain_doc = boost::json::parse(server_metrics_json(three_scrapes(), plain, 0)).as_object();
  EXPECT_FALSE(plain_doc.at("summary").as_object().contains("latency_ms"));
}

}  // namespace
}  // namespace llmload::scrape
