// The simulator's timing faults (stall, slow headers, split writes) and faults by rate, seen
// through the load engine on loopback, in exact and engine mode.
#include "llmload/runtime/runner.hpp"

#include "llmload/net/connection.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <gtest/gtest.h>

#include <string>

namespace llmload::sim {
namespace {

using namespace std::chrono_literals;

constexpr core::Nanos kMs = 1'000'000;

struct Sim {
  explicit Sim(SimOptions options) : server(std::move(options)) {
    auto ok = server.start();
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
  }
  runtime::Target target() const {
    runtime::Target t;
    t.base = net::parse_url(server.base_url()).value();
    t.path = "/v1/completions";
    t.endpoints = net::resolve(t.base.host, t.base.port).value();
    return t;
  }
  std::vector<metrics::RequestRecord> run(std::size_t count, std::int64_t output_len,
                                          const std::string& fault = {}) const {
    runtime::RequestTemplate t;
    t.body.model = "llmload-sim";
    t.body.ignore_eos = true;
    if (!fault.empty()) t.headers.emplace_back("x-llmload-fault", fault);
    runtime::Runner runner(target(), t, {});
    workload::RandomDatasetOptions data;
    data.input_len = 8;
    data.output_len = output_len;
    const auto specs = workload::make_random_dataset(count, data).value();
    const std::vector<core::Nanos> offsets(specs.size(), 0);
    return runner.run(specs, offsets).records;
  }
  SimServer server;
};

SimOptions exact() {
  SimOptions o;
  o.ttft = 5ms;
  o.itl = 5ms;
  return o;
}

SimOptions engine() {
  SimOptions o;
  o.mode = SimMode::kEngine;
  o.engine.cost = CostModel{2000, 10, 10, 0};
  return o;
}

class TimingFaults : public ::testing::TestWithParam<bool> {
 protected:
  SimOptions options() const { return GetParam() ? engine() : exact(); }
};

TEST_P(TimingFaults, StallDelaysTheChunkItNames) {
  Sim sim(options());
  const auto r = sim.run(1, 6, "stall-ms=150,stall-after=3").at(0);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.chunk_ns.size(), 6u);
  // The stall delays chunk 3 by 150 ms from its schedule; a chunk sent late on a loaded host
  // only shortens the gap before it, so the bound is from the request's start (never early)
  // and the gap gets a wide margin.
  EXPECT_GE(r.chunk_ns[3] - r.start_ns, 150 * kMs);
  EXPECT_GE(r.chunk_ns[3] - r.chunk_ns[2], 100 * kMs);
  EXPECT_LT(r.chunk_ns[2] - r.chunk_ns[1], 100 * kMs);
  EXPECT_EQ(r.usage_completion_tokens, 6);
}

TEST_P(TimingFaults, SlowHeadersDelayTheFirstByte) {
  Sim sim(options());
  const auto r = sim.run(1, 3, "slow-headers-ms=150").at(0);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_GE(r.chunk_ns.front() - r.start_ns, 140 * kMs);
}

TEST_P(TimingFaults, SplitWritesStillParse) {
  Sim sim(options());
  const auto records = sim.run(3, 12, "split-writes");
  for (const auto& r : records) {
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.chunk_ns.size(), 12u);
    EXPECT_EQ(r.usage_completion_tokens, 12);
    EXPECT_TRUE(r.saw_done);
  }
}

INSTANTIATE_TEST_SUITE_P(Sim, TimingFaults, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Engine" : "Exact"; });

TEST(SimFaultRate, EveryRequestGetsAFaultOfTheGivenKinds) {
  auto o = exact();
  o.fault_rate = 1;
  o.fault_kinds = {"503"};
  Sim sim(o);
  for (const auto& r : sim.run(5, 4)) EXPECT_EQ(r.http_status, 503);
  auto e = engine();
  e.fault_rate = 1;
  e.fault_kinds = {"reset", "error"};
  Sim sim2(e);
  for (const auto& r : sim2.run(5, 4)) EXPECT_FALSE(r.ok()) << metrics::outcome_name(r.outcome);
}

TEST(SimFaultRate, ZeroRateAndExplicitHeadersAreUntouched) {
  auto o = exact();
  o.fault_rate = 0;
  Sim sim(o);
  for (const auto& r : sim.run(5, 4)) EXPECT_TRUE(r.ok());
  auto bad = exact();
  bad.fault_kinds = {"nope"};
  SimServer server(bad);
  const auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace llmload::sim
