// --metrics-port against Debian's real Prometheus server (package `prometheus`, installed by
// tools/setup.sh): the test starts /usr/bin/prometheus with its own config (scrape every 1 s)
// and storage in a temporary folder on a free loopback port, runs `llmload bench
// --metrics-port` against the built-in simulator, then asks Prometheus' query API for the
// completed-request counter (equal to the run's count) and the TTFT p99 from the histogram
// (within the width of the bucket that holds the run's own p99). Skipped only when the
// prometheus binary is absent.
#include "llmload/live/live_metrics.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/net/url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using llmload::testing_support::slurp;

constexpr const char* kPrometheus = "/usr/bin/prometheus";

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

class LiveMetrics : public llmload::testing_support::CliTest {
 protected:
  LiveMetrics() : CliTest("llmload-live") {}

  void TearDown() override {
    if (prometheus_ > 0) {
      ::kill(prometheus_, SIGTERM);
      int status = 0;
      ::waitpid(prometheus_, &status, 0);
    }
    CliTest::TearDown();
  }

  /// Starts Prometheus scraping 127.0.0.1:`target` every second; waits until it is ready.
  void start_prometheus(std::uint16_t target) {
    web_ = free_port();
    const auto config = dir_ / "prometheus.yml";
    std::ofstream(config) << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                          << "scrape_configs:\n  - job_name: llmload\n    static_configs:\n"
                          << "      - targets: ['127.0.0.1:" << target << "']\n";
    const std::string config_flag = "--config.file=" + config.string();
    const std::string storage_flag = "--storage.tsdb.path=" + (dir_ / "tsdb").string();
    const std::string web_flag = fmt::format("--web.listen-address=127.0.0.1:{}", web_);
    const std::string log = (dir_ / "prometheus.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const char* argv[] = {kPrometheus, config_flag.c_str(), storage_flag.c_str(), web_flag.c_str(), nullptr};
    ASSERT_EQ(posix_spawn(&prometheus_, kPrometheus, &actions, nullptr, const_cast<char**>(argv), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    // Ready, and scraping the target already (its first scrape may come seconds after it
    // is ready: it applies discovered targets in batches), so the whole run is scraped.
    for (int i = 0; i < 300; ++i) {
      const auto targets = get("/api/v1/targets");
      if (targets.status == 200 && targets.body.find("\"lastScrape\":\"2") != std::string::npos) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "Prometheus did not scrape within 30 s:\n" << slurp(log);
  }

  llmload::net::SimpleResponse get(const std::string& path) {
    const auto base = llmload::net::parse_url(fmt::format("http://127.0.0.1:{}", web_), "test").value();
    const auto endpoints = llmload::net::resolve(base.host, base.port).value();
    auto r = llmload::net::fetch(base, endpoints, "GET", path, {}, {}, 5s);
    return r ? *r : llmload::net::SimpleResponse{};
  }

  /// The value of an instant PromQL query with one result (NaN when none).
  double query(const std::string& promql) {
    const auto r = get("/api/v1/query?query=" + url_encode(promql));
    last_answer_ = std::to_string(r.status) + " " + r.body;
    if (r.status != 200) return NAN;
    const auto doc = boost::json::parse(r.body);
    const auto& result = doc.at("data").at("result").as_array();
    if (result.size() != 1) return NAN;
    return std::stod(std::string(result[0].at("value").as_array()[1].as_string()));
  }

  pid_t prometheus_ = 0;
  std::uint16_t web_ = 0;
  std::string last_answer_;  // the query API's last answer, for failure messages
};

TEST_F(LiveMetrics, PrometheusScrapesTheRunAndAgreesWithItsResult) {
  if (!fs::exists(kPrometheus)) GTEST_SKIP() << "no " << kPrometheus << " (Debian package prometheus; tools/setup.sh installs it)";
  const std::uint16_t port = free_port();
  start_prometheus(port);
  if (HasFatalFailure()) return;
  const auto r = run(fmt::format("bench --metrics-port {} --request-rate 25 --num-prompts 100 --random-input-len 8 "
                                 "--random-output-len 4 --sim-ttft-ms 50 --sim-itl-ms 5 --save-result --result-dir {} "
                                 "--result-filename r.json --metric-percentiles 99 --percentile-metrics ttft,itl",
                                 port, dir_.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << slurp(dir_ / "prometheus.log");
  EXPECT_NE(r.err.find(fmt::format("live metrics at http://127.0.0.1:{}/metrics", port)), std::string::npos) << r.err;
  const auto result = boost::json::parse(slurp(dir_ / "r.json")).as_object();
  const double completed = static_cast<double>(result.at("completed").as_int64());
  const double p99_s = result.at("p99_ttft_ms").to_number<double>() / 1000;
  // The series end when llmload exits (a stale marker): read their last values over a range.
  const std::string labels = "{job=\"llmload\",stage=\"bench\"}";
  double scraped = NAN;
  for (int i = 0; i < 50 && !(scraped == completed); ++i) {
    scraped = query("max_over_time(llmload_requests_completed_total" + labels + "[5m])");
    if (!(scraped == completed)) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(scraped, completed) << "Prometheus' last completed count differs from the run's: " << last_answer_
                                << "\ntargets: " << get("/api/v1/targets").body << "\n" << r.err;
  const double estimate =
      query("histogram_quantile(0.99, max_over_time(llmload_ttft_seconds_bucket" + labels + "[5m]))");
  const auto bounds = llmload::live::latency_buckets();
  const auto upper = std::lower_bound(bounds.begin(), bounds.end(), p99_s);
  ASSERT_NE(upper, bounds.end());
  const double width = *upper - (upper == bounds.begin() ? 0.0 : *(upper - 1));
  EXPECT_LE(std::abs(estimate - p99_s), width) << "histogram_quantile " << estimate << " s, the run's p99 " << p99_s
                                                << " s, bucket width " << width << " s";
  std::printf("completed %.0f, Prometheus %.0f; TTFT p99 %.4f s, histogram_quantile %.4f s, bucket width %.3f s\n",
              completed, scraped, p99_s, estimate, width);
  EXPECT_EQ(query("max_over_time(llmload_requests_sent_total" + labels + "[5m])"), completed);
  EXPECT_GT(query("max_over_time(llmload_output_tokens_total" + labels + "[5m])"), 0);
}

}  // namespace
