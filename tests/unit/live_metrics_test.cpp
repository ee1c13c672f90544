// llmload's own Prometheus metrics: the text exposition of progress and interval figures,
// histogram buckets from interval HdrHistograms, stages that repeat keep counting up, label
// escaping, the /metrics server on loopback, and the Grafana dashboard naming only series
// that exist.
#include "llmload/live/live_metrics.hpp"
#include "llmload/live/metrics_server.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace llmload::live {
namespace {

using namespace std::chrono_literals;

metrics::IntervalRecorder interval_with(std::initializer_list<std::int64_t> ttft_us, std::int64_t failed_connect) {
  metrics::IntervalRecorder r;
  for (const auto v : ttft_us) r.ttft_us.record(v);
  r.completed = static_cast<std::int64_t>(ttft_us.size());
  r.output_tokens = 10 * r.completed;
  r.failed = failed_connect;
  r.failed_by[static_cast<std::size_t>(metrics::Outcome::kConnectError)] = failed_connect;
  return r;
}

TEST(LiveMetrics, RendersCountersGaugesAndHistograms) {
  LiveMetrics m;
  m.begin_stage("soak", "http://127.0.0.1:8000");
  m.progress(12, 9, 2);
  m.interval(interval_with({800, 30'000, 50'500, 50'700, 2'000'000}, 2));
  const std::string text = m.render();
  const std::string labels = R"({stage="soak",target="http://127.0.0.1:8000"})";
  EXPECT_NE(text.find("# TYPE llmload_requests_sent_total counter\nllmload_requests_sent_total" + labels + " 12\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("llmload_requests_completed_total" + labels + " 7\n"), std::string::npos);
  EXPECT_NE(text.find("llmload_requests_in_flight" + labels + " 3\n"), std::string::npos);
  EXPECT_NE(text.find("llmload_output_tokens_total" + labels + " 50\n"), std::string::npos);
  EXPECT_NE(text.find(R"(llmload_requests_failed_total{stage="soak",target="http://127.0.0.1:8000",reason="connect_error"} 2)"),
            std::string::npos) << text;
  // Cumulative buckets: 0.8 ms in le=0.001; 30 ms in le=0.05; 50.5 and 50.7 ms in le=0.075; 2 s in le=2.
  const std::string b = R"(llmload_ttft_seconds_bucket{stage="soak",target="http://127.0.0.1:8000",le=")";
  EXPECT_NE(text.find(b + "0.001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(b + "0.025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find(b + "0.05\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find(b + "0.075\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find(b + "1.5\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find(b + "2\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find(b + "+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("llmload_ttft_seconds_count" + labels + " 5\n"), std::string::npos);
  // The sum from slot midpoints: within 0.1% of 2.132 s.
  const auto at = text.find("llmload_ttft_seconds_sum" + labels + " ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NEAR(std::stod(text.substr(at + 24 + labels.size() + 1)), 2.132, 0.002);
}

TEST(LiveMetrics, ARepeatedStageKeepsCountingUpAndLabelsAreEscaped) {
  LiveMetrics m;
  m.begin_stage("a \"quoted\" \\ name", "t");
  m.progress(10, 10, 0);
  m.begin_stage("other", "t");
  m.progress(5, 5, 1);
  m.begin_stage("a \"quoted\" \\ name", "t");  // the stage again (a repeat): counters go on
  m.progress(3, 2, 0);
  const std::string text = m.render();
  EXPECT_NE(text.find(R"(llmload_requests_sent_total{stage="a \"quoted\" \\ name",target="t"} 13)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(llmload_requests_completed_total{stage="a \"quoted\" \\ name",target="t"} 12)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(llmload_requests_completed_total{stage="other",target="t"} 4)"), std::string::npos);
  EXPECT_NE(text.find(R"(llmload_requests_in_flight{stage="a \"quoted\" \\ name",target="t"} 1)"), std::string::npos);
  EXPECT_GE(m.updates(), 6u);
}

TEST(LiveMetrics, ServerAnswersMetricsOnLoopbackAndNothingElse) {
  LiveMetrics m;
  m.begin_stage("bench", "t");
  m.progress(1, 1, 0);
  MetricsServer server(m);
  ASSERT_TRUE(server.start(0));
  const auto base = net::parse_url("http://127.0.0.1:" + std::to_string(server.port()), "test").value();
  const auto endpoints = net::resolve(base.host, base.port).value();
  const auto ok = net::fetch(base, endpoints, "GET", "/metrics", {}, {}, 5s);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("llmload_requests_sent_total{stage=\"bench\",target=\"t\"} 1"), std::string::npos);
  EXPECT_EQ(server.scrapes(), 1);
  const auto other = net::fetch(base, endpoints, "GET", "/", {}, {}, 5s);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(server.scrapes(), 1);
  // Nothing scrapes again: the wait gives up at its limit.
  EXPECT_FALSE(server.wait_for_final_scrape(100ms));
  server.stop();
  server.stop();  // idempotent
}

TEST(LiveMetrics, GrafanaDashboardNamesOnlySeriesThatExist) {
  std::ifstream in(std::string(LLMLOAD_PROFILES_DIR) + "/../deploy/grafana-llmload.json");
  ASSERT_TRUE(in) << "deploy/grafana-llmload.json";
  std::stringstream dashboard;
  dashboard << in.rdbuf();
  LiveMetrics m;
  m.begin_stage("s", "t");
  m.interval(interval_with({1000}, 1));
  const std::string text = m.render();
  std::set<std::string> names;
  const std::string d = dashboard.str();
  const std::regex name(R"(llmload_[a-z0-9_]+)");
  for (auto it = std::sregex_iterator(d.begin(), d.end(), name); it != std::sregex_iterator(); ++it) names.insert(it->str());
  ASSERT_GE(names.size(), 8u);
  for (const auto& n : names) {
    EXPECT_NE(text.find("\n" + n + "{"), std::string::npos) << n << " is charted but never served";
  }
}

}  // namespace
}  // namespace llmload::live
