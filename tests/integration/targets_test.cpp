// Several replicas as targets, end to end: the llmload binary against two built-in simulators
// on loopback (`--base-url A --base-url B`). Round-robin splits the requests exactly; least-
// in-flight sends more to the faster replica; per-target percentiles equal those computed from
// the saved request rows; a replica with nothing listening, or one killed mid-run, has its
// failures attributed to it while the other's figures stay intact; every turn of a
// conversation goes to one target; a dead replica fails the ready check by name.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"
#include "result_rows.hpp"
#include "sim_process.hpp"
#include "llmload/sim/sim_server.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

namespace llmload {
namespace {

using testing_support::CliResult;
using testing_support::slurp;

constexpr std::size_t kTargetColumn = 12;  // after the standard request fields

std::unique_ptr<sim::SimServer> start_sim(int ttft_ms, int itl_ms) {
  sim::SimOptions options;
  options.ttft = std::chrono::milliseconds(ttft_ms);
  options.itl = std::chrono::milliseconds(itl_ms);
  auto server = std::make_unique<sim::SimServer>(options);
  auto ok = server->start();
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
  return server;
}

class Targets : public testing_support::CliTest {
 protected:
  Targets() : CliTest("llmload-targets") {}

  CliResult bench(const std::string& targets, const std::string& more) {
    return run("bench " + targets + " --model llmload-sim --random-input-len 8 --disable-tqdm --save-result "
               "--save-detailed --result-filename r.json --result-dir " + dir_.string() + " " + more);
  }
  boost::json::object result() const { return boost::json::parse(slurp(dir_ / "r.json")).as_object(); }

  /// The target index of each saved request row, in workload order.
  static std::vector<std::int64_t> row_targets(const boost::json::object& doc) {
    const auto& fields = doc.at("llmload").at("request_fields").as_array();
    EXPECT_EQ(fields.at(kTargetColumn).as_string(), "target");
    std::vector<std::int64_t> out;
    for (const auto& row : doc.at("llmload").at("requests").as_array()) {
      out.push_back(static_cast<std::int64_t>(row.as_array().at(kTargetColumn).to_number<double>()));
    }
    return out;
  }
  static const boost::json::object& target(const boost::json::object& doc, std::size_t t) {
    return doc.at("llmload").at("per_target").as_array().at(t).as_object();
  }
};

TEST_F(Targets, RoundRobinSplitsExactlyAndPercentilesMatchTheRows) {
  const auto a = start_sim(5, 2), b = start_sim(15, 4);
  const auto r = bench("--base-url " + a->base_url() + " --base-url " + b->base_url(),
                       "--num-prompts 21 --request-rate 200 --random-output-len 6");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Targets (not in vLLM): 2 replicas, round-robin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Per target (not in vLLM)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Target 2: " + b->base_url()), std::string::npos) << r.out;
  const auto doc = result();
  const auto targets = row_targets(doc);
  ASSERT_EQ(targets.size(), 21u);
  for (std::size_t i = 0; i < targets.size(); ++i) EXPECT_EQ(targets[i], static_cast<std::int64_t>(i % 2)) << i;
  EXPECT_EQ(target(doc, 0).at("requests").as_int64(), 11);
  EXPECT_EQ(target(doc, 1).at("requests").as_int64(), 10);
  EXPECT_EQ(target(doc, 0).at("url").as_string(), a->base_url());
  EXPECT_EQ(doc.at("llmload").at("plan").at("balance").as_string(), "round-robin");

  // Each target's TTFT and E2EL percentiles from its own rows (offsets kept to the µs).
  const auto& rows = doc.at("llmload").at("requests").as_array();
  for (std::size_t t = 0; t < 2; ++t) {
    std::vector<double> ttft, e2el;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& row = rows[i].as_array();
      if (targets[i] != static_cast<std::int64_t>(t)) continue;
      ASSERT_EQ(row.at(6).as_string(), "ok");
      const double start = row.at(2).to_number<double>();
      ttft.push_back(row.at(4).to_number<double>() - start);
      e2el.push_back(row.at(5).to_number<double>() - start);
    }
    const auto& f = target(doc, t);
    EXPECT_EQ(f.at("completed").as_int64(), static_cast<std::int64_t>(ttft.size()));
    for (const double p : {50.0, 99.0}) {
      const std::string key = p == 50.0 ? "p50" : "p99";
      using testing_support::numpy_percentile;
      EXPECT_NEAR(f.at("ttft_ms").at(key).to_number<double>(), numpy_percentile(ttft, p), 0.003) << t << key;
      EXPECT_NEAR(f.at("e2el_ms").at(key).to_number<double>(), numpy_percentile(e2el, p), 0.003) << t << key;
    }
  }
  // The slower replica is seen as slower.
  EXPECT_GT(target(doc, 1).at("ttft_ms").at("p50").to_number<double>(),
            target(doc, 0).at("ttft_ms").at("p50").to_number<double>() + 5);
  // Both replicas served their share (the first also counted the prompts' tokens).
  EXPECT_GE(b->stats().requests, 10u);
}

// Every replica's /metrics is scraped apart too: each one's server-side generation tokens are
// exactly the output tokens the client received from it (different loads: least-in-flight
// sends more to the faster one), and the summed view is their sum.
TEST_F(Targets, ServerMetricsPerTargetFollowEachReplicasLoad) {
  const auto fast = start_sim(2, 1), slow = start_sim(30, 10);
  const auto r = bench("--base-url " + fast->base_url() + " --base-url " + slow->base_url(),
                       "--balance least-in-flight --num-prompts 40 --max-concurrency 4 --random-output-len 6 "
                       "--scrape-interval 0.1");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Target 2: " + slow->base_url() + "/metrics ("), std::string::npos) << r.out;
  const auto doc = result();
  const auto& server = doc.at("llmload").at("server_metrics").as_object();
  const auto& per_target = server.at("per_target").as_array();
  ASSERT_EQ(per_target.size(), 2u);
  double summed = 0;
  std::int64_t tokens[2] = {0, 0};
  for (std::size_t t = 0; t < 2; ++t) {
    const auto& one = per_target.at(t).as_object();
    EXPECT_EQ(one.at("source").as_string(), (t == 0 ? fast : slow)->base_url() + "/metrics");
    EXPECT_GE(one.at("scrapes").as_int64(), 2);
    const double generated = one.at("summary").at("generation_tokens").at("increase").to_number<double>();
    tokens[t] = target(doc, t).at("total_output_tokens").as_int64();
    EXPECT_EQ(generated, static_cast<double>(tokens[t])) << t;
    summed += generated;
  }
  EXPECT_GT(tokens[0], 2 * tokens[1]);  // the loads differ
  EXPECT_EQ(server.at("summary").at("generation_tokens").at("increase").to_number<double>(), summed);
}

// A sharded run over two replicas: llmload merge gives each replica's figures from the union
// of the shards' rows (each row keeps its target).
TEST_F(Targets, MergedShardsKeepEachReplicasFigures) {
  const auto a = start_sim(5, 2), b = start_sim(15, 4);
  std::int64_t requests[2] = {0, 0}, completed[2] = {0, 0};
  for (const char* shard : {"0/2", "1/2"}) {
    const auto r = bench("--base-url " + a->base_url() + " --base-url " + b->base_url(),
                         std::string("--num-prompts 14 --request-rate 200 --random-output-len 5 --shard ") + shard);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string file = (dir_ / ("r.shard-" + std::string(1, shard[0]) + "-of-2.json")).string();
    const auto doc = boost::json::parse(slurp(file)).as_object();
    for (std::size_t t = 0; t < 2; ++t) {
      requests[t] += target(doc, t).at("requests").as_int64();
      completed[t] += target(doc, t).at("completed").as_int64();
    }
  }
  const auto merged = run("merge " + (dir_ / "r.shard-0-of-2.json").string() + " " +
                          (dir_ / "r.shard-1-of-2.json").string() + " -o " + (dir_ / "r.json").string());
  ASSERT_EQ(merged.exit_code, 0) << merged.out << merged.err;
  EXPECT_NE(merged.out.find("Target 2: " + b->base_url()), std::string::npos) << merged.out;
  const auto doc = result();
  for (std::size_t t = 0; t < 2; ++t) {
    EXPECT_EQ(target(doc, t).at("url").as_string(), (t == 0 ? a : b)->base_url());
    EXPECT_EQ(target(doc, t).at("requests").as_int64(), requests[t]) << t;
    EXPECT_EQ(target(doc, t).at("completed").as_int64(), completed[t]) << t;
  }
  EXPECT_EQ(requests[0] + requests[1], 14);
  EXPECT_GT(target(doc, 1).at("ttft_ms").at("p50").to_number<double>(),
            target(doc, 0).at("ttft_ms").at("p50").to_number<double>() + 5);
}

TEST_F(Targets, LeastInFlightSendsMoreToTheFasterReplica) {
  const auto fast = start_sim(2, 1), slow = start_sim(40, 15);
  const auto r = bench("--base-url " + fast->base_url() + " --base-url " + slow->base_url(),
                       "--balance least-in-flight --num-prompts 60 --max-concurrency 6 --random-output-len 8");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = result();
  const auto to_fast = target(doc, 0).at("requests").as_int64(), to_slow = target(doc, 1).at("requests").as_int64();
  EXPECT_EQ(to_fast + to_slow, 60);
  // The slow replica holds a request ~145 ms, the fast one ~9 ms: the fast one is nearly always
  // the less loaded.
  EXPECT_GT(to_fast, 3 * to_slow) << to_fast << " vs " << to_slow;
  EXPECT_GT(to_slow, 0);
  EXPECT_EQ(doc.at("llmload").at("plan").at("balance").as_string(), "least-in-flight");
}

TEST_F(Targets, ReplicaWithNothingListeningHasItsFailuresAttributed) {
  const auto a = start_sim(5, 2);
  const auto r = bench("--base-url " + a->base_url() + " --base-url http://127.0.0.1:1",
                       "--num-prompts 10 --request-rate 100 --random-output-len 4");
  const auto doc = result();
  EXPECT_EQ(doc.at("completed").as_int64(), 5) << r.out << r.err;
  EXPECT_EQ(doc.at("failed").as_int64(), 5);
  const auto& live = target(doc, 0);
  EXPECT_EQ(live.at("requests").as_int64(), 5);
  EXPECT_EQ(live.at("completed").as_int64(), 5);
  EXPECT_EQ(live.at("failed").as_int64(), 0);
  EXPECT_EQ(live.at("ttft_ms").at("count").as_int64(), 5);
  EXPECT_EQ(live.at("total_output_tokens").as_int64(), 20);
  const auto& dead = target(doc, 1);
  EXPECT_EQ(dead.at("url").as_string(), "http://127.0.0.1:1");
  EXPECT_EQ(dead.at("failed").as_int64(), 5);
  EXPECT_EQ(dead.at("completed").as_int64(), 0);
  EXPECT_EQ(dead.at("failures").at("connect_error").as_int64(), 5);
  EXPECT_NE(r.out.find("connect_error:"), std::string::npos) << r.out;
}

TEST_F(Targets, ReplicaDyingMidRunKeepsTheOthersFiguresIntact) {
  const auto a = start_sim(5, 2);
  testing_support::SimProcess b(dir_);  // its own process, SIGKILLed 1 s into the run
  CliResult r;
  std::thread cli([&] {
    r = bench("--base-url " + a->base_url() + " --base-url " + b.url(),
              "--num-prompts 80 --request-rate 40 --random-output-len 4");
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  b.kill();
  cli.join();
  const auto doc = result();
  const auto& live = target(doc, 0);
  EXPECT_EQ(live.at("requests").as_int64(), 40) << r.out << r.err;
  EXPECT_EQ(live.at("completed").as_int64(), 40);
  EXPECT_EQ(live.at("failed").as_int64(), 0);
  const auto& died = target(doc, 1);
  EXPECT_EQ(died.at("url").as_string(), b.url());
  EXPECT_EQ(died.at("requests").as_int64(), 40);
  EXPECT_GE(died.at("completed").as_int64(), 5);
  EXPECT_GE(died.at("failed").as_int64(), 10);
  EXPECT_EQ(doc.at("failed").as_int64(), died.at("failed").as_int64());
  EXPECT_EQ(doc.at("completed").as_int64(), 40 + died.at("completed").as_int64());
}

TEST_F(Targets, EveryTurnOfAConversationGoesToOneTarget) {
  const auto a = start_sim(3, 1), b = start_sim(20, 3);
  for (const std::string balance : {"round-robin", "least-in-flight"}) {
    const auto r = bench("--base-url " + a->base_url() + " --base-url " + b->base_url(),
                         "--backend openai-chat --endpoint /v1/chat/completions --balance " + balance +
                             " --num-prompts 8 --turns 3 --think-time 0.01 --request-rate 50 --random-output-len 4");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("each conversation on one target"), std::string::npos) << r.out;
    const auto targets = row_targets(result());
    ASSERT_EQ(targets.size(), 24u);
    std::vector<int> used(2, 0);
    for (std::size_t c = 0; c < 8; ++c) {
      for (std::size_t t = 1; t < 3; ++t) EXPECT_EQ(targets[c * 3 + t], targets[c * 3]) << balance << " conversation " << c;
      ++used.at(static_cast<std::size_t>(targets[c * 3]));
    }
    if (balance == "round-robin") {
      EXPECT_EQ(used, (std::vector<int>{4, 4}));
    }
    EXPECT_GT(used[0], 0) << balance;
  }
}

TEST_F(Targets, ReadyCheckNamesTheReplicaThatDoesNotAnswer) {
  const auto a = start_sim(2, 1);
  const auto r = bench("--base-url " + a->base_url() + " --base-url http://127.0.0.1:1",
                       "--num-prompts 2 --ready-check-timeout-sec 1");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("Initial test run failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("target 2 of 2: http://127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_GE(a->stats().requests, 1u);  // the first replica answered its test request
}

}  // namespace
}  // namespace llmload
