// Simulated disruptions (issue 20): the simulator's loopback control endpoint
// (POST /llmload/sim/{pause,fail,restart}?for=...) on a server started here, and a profile
// whose stage pauses the built-in simulator mid-run (`events: [{at, sim: pause, for}]`): the
// report shows the requests cut by the request timeout, the TTFT spike and a recovery time
// consistent with the pause, checked against the interval rows the run wrote.
#include "cli_support.hpp"
#include "sim_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using llmload::sim::testing_support::Started;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

llmload::core::Result<llmload::net::SimpleResponse> post(const Started& s, const std::string& path,
                                                         std::string_view body = {}) {
  return llmload::net::fetch(s.base, s.endpoints, "POST", path, {{"Content-Type", "application/json"}}, body, 10s);
}

constexpr std::string_view kCompletion = R"({"model": "llmload-sim", "prompt": "a b c", "max_tokens": 2})";

llmload::sim::SimOptions quick() {
  llmload::sim::SimOptions o;
  o.ttft = 5ms;
  o.itl = 1ms;
  return o;
}

TEST(SimDisruptionServer, FailAnswers503UntilTheWindowCloses) {
  Started s(quick());
  const auto control = post(s, "/llmload/sim/fail?for=700ms");
  ASSERT_TRUE(control) << control.error().message;
  EXPECT_EQ(control->status, 200) << control->body;
  EXPECT_NE(control->body.find(R"("disruption":"fail")"), std::string::npos) << control->body;
  const auto failed = post(s, "/v1/completions", kCompletion);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 503);
  EXPECT_NE(failed->body.find("simulated disruption"), std::string::npos) << failed->body;
  std::this_thread::sleep_for(800ms);
  const auto ok = post(s, "/v1/completions", kCompletion);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST(SimDisruptionServer, PauseAnswersAtOnceThenHoldsEveryRequest) {
  Started s(quick());
  const auto start = Clock::now();
  const auto control = post(s, "/llmload/sim/pause?for=600ms");
  ASSERT_TRUE(control) << control.error().message;
  EXPECT_EQ(control->status, 200);
  EXPECT_LT(seconds_since(start), 0.3);  // the answer went out before the thread paused
  const auto held = llmload::net::fetch(s.base, s.endpoints, "GET", "/health", {}, {}, 10s);
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_EQ(held->status, 200);
  EXPECT_GE(seconds_since(start), 0.55);  // held until the pause ended
  EXPECT_LT(seconds_since(start), 3.0);
}

TEST(SimDisruptionServer, RestartDropsConnectionsRefusesThenAcceptsAgain) {
  Started s(quick());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket open(ioc);
  boost::asio::connect(open, s.endpoints);
  const auto control = post(s, "/llmload/sim/restart?for=700ms");
  ASSERT_TRUE(control) << control.error().message;
  EXPECT_EQ(control->status, 200);
  const auto start = Clock::now();
  char byte = 0;
  boost::system::error_code ec;
  boost::asio::read(open, boost::asio::buffer(&byte, 1), ec);  // the server shut it down
  EXPECT_EQ(ec, boost::asio::error::eof) << ec.message();
  EXPECT_LT(seconds_since(start), 1.0);
  const auto refused = llmload::net::fetch(s.base, s.endpoints, "GET", "/health", {}, {}, 2s);
  EXPECT_FALSE(refused) << "a connection was accepted during the restart";
  std::this_thread::sleep_for(900ms);
  const auto again = llmload::net::fetch(s.base, s.endpoints, "GET", "/health", {}, {}, 5s);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, 200);
}

TEST(SimDisruptionServer, BadControlRequestsAreAnsweredNotApplied) {
  Started s(quick());
  const auto unknown = post(s, "/llmload/sim/explode?for=1s");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("unknown simulator disruption 'explode'"), std::string::npos) << unknown->body;
  const auto bad = post(s, "/llmload/sim/pause?for=soon");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  const auto no_duration = post(s, "/llmload/sim/fail");
  ASSERT_TRUE(no_duration);
  EXPECT_EQ(no_duration->status, 400);
  EXPECT_NE(no_duration->body.find("needs how long it lasts"), std::string::npos) << no_duration->body;
  const auto get = llmload::net::fetch(s.base, s.endpoints, "GET", "/llmload/sim/pause?for=1s", {}, {}, 5s);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  const auto still = post(s, "/v1/completions", kCompletion);  // nothing was applied
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

/// The interval rows of a run's .intervals.csv: start, end, completed, failed, TTFT p99.
struct Row {
  double start = 0, end = 0, ttft_p99 = 0;
  long completed = 0, failed = 0;
};

std::vector<Row> read_rows(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    if (f.size() < 8) continue;
    rows.push_back({std::stod(f[0]), std::stod(f[1]), std::stod(f[7]), std::stol(f[2]), std::stol(f[3])});
  }
  return rows;
}

class SimDisruptionRun : public llmload::testing_support::CliTest {
 protected:
  SimDisruptionRun() : CliTest("llmload-sim-disruption") {}
};

// The built-in simulator (50 ms TTFT, 20 ms ITL: 190 ms a request) pauses 2 s at t = 4 s
// under 20 requests/s with a 1 s request timeout (the issue's 5 s at 10 s, scaled down).
// Requests sent in the first ~1.2 s of the pause (and those in flight at its start) wait
// past the timeout and are cut; those sent later are delayed (the TTFT spike); after it the
// p99 is back at the baseline.
TEST_F(SimDisruptionRun, PauseCutsRequestsSpikesAndRecoversAfterThePause) {
  const auto path = dir_ / "pause.yaml";
  std::ofstream(path) << "target: {request_timeout: 1s}\n"
                      << "workload: {input_len: 8, output_len: 8}\n"
                      << "load:\n  stages:\n    - name: pause\n      rate: 20/s\n      duration: 10s\n"
                      << "      events: [{at: 4s, sim: pause, for: 2s}]\n"
                      << "slo:\n  - {metric: recovery_time, max: 10s}\n"
                      << "outputs: {dir: " << (dir_ / "out").string() << ", formats: [json], interval: 500ms}\n";
  const auto r = run("run " + path.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("== disruption at "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("`sim: pause for 2s`"), std::string::npos) << r.out;
  const auto result = boost::json::parse(llmload::testing_support::slurp(dir_ / "out" / "01-01-pause.json")).as_object();
  const auto& d = result.at("llmload").at("disruptions").as_array().at(0).as_object();
  EXPECT_EQ(d.at("sim").as_string(), "pause");
  EXPECT_DOUBLE_EQ(d.at("for_s").as_double(), 2.0);
  EXPECT_EQ(d.at("exit_status").as_int64(), 0);
  const double at = d.at("at_s").as_double();
  EXPECT_GE(at, 4.0);
  EXPECT_LT(at, 4.6);  // the next progress tick after 4 s
  const std::int64_t failed = d.at("failed").as_int64();
  const double baseline = d.at("baseline_ttft_p99_ms").as_double(), peak = d.at("peak_ttft_p99_ms").as_double();
  ASSERT_TRUE(d.at("recovery_s").is_double()) << r.out;
  const double recovery = d.at("recovery_s").as_double();

  // From the interval rows: nothing failed before the pause; every failure (a timeout) lies
  // between the pause's start and its end plus the timeout and an interval; they are the
  // report's cut requests; the spike is in the intervals after the pause.
  const auto rows = read_rows(dir_ / "out" / "01-01-pause.intervals.csv");
  ASSERT_GE(rows.size(), 16u);
  long before = 0, around = 0, later = 0;
  double spike = 0;
  for (const auto& row : rows) {
    if (row.end <= at) before += row.failed;
    else if (row.start < at + 2.0 + 1.0 + 0.5) around += row.failed;
    else later += row.failed;
    if (row.start >= at) spike = std::max(spike, row.ttft_p99);
  }
  EXPECT_EQ(before, 0);
  EXPECT_EQ(later, 0);
  EXPECT_EQ(around, failed);
  // 20/s over the first ~1.2 s of the pause plus those in flight: about 24-28; held at
  // least 1 s, at most all 2 s of arrivals.
  EXPECT_GE(failed, 12);
  EXPECT_LE(failed, 48);
  EXPECT_EQ(result.at("failed").as_int64(), failed);
  const auto& reasons = result.at("llmload").at("failures_by_reason").as_object();
  ASSERT_TRUE(reasons.contains("timeout")) << boost::json::serialize(reasons);
  EXPECT_EQ(reasons.at("timeout").at("count").as_int64(), failed) << boost::json::serialize(reasons);
  EXPECT_LT(baseline, 300);
  EXPECT_DOUBLE_EQ(peak, spike);
  EXPECT_GT(peak, 600);   // requests sent late in the pause waited for its end
  EXPECT_LT(peak, 1100);  // none waited past the timeout and still completed
  // Back within the baseline's tolerance once the held requests are out: about the pause.
  EXPECT_GE(recovery, 2.0 - 0.5);
  EXPECT_LE(recovery, 2.0 + 2.0);
  EXPECT_NE(r.out.find("PASS pause: recovery_time <= 10000 ms (event at"), std::string::npos) << r.out;
  std::printf("event at %.2f s; cut %lld; TTFT p99 baseline %.1f ms, peak %.1f ms; recovery %.2f s\n", at,
              static_cast<long long>(failed), baseline, peak, recovery);
}

}  // namespace
