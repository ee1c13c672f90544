// --preconnect against the built-in simulator on loopback: the connections a closed loop needs
// are opened before the clock starts, so no request connects (connect time 0: every request
// reused one) and TTFT holds no connect; without it, the first requests connect themselves.
// A target that refuses connections is counted, never fatal. And `llmload bench --preconnect`
// says so on the console and in the result (llmload.preconnect).
#include "llmload/runtime/runner.hpp"

#include "cli_support.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace llmload::runtime {
namespace {

using namespace std::chrono_literals;

struct Sim {
  Sim() {
    sim::SimOptions options;
    options.ttft = 5ms;
    options.itl = 2ms;
    server = std::make_unique<sim::SimServer>(options);
    auto started = server->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
  }
  Target target() const {
    Target t;
    t.base = net::parse_url(server->base_url()).value();
    t.path = "/v1/completions";
    t.endpoints = net::resolve(t.base.host, t.base.port).value();
    return t;
  }
  std::unique_ptr<sim::SimServer> server;
};

RequestTemplate request_template() {
  RequestTemplate r;
  r.body.model = "llmload-sim";
  r.body.ignore_eos = true;
  return r;
}

std::vector<workload::RequestSpec> specs(std::size_t n) {
  workload::RandomDatasetOptions data;
  data.input_len = 8;
  data.output_len = 4;
  return workload::make_random_dataset(n, data).value();
}

std::int64_t connected(const RunOutput& out) {
  return std::count_if(out.records.begin(), out.records.end(), [](const auto& r) { return r.connect_ns > 0; });
}

RunOutput closed_loop(const Target& target, bool preconnect, int threads) {
  RunnerOptions options;
  options.threads = threads;
  options.max_concurrency = 8;
  options.preconnect = preconnect;
  Runner runner(target, request_template(), options);
  const auto requests = specs(40);
  const std::vector<core::Nanos> at_once(requests.size(), 0);
  return runner.run(requests, at_once);
}

TEST(Preconnect, ClosedLoopOpensItsConnectionsBeforeTheClock) {
  Sim sim;
  const auto out = closed_loop(sim.target(), true, 1);
  ASSERT_TRUE(out.preconnected);
  EXPECT_EQ(out.preconnected->wanted, 8);
  EXPECT_EQ(out.preconnected->opened, 8);
  EXPECT_EQ(out.preconnected->failed, 0);
  EXPECT_GT(out.preconnected->elapsed_ns, 0);
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.connect_ns, 0);  // a pooled connection: nothing connected after `st`
  }
}

TEST(Preconnect, SeveralThreadsShareTheConnectionsOut) {
  Sim sim;
  const auto out = closed_loop(sim.target(), true, 2);
  ASSERT_TRUE(out.preconnected);
  EXPECT_EQ(out.preconnected->wanted, 8);  // 4 per worker
  EXPECT_EQ(out.preconnected->opened, 8);
  // The global gate may give one worker more slots than its share (the first thread to run
  // takes them): those requests connect themselves, never more than the slots.
  for (const auto& r : out.records) ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_LE(connected(out), 8);
}

TEST(Preconnect, WithoutItTheFirstRequestsConnectInsideTheirTtft) {
  Sim sim;
  const auto out = closed_loop(sim.target(), false, 1);
  EXPECT_FALSE(out.preconnected);
  for (const auto& r : out.records) ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(connected(out), 8);  // every slot's first request opened its own connection, later ones reused them
  for (const auto& r : out.records) {
    if (r.connect_ns > 0) {
      EXPECT_GE(r.first_byte_ns - r.start_ns, r.connect_ns);  // inside its TTFT
    }
  }
}

TEST(Preconnect, ARefusingTargetIsCountedAndEachRequestFailsOnItsOwn) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();  // nothing listens there now
  Target t;
  t.base = net::parse_url("http://127.0.0.1:" + std::to_string(port)).value();
  t.path = "/v1/completions";
  t.endpoints = net::resolve(t.base.host, t.base.port).value();
  RunnerOptions options;
  options.preconnect = true;
  Runner runner(t, request_template(), options);
  const auto requests = specs(3);
  const std::vector<core::Nanos> at_once(3, 0);
  const auto out = runner.run(requests, at_once);
  ASSERT_TRUE(out.preconnected);
  EXPECT_EQ(out.preconnected->wanted, 3);
  EXPECT_EQ(out.preconnected->opened, 0);
  EXPECT_EQ(out.preconnected->failed, 3);
  EXPECT_NE(out.preconnected->first_error.find("refused"), std::string::npos) << out.preconnected->first_error;
  for (const auto& r : out.records) EXPECT_EQ(r.outcome, metrics::Outcome::kConnectError);
}

TEST(Preconnect, WithoutItARefusingTargetFailsEachRequestOnItsOwn) {
  // The first requests take connection objects made before the clock (socket open): a refused
  // connect on one is that request's failure, as with a socket opened on the clock.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  Target t;
  t.base = net::parse_url("http://127.0.0.1:" + std::to_string(port)).value();
  t.path = "/v1/completions";
  t.endpoints = net::resolve(t.base.host, t.base.port).value();
  Runner runner(t, request_template(), RunnerOptions{});
  const auto requests = specs(3);
  const std::vector<core::Nanos> at_once(3, 0);
  const auto out = runner.run(requests, at_once);
  EXPECT_FALSE(out.preconnected);
  for (const auto& r : out.records) {
    EXPECT_EQ(r.outcome, metrics::Outcome::kConnectError);
    EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  }
}

class PreconnectCli : public testing_support::CliTest {
 protected:
  PreconnectCli() : CliTest("llmload-preconnect") {}
};

TEST_F(PreconnectCli, BenchSaysWhichWasUsedOnTheConsoleAndInTheResult) {
  const std::string common = "bench --num-prompts 12 --max-concurrency 4 --random-input-len 8 --random-output-len 4 "
                             "--sim-ttft-ms 5 --sim-itl-ms 2 --save-result --result-dir " + dir_.string();
  const auto on = run(common + " --preconnect --result-filename on.json");
  ASSERT_EQ(on.exit_code, 0) << on.out << on.err;
  EXPECT_NE(on.out.find("Preconnected 4 of 4 connections"), std::string::npos) << on.out;
  EXPECT_NE(on.out.find("opened before the clock starts (--preconnect"), std::string::npos) << on.out;
  const auto doc = boost::json::parse(testing_support::slurp(dir_ / "on.json")).as_object();
  const auto& ours = doc.at("llmload").as_object();
  EXPECT_TRUE(ours.at("preconnect").as_bool());
  EXPECT_EQ(ours.at("preconnected").as_object().at("opened").as_int64(), 4);
  EXPECT_TRUE(ours.at("plan").as_object().at("preconnect").as_bool());

  const auto off = run(common + " --result-filename off.json");
  ASSERT_EQ(off.exit_code, 0) << off.out << off.err;
  EXPECT_EQ(off.out.find("Preconnected"), std::string::npos) << off.out;
  EXPECT_NE(off.out.find("no (in TTFT)"), std::string::npos) << off.out;
  const auto off_doc = boost::json::parse(testing_support::slurp(dir_ / "off.json")).as_object();
  EXPECT_FALSE(off_doc.at("llmload").as_object().at("preconnect").as_bool());
  EXPECT_FALSE(off_doc.at("llmload").as_object().contains("preconnected"));
}

}  // namespace
}  // namespace llmload::runtime
