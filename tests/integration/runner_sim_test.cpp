// The load engine against the built-in simulator on loopback: exact timing at 100 concurrent
// streams, token counts, every failure kind as a counted outcome, the concurrency gate,
// keep-alive reuse, the schedule and the whole-request timeout.
#include "llmload/runtime/runner.hpp"

#include "llmload/metrics/client_check.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/conversations.hpp"
#include "llmload/metrics/category_breakdown.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

namespace llmload::runtime {
namespace {

using namespace std::chrono_literals;
using metrics::Outcome;

struct SimTarget {
  explicit SimTarget(std::chrono::nanoseconds ttft = 50ms, std::chrono::nanoseconds itl = 20ms) {
    sim::SimOptions options;
    options.ttft = ttft;
    options.itl = itl;
    server = std::make_unique<sim::SimServer>(options);
    auto started = server->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
  }

  Target target(api::Flavor flavor = api::Flavor::kCompletions) const {
    Target t;
    t.base = net::parse_url(server->base_url()).value();
    t.path = std::string(api::default_endpoint(flavor));
    t.endpoints = net::resolve(t.base.host, t.base.port).value();
    return t;
  }

  std::unique_ptr<sim::SimServer> server;
};

RequestTemplate make_template(api::Flavor flavor = api::Flavor::kCompletions) {
  RequestTemplate r;
  r.flavor = flavor;
  r.body.model = "llmload-sim";
  r.body.ignore_eos = true;
  return r;
}

std::vector<workload::RequestSpec> specs(std::size_t count, std::int64_t input_len, std::int64_t output_len) {
  workload::RandomDatasetOptions o;
  o.input_len = input_len;
  o.output_len = output_len;
  return workload::make_random_dataset(count, o).value();
}

TEST(TimingRunnerSim, HundredStreamsMeasureTheConfiguredTimes) {
  SimTarget sim(50ms, 20ms);
  RunnerOptions options;
  options.threads = 2;
  Runner runner(sim.target(), make_template(), options);
  // Starts 2 ms apart; each stream lasts 50 + 39 x 20 = 830 ms, so from 200 ms to 830 ms all
  // 100 streams are open at once.
  const auto requests = specs(100, 64, 40);
  std::vector<core::Nanos> offsets;
  for (int i = 0; i < 100; ++i) offsets.push_back(i * 2'000'000LL);

  // The means against the configured times hold on a quiet machine; a busy host (the CI host
  // runs other jobs) can make everything, the simulator's own timers included, go 1-3 ms late
  // for a whole run. So the run is tried up to 3 times. The client's own exactness is checked
  // on every attempt its self-check calls unsaturated (starved, it must say so): its error is
  // the time it takes to send the request plus the receive delay of the first chunk (arrival
  // minus the simulator's send stamp). The means against the configured times are judged on an
  // attempt where the simulator was on time by its own send stamps.
  metrics::RunSummary summary;
  bool judged = false, simulator_on_time = false;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto out = runner.run(requests, offsets);
    ASSERT_EQ(out.records.size(), 100u);
    double client_error_ms = 0, simulator_late_ms = 0;
    for (const auto& r : out.records) {
      ASSERT_TRUE(r.ok()) << r.index << ": " << metrics::outcome_name(r.outcome) << " " << r.error;
      ASSERT_EQ(r.chunk_ns.size(), 40u);
      ASSERT_EQ(r.receive_delay_ns.size(), 40u);
      EXPECT_EQ(r.usage_completion_tokens, 40);
      EXPECT_EQ(r.usage_prompt_tokens, 64);  // the simulator counts one token per word
      EXPECT_TRUE(r.saw_done);
      EXPECT_EQ(r.http_status, 200);
      EXPECT_GE(r.start_ns, r.dispatch_ns);
      EXPECT_GE(r.sent_ns, r.start_ns);
      EXPECT_GE(r.chunk_ns.front(), r.start_ns + 50 * 1'000'000);  // never before the server could
      EXPECT_EQ(r.end_ns >= r.chunk_ns.back(), true);
      client_error_ms += core::ns_to_ms(r.sent_ns - r.start_ns + r.receive_delay_ns.front()) / 100;
      simulator_late_ms +=
          core::ns_to_ms(r.chunk_ns.front() - r.receive_delay_ns.front() - r.sent_ns - 50'000'000) / 100;
    }
    summary = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
    EXPECT_EQ(summary.completed, 100);
    EXPECT_EQ(summary.failed, 0);
    EXPECT_EQ(summary.total_output_tokens, 4000);
    EXPECT_EQ(summary.total_input_tokens, 6400);
    EXPECT_EQ(summary.receive_delay_ms.count, 4000u);
    EXPECT_EQ(summary.peak_concurrency_exact, 100);
    const auto loop_delay = metrics::stats_ms_of_us(out.loop_delay_us, metrics::kExtensionPercentiles);
    const bool saturated =
        metrics::check_client(summary.schedule_lag_ms, loop_delay, summary.receive_delay_ms).saturated;
    simulator_on_time = simulator_late_ms <= 0.5;
    // A saturated client is excused when it was late, and judged when it was exact anyway.
    if (!saturated || (client_error_ms < 2.0 && summary.receive_delay_ms.median < 2.0)) {
      judged = true;
      EXPECT_LT(summary.receive_delay_ms.median, 2.0) << "attempt " << attempt;
      EXPECT_LT(client_error_ms, 2.0) << "attempt " << attempt << ": the client called itself unsaturated";
      if (simulator_on_time) break;
    }
    std::printf("attempt %d: mean TTFT %.2f ms, mean ITL %.2f ms; the simulator's own stamps were "
                "%.2f ms late on average at the first chunk, the client's error %.3f ms, client saturated: "
                "%s: running again\n",
                attempt, summary.ttft_ms.mean, summary.itl_ms.mean, simulator_late_ms, client_error_ms,
                saturated ? "yes" : "no");
  }
  EXPECT_GE(summary.ttft_ms.median, 50.0);
  if (!judged) {
    // Starved on every attempt (the bench command's test checks the warning it then prints).
    std::printf("the client was saturated and late on all 3 attempts (host busy)\n");
    return;
  }
  if (!simulator_on_time) {
    std::printf("the simulator was late on every judged attempt (host busy): judged by the client's "
                "own error only\n");
    return;
  }
  EXPECT_NEAR(summary.ttft_ms.median, 50.0, 2.0);
  EXPECT_NEAR(summary.ttft_ms.mean, 50.0, 2.0);
  EXPECT_NEAR(summary.itl_ms.median, 20.0, 2.0);
  EXPECT_NEAR(summary.itl_ms.mean, 20.0, 2.0);
  EXPECT_NEAR(summary.tpot_ms.mean, 20.0, 2.0);
}

TEST(RunnerSim, ProgressSumsEveryWorkersCounters) {
  // Each worker counts its own requests and chunks; the progress snapshot adds them up.
  SimTarget sim(1ms, 1ms);
  RunnerOptions options;
  options.threads = 3;
  std::vector<ProgressSnapshot> seen;
  options.on_progress = [&](const ProgressSnapshot& s) { seen.push_back(s); };
  auto faulty = make_template();
  faulty.headers.emplace_back("x-llmload-fault", "reset-after=2");
  Runner good(sim.target(), make_template(), options);
  good.run(specs(30, 8, 5), std::vector<core::Nanos>(30, 0));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().total, 30);
  EXPECT_EQ(seen.back().started, 30);
  EXPECT_EQ(seen.back().finished, 30);
  EXPECT_EQ(seen.back().failed, 0);
  EXPECT_EQ(seen.back().chunks, 150);
  for (const auto& s : seen) EXPECT_LE(s.finished, s.started);
  seen.clear();
  Runner bad(sim.target(), faulty, options);
  bad.run(specs(7, 8, 5), std::vector<core::Nanos>(7, 0));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().finished, 7);
  EXPECT_EQ(seen.back().failed, 7);
  EXPECT_EQ(seen.back().chunks, 14);  // two chunks each before the reset
}

TEST(RunnerSim, EachRecordKeepsTheTraceIdItsRequestCarried) {
  SimTarget sim(1ms, 1ms);
  RunnerOptions options;
  options.threads = 2;
  const auto parents = api::make_trace_parents(3, "traceparent", 12);
  auto request = make_template();
  request.trace_parents = parents;
  Runner runner(sim.target(), request, options);
  // 12 sends of a pool of 4 specs: the trace follows the send, not the spec.
  const auto out = runner.run(specs(4, 8, 2), std::vector<core::Nanos>(12, 0));
  ASSERT_EQ(out.records.size(), 12u);
  for (std::size_t i = 0; i < out.records.size(); ++i) {
    EXPECT_TRUE(out.records[i].ok()) << out.records[i].error;
    EXPECT_EQ(out.records[i].trace_id, parents[i].trace_id) << i;
  }
}

TEST(RunnerSim, ConversationsAndTheGateAcrossWorkerThreads) {
  // Three threads: the concurrency gate is shared by all of them, and each conversation's
  // turns follow one another on the thread of its first turn.
  SimTarget sim(5ms, 2ms);
  RunnerOptions options;
  options.threads = 3;
  options.max_concurrency = 40;
  Runner runner(sim.target(api::Flavor::kChat), make_template(api::Flavor::kChat), options);
  auto requests = specs(150, 16, 12);
  workload::link_conversations(requests, 3, 1'000'000);
  std::vector<core::Nanos> starts;
  for (int i = 0; i < 50; ++i) starts.push_back(i * 500'000LL);
  const auto out = runner.run(requests, workload::conversation_offsets(requests, starts).value());
  ASSERT_EQ(out.records.size(), 150u);
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.index << ": " << r.error;
    EXPECT_EQ(r.usage_completion_tokens, 12);
  }
  const auto summary = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
  EXPECT_EQ(summary.completed, 150);
  EXPECT_LE(summary.peak_concurrency_exact, 40);
}

TEST(RunnerSim, ADurationEndsAClosedLoopThatSendsItsSpecsInTurn) {
  SimTarget sim(2ms, 1ms);
  RunnerOptions options;
  options.max_concurrency = 4;
  options.duration = 300ms;
  Runner runner(sim.target(), make_template(), options);
  const auto requests = specs(3, 8, 4);
  const std::vector<core::Nanos> offsets(5000, 0);  // far more than 300 ms can carry
  const auto start = std::chrono::steady_clock::now();
  const auto out = runner.run(requests, offsets);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(out.duration_reached);
  EXPECT_FALSE(out.interrupted);
  ASSERT_EQ(out.records.size(), 5000u);
  std::int64_t sent = 0;
  for (std::size_t i = 0; i < out.records.size(); ++i) {
    const auto& r = out.records[i];
    EXPECT_EQ(r.index, i % 3);  // the spec it sent
    if (r.start_ns == 0) {
      EXPECT_EQ(r.outcome, Outcome::kCancelled);
      continue;
    }
    ++sent;
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;  // in flight at the deadline: finished, not cut
    EXPECT_LT(r.dispatch_ns, out.bench_start_ns + 300'000'000);
  }
  // About 300 ms / 9 ms per request x 4 slots; at least a few rounds, far fewer than planned.
  EXPECT_GT(sent, 20);
  EXPECT_LT(sent, 1000);
  EXPECT_EQ(out.not_sent, 5000 - sent);
}

TEST(RunnerSim, ChatStreamsCountTheRoleChunkAsVllmDoes) {
  SimTarget sim(10ms, 5ms);
  Runner runner(sim.target(api::Flavor::kChat), make_template(api::Flavor::kChat), {});
  const auto requests = specs(5, 16, 6);
  const std::vector<core::Nanos> offsets(requests.size(), 0);
  const auto out = runner.run(requests, offsets);
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.usage_completion_tokens, 6);
    EXPECT_GE(r.chunk_ns.size(), 6u);
    EXPECT_FALSE(r.generated_text.empty());
    EXPECT_EQ(r.finish_reason, "length");
  }
}

metrics::RequestRecord one_with_fault(const SimTarget& sim, const std::string& fault,
                                      std::int64_t output_len = 8) {
  RequestTemplate t = make_template();
  t.headers.emplace_back("x-llmload-fault", fault);
  Runner runner(sim.target(), t, {});
  return runner.send_one(specs(1, 8, output_len).front());
}

TEST(RunnerSim, EachFailureIsACountedOutcome) {
  SimTarget sim(1ms, 1ms);
  {
    const auto r = one_with_fault(sim, "status=429");
    EXPECT_EQ(r.outcome, Outcome::kHttpStatus);
    EXPECT_EQ(r.http_status, 429);
    EXPECT_NE(r.error.find("HTTP 429"), std::string::npos) << r.error;
  }
  {
    const auto r = one_with_fault(sim, "reset-after=3");
    EXPECT_EQ(r.outcome, Outcome::kConnectionClosed) << r.error;
    EXPECT_EQ(r.chunk_ns.size(), 3u);
  }
  {
    const auto r = one_with_fault(sim, "malformed-after=2");
    EXPECT_EQ(r.outcome, Outcome::kMalformedChunk) << r.error;
    EXPECT_NE(r.error.find("malformed chunk"), std::string::npos) << r.error;
  }
  {
    const auto r = one_with_fault(sim, "error-after=2");
    EXPECT_EQ(r.outcome, Outcome::kServerError) << r.error;
    EXPECT_EQ(r.chunk_ns.size(), 2u);
  }
  {
    const auto r = one_with_fault(sim, "no-done");
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_FALSE(r.saw_done);
    EXPECT_EQ(r.chunk_ns.size(), 8u);
  }
}

TEST(RunnerSim, UnreachableServerIsAConnectError) {
  // A port that was just free: bind, read the port, close.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  Target t;
  t.base = net::parse_url("http://127.0.0.1:" + std::to_string(port)).value();
  t.path = "/v1/completions";
  t.endpoints = net::resolve("127.0.0.1", port).value();
  Runner runner(t, make_template(), {});
  const auto requests = specs(3, 8, 4);
  const std::vector<core::Nanos> offsets(3, 0);
  const auto out = runner.run(requests, offsets);
  for (const auto& r : out.records) {
    EXPECT_EQ(r.outcome, Outcome::kConnectError);
    EXPECT_NE(r.error.find("cannot connect"), std::string::npos) << r.error;
  }
  const auto summary = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
  EXPECT_EQ(summary.failed, 3);
  ASSERT_EQ(summary.failures_by_reason.size(), 1u);
  EXPECT_EQ(summary.failures_by_reason[0].reason, "connect_error");
}

TEST(RunnerSim, MaxConcurrencyGatesAcrossThreadsAndReusesConnections) {
  SimTarget sim(5ms, 2ms);
  RunnerOptions options;
  options.threads = 2;
  options.max_concurrency = 3;
  Runner runner(sim.target(), make_template(), options);
  const auto requests = specs(30, 8, 5);
  const std::vector<core::Nanos> offsets(requests.size(), 0);
  const auto out = runner.run(requests, offsets);
  const auto summary = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
  EXPECT_EQ(summary.completed, 30);
  EXPECT_LE(summary.peak_concurrency_exact, 3);
  EXPECT_GE(summary.peak_concurrency_exact, 2);
  EXPECT_GT(summary.client_queue_ms.max, 5.0);  // later requests waited for a slot
  // Keep-alive: at most one connection per slot and thread, far fewer than requests.
  const auto opened = std::count_if(out.records.begin(), out.records.end(),
                                    [](const auto& r) { return r.connect_ns > 0; });
  EXPECT_LE(opened, 6);
  EXPECT_GE(opened, 1);
}

TEST(RunnerSim, RequestsLeaveAtTheirScheduledTimes) {
  SimTarget sim(1ms, 1ms);
  Runner runner(sim.target(), make_template(), {});
  const auto requests = specs(10, 8, 2);
  std::vector<core::Nanos> offsets;
  for (int i = 0; i < 10; ++i) offsets.push_back(i * 20'000'000LL);  // every 20 ms
  const auto out = runner.run(requests, offsets);
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.scheduled_ns, out.bench_start_ns + offsets[r.index]);
    EXPECT_GE(r.dispatch_ns, r.scheduled_ns);
    EXPECT_LT(r.dispatch_ns - r.scheduled_ns, 15'000'000) << "dispatch far behind schedule";
  }
}

// A burst (every request due at once): the dispatcher lets each started request connect and
// write before it starts the next, so no request's TTFT holds the client's work on the others
// (that shows as the later requests' schedule lag). Starting all of them before writing any,
// as it did, would leave no request written before the last one started.
/// `count` requests all due at once, on one worker thread, against a simulator that answers
/// two tokens 5 ms after the request; behind a concurrency gate when `max_concurrency` is set.
RunOutput run_burst(std::size_t count, std::optional<std::int64_t> max_concurrency = std::nullopt) {
  SimTarget sim(5ms, 1ms);
  RunnerOptions options;
  options.threads = 1;
  options.max_concurrency = max_concurrency;
  Runner runner(sim.target(), make_template(), options);
  const auto requests = specs(count, 8, 2);
  return runner.run(requests, std::vector<core::Nanos>(requests.size(), 0));
}

TEST(RunnerSim, ABurstWritesEachRequestBeforeStartingTheRest) {
  const auto out = run_burst(200);
  const auto last_started = std::max_element(out.records.begin(), out.records.end(), [](const auto& a, const auto& b) {
                              return a.dispatch_ns < b.dispatch_ns;
                            })->dispatch_ns;
  int written_before = 0;
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.index << ": " << r.error;
    if (r.sent_ns < last_started) ++written_before;
  }
  EXPECT_LT(out.records.front().sent_ns, last_started);
  EXPECT_GE(written_before, 100) << "of 200 requests written before the last one started";
}

// A closed loop's burst: the requests beyond --max-concurrency wait at the gate, so they are
// queued at once, not one per turn of the event loop (a freed slot must never wait for the
// dispatcher): every one of them is dispatched before the second started request is written.
TEST(RunnerSim, ABurstBehindTheGateIsQueuedAtOnce) {
  const auto out = run_burst(50, 2);
  std::vector<core::Nanos> sent;
  core::Nanos last_dispatch = 0;
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.index << ": " << r.error;
    sent.push_back(r.sent_ns);
    last_dispatch = std::max(last_dispatch, r.dispatch_ns);
  }
  std::sort(sent.begin(), sent.end());
  EXPECT_LT(last_dispatch, sent[1]) << "the queued requests were dispatched one per turn";
}

TEST(RunnerSim, WholeRequestTimeoutIsItsOwnOutcome) {
  SimTarget sim(2s, 1ms);
  RunnerOptions options;
  options.request_timeout = 100ms;
  Runner runner(sim.target(), make_template(), options);
  const auto started = core::now_ns();
  const auto r = runner.send_one(specs(1, 8, 4).front());
  EXPECT_EQ(r.outcome, Outcome::kTimeout) << r.error;
  EXPECT_LT(core::now_ns() - started, 1'500'000'000);
}

// A loopback listener that never accepts: the kernel completes handshakes into the backlog
// (so a connect succeeds and the request is buffered, but no byte ever comes back) until the
// backlog is full, after which SYNs are dropped and a connect hangs.
struct SilentListener {
  SilentListener() : acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    acceptor.listen(0);
  }
  Target target() const {
    Target t;
    t.base = net::parse_url("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())).value();
    t.path = "/v1/completions";
    t.endpoints = {acceptor.local_endpoint()};
    return t;
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor;
};

TEST(RunnerTimeouts, FirstByteTimeoutWhenTheServerNeverAnswers) {
  SilentListener silent;
  RunnerOptions options;
  options.first_byte_timeout = 100ms;
  options.connect_timeout = 2s;
  options.request_timeout = 5s;  // never hang the suite
  Runner runner(silent.target(), make_template(), options);
  const auto r = runner.send_one(specs(1, 8, 4).front());
  EXPECT_EQ(r.outcome, Outcome::kFirstByteTimeout) << r.error;
  EXPECT_NE(r.error.find("--first-byte-timeout"), std::string::npos) << r.error;
  EXPECT_GE(r.end_ns - r.sent_ns, 100'000'000);
  EXPECT_LT(r.end_ns - r.sent_ns, 1'000'000'000);
}

TEST(RunnerTimeouts, ConnectTimeoutWhenTheBacklogIsFull) {
  SilentListener silent;
  // Fill the backlog with connections nobody accepts.
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> fillers;
  for (int i = 0; i < 8; ++i) {
    auto s = std::make_unique<boost::asio::ip::tcp::socket>(silent.io);
    s->open(boost::asio::ip::tcp::v4());
    s->non_blocking(true);
    // Plain connect(2): in progress or done, either is fine (asio's connect would wait).
    const auto endpoint = silent.acceptor.local_endpoint();
    (void)::connect(s->native_handle(), endpoint.data(), static_cast<socklen_t>(endpoint.size()));
    fillers.push_back(std::move(s));
  }
  std::this_thread::sleep_for(50ms);
  RunnerOptions options;
  options.connect_timeout = 150ms;
  options.request_timeout = 5s;  // never hang the suite
  Runner runner(silent.target(), make_template(), options);
  const auto r = runner.send_one(specs(1, 8, 4).front());
  EXPECT_EQ(r.outcome, Outcome::kConnectTimeout) << metrics::outcome_name(r.outcome) << " " << r.error;
  EXPECT_GE(r.end_ns - r.start_ns, 150'000'000);
  EXPECT_LT(r.end_ns - r.start_ns, 1'000'000'000);
}

TEST(RunnerTimeouts, IdleTimeoutWhenTokensStopComing) {
  SimTarget sim(5ms, 400ms);  // first token soon, then a long silence
  RunnerOptions options;
  options.idle_timeout = 100ms;
  Runner runner(sim.target(), make_template(), options);
  const auto r = runner.send_one(specs(1, 8, 4).front());
  EXPECT_EQ(r.outcome, Outcome::kIdleTimeout) << metrics::outcome_name(r.outcome) << " " << r.error;
  EXPECT_EQ(r.chunk_ns.size(), 1u);
  EXPECT_GE(r.end_ns - r.chunk_ns.back(), 100'000'000);
  EXPECT_LT(r.end_ns - r.chunk_ns.back(), 390'000'000);
}

TEST(RunnerTimeouts, LimitsThatAreNotReachedChangeNothing) {
  SimTarget sim(20ms, 10ms);
  RunnerOptions options;
  options.connect_timeout = 1s;
  options.first_byte_timeout = 1s;
  options.idle_timeout = 200ms;
  options.request_timeout = 5s;
  Runner runner(sim.target(), make_template(), options);
  const auto requests = specs(20, 8, 10);
  const std::vector<core::Nanos> offsets(requests.size(), 0);
  const auto out = runner.run(requests, offsets);
  for (const auto& r : out.records) EXPECT_TRUE(r.ok()) << r.error;
}

TEST(RunnerStop, FirstStopSendsNothingMoreAndLetsInFlightFinish) {
  SimTarget sim(20ms, 10ms);
  std::atomic<int> stop{0};
  RunnerOptions options;
  options.stop_signal = &stop;
  options.grace_period = 5s;
  // Stop once 5 requests have finished, seen from the run's own progress (no sleeping).
  options.progress_interval = 5ms;
  options.on_progress = [&stop](const ProgressSnapshot& s) {
    if (s.finished >= 5 && stop == 0) stop = 1;
  };
  Runner runner(sim.target(), make_template(), options);
  const auto requests = specs(40, 8, 10);  // each stream lasts ~110 ms
  std::vector<core::Nanos> offsets;
  for (int i = 0; i < 40; ++i) offsets.push_back(i * 25'000'000LL);  // over one second
  const auto started = core::now_ns();
  const auto out = runner.run(requests, offsets);
  EXPECT_TRUE(out.interrupted);
  EXPECT_GT(out.not_sent, 10);
  EXPECT_LT(core::now_ns() - started, 800'000'000);  // did not wait for the whole schedule
  std::int64_t sent = 0;
  for (const auto& r : out.records) {
    if (r.start_ns == 0) {
      EXPECT_EQ(r.outcome, Outcome::kCancelled);
      continue;
    }
    ++sent;
    EXPECT_TRUE(r.ok()) << r.error;  // in-flight requests finished within the grace period
  }
  EXPECT_EQ(sent + out.not_sent, 40);
}

TEST(RunnerStop, SecondStopCancelsInFlightRequests) {
  SimTarget sim(5ms, 50ms);
  std::atomic<int> stop{0};
  RunnerOptions options;
  options.stop_signal = &stop;
  options.grace_period = 30s;
  // The first stop once every stream has a chunk, the second once the run says it is stopping.
  options.progress_interval = 5ms;
  options.on_progress = [&stop](const ProgressSnapshot& s) {
    if (stop == 0 && s.started == 10 && s.chunks >= 10) stop = 1;
    else if (stop == 1 && s.stopping == 1) stop = 2;
  };
  Runner runner(sim.target(), make_template(), options);
  const auto requests = specs(10, 8, 200);  // 10 s streams
  const std::vector<core::Nanos> offsets(requests.size(), 0);
  const auto started = core::now_ns();
  const auto out = runner.run(requests, offsets);
  EXPECT_LT(core::now_ns() - started, 2'000'000'000);
  for (const auto& r : out.records) {
    EXPECT_EQ(r.outcome, Outcome::kCancelled) << r.error;
    EXPECT_GT(r.chunk_ns.size(), 0u);  // what arrived before the cancel is kept
  }
}

TEST(RunnerSim, ReceiveDelayFromTheSimulatorsSendStamp) {
  SimTarget sim(5ms, 5ms);
  Runner runner(sim.target(), make_template(), {});
  const auto r = runner.send_one(specs(1, 8, 10).front());
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.receive_delay_ns.size(), 10u);
  for (const auto d : r.receive_delay_ns) {
    EXPECT_GE(d, 0);
    EXPECT_LT(d, 50'000'000);
  }
}

TEST(RunnerSim, ContinuousUsageGivesTokensPerChunk) {
  SimTarget sim(2ms, 1ms);
  RequestTemplate t = make_template();
  t.body.continuous_usage_stats = true;
  Runner runner(sim.target(), t, {});
  const auto r = runner.send_one(specs(1, 8, 6).front());
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.chunk_tokens.size(), r.chunk_ns.size());
  int total = 0;
  for (const auto n : r.chunk_tokens) total += n;
  EXPECT_EQ(total, 6);
  // Without it the counts stay unknown.
  Runner plain(sim.target(), make_template(), {});
  EXPECT_TRUE(plain.send_one(specs(1, 8, 6).front()).chunk_tokens.empty());
}

TEST(RunnerSim, SseEventCapFailsOnlyThatRequest) {
  SimTarget sim(1ms, 1ms);
  RunnerOptions options;
  options.max_sse_event_bytes = 32;  // every chunk of the simulator is larger
  Runner runner(sim.target(), make_template(), options);
  const auto r = runner.send_one(specs(1, 8, 4).front());
  EXPECT_EQ(r.outcome, Outcome::kEventTooLarge);
  EXPECT_NE(r.error.find("--max-sse-event-bytes"), std::string::npos) << r.error;
}

std::vector<workload::RequestSpec> conversations(std::size_t count, std::int32_t turns,
                                                  core::Nanos think_ns) {
  auto out = specs(count * static_cast<std::size_t>(turns), 8, 5);
  workload::link_conversations(out, turns, think_ns);
  return out;
}

std::size_t words(const std::string& text) {
  std::size_t n = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

TEST(RunnerMultiTurn, LaterTurnsFollowTheAnswerWithTheirHistory) {
  SimTarget sim(5ms, 2ms);
  Runner runner(sim.target(api::Flavor::kChat), make_template(api::Flavor::kChat), {});
  constexpr core::Nanos kThink = 30'000'000;
  const auto requests = conversations(3, 3, kThink);
  const auto offsets = workload::conversation_offsets(requests, std::vector<core::Nanos>{0, 1'000'000, 2'000'000}).value();
  const auto out = runner.run(requests, offsets);
  ASSERT_EQ(out.records.size(), 9u);
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t t = 0; t < 3; ++t) {
      const auto& r = out.records[c * 3 + t];
      ASSERT_TRUE(r.ok()) << c << "/" << t << ": " << r.error;
      EXPECT_EQ(r.usage_completion_tokens, 5);
      if (t == 0) continue;
      const auto& before = out.records[c * 3 + t - 1];
      // Sent its think time after the previous answer ended; that moment is its schedule.
      EXPECT_EQ(r.scheduled_ns, before.end_ns + kThink);
      EXPECT_GE(r.dispatch_ns, r.scheduled_ns);
      EXPECT_GE(r.start_ns, before.end_ns + kThink);
      // The history holds the previous prompt(s) and the answer(s) the server gave: the
      // simulator counts one token per word, plus its chat template's tokens per message.
      EXPECT_GE(r.usage_prompt_tokens, before.usage_prompt_tokens + 8 + static_cast<std::int32_t>(words(before.generated_text)));
      EXPECT_FALSE(before.generated_text.empty());
    }
    // Every message costs the same template tokens: the growth per turn is constant when the
    // answers have the same number of words.
    const auto& r = out.records;
    if (words(r[c * 3].generated_text) == words(r[c * 3 + 1].generated_text)) {
      EXPECT_EQ(r[c * 3 + 2].usage_prompt_tokens - r[c * 3 + 1].usage_prompt_tokens,
                r[c * 3 + 1].usage_prompt_tokens - r[c * 3].usage_prompt_tokens);
    }
  }
  const auto by_turn = metrics::turn_breakdown(out.records, requests);
  ASSERT_EQ(by_turn.size(), 3u);
  EXPECT_EQ(by_turn[0].category, "turn 1");
  EXPECT_EQ(by_turn[2].category, "turn 3");
  EXPECT_EQ(by_turn[2].completed, 3);
  EXPECT_GT(by_turn[2].input_tokens, by_turn[1].input_tokens);
}

TEST(RunnerMultiTurn, AFailedTurnEndsItsConversation) {
  SimTarget sim(1ms, 1ms);
  RequestTemplate t = make_template(api::Flavor::kChat);
  t.headers.emplace_back("x-llmload-fault", "status=500");
  Runner runner(sim.target(api::Flavor::kChat), t, {});
  const auto requests = conversations(2, 3, 0);
  const auto offsets = workload::conversation_offsets(requests, std::vector<core::Nanos>{0, 0}).value();
  const auto out = runner.run(requests, offsets);
  ASSERT_EQ(out.records.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& r = out.records[i];
    if (i % 3 == 0) {
      EXPECT_EQ(r.outcome, Outcome::kHttpStatus) << r.error;
    } else {
      EXPECT_EQ(r.outcome, Outcome::kCancelled);
      EXPECT_EQ(r.error, "not sent: an earlier turn of its conversation failed");
      EXPECT_EQ(r.start_ns, 0);
    }
  }
  EXPECT_EQ(out.not_sent, 4);
}

TEST(RunnerWire, RequestHeadCarriesPathHostBodyAndRequestId) {
  Target t;
  t.base = net::parse_url("http://127.0.0.1:8000/api").value();
  t.path = "/api/v1/completions";
  RequestTemplate r = make_template();
  r.request_id_prefix = "bench-";
  r.headers.emplace_back("X-Tenant", "a");
  workload::RequestSpec spec;
  spec.prompt = "hello world";
  spec.prompt_len = 2;
  spec.expected_output_len = 7;
  const auto wire = build_http_request(t, r, spec, 42);
  EXPECT_TRUE(wire.starts_with("POST /api/v1/completions HTTP/1.1\r\n")) << wire;
  EXPECT_NE(wire.find("Host: 127.0.0.1:8000\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("x-request-id: bench-42\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("X-Tenant: a\r\n"), std::string::npos) << wire;
  const auto body = wire.substr(wire.find("\r\n\r\n") + 4);
  EXPECT_NE(wire.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
  EXPECT_NE(body.find("\"max_tokens\":7"), std::string::npos) << body;
  EXPECT_NE(body.find("\"stream\":true"), std::string::npos) << body;
  EXPECT_EQ(wire.find("traceparent"), std::string::npos) << "no trace context unless the template has one";
}

TEST(RunnerWire, AShardsRequestIdIsItsPositionInTheWholePlan) {
  Target t;
  t.base = net::parse_url("http://127.0.0.1:8000").value();
  t.path = "/v1/completions";
  RequestTemplate r = make_template();
  r.request_id_prefix = "job-";
  const std::vector<std::uint32_t> global{1, 5, 9};  // shard 1 of 4
  r.global_index = global;
  workload::RequestSpec spec;
  spec.prompt = "hello";
  spec.prompt_len = 1;
  spec.expected_output_len = 2;
  EXPECT_NE(build_http_request(t, r, spec, 2).find("x-request-id: job-9\r\n"), std::string::npos);
  EXPECT_NE(build_http_request(t, r, spec, 0).find("x-request-id: job-1\r\n"), std::string::npos);
}

TEST(RunnerWire, RequestCarriesItsOwnTraceparentReplacingAHeaderOfThatName) {
  Target t;
  t.base = net::parse_url("http://127.0.0.1:8000").value();
  t.path = "/v1/completions";
  RequestTemplate r = make_template();
  r.headers.emplace_back("traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
  const auto parents = api::make_trace_parents(7, "traceparent", 3);
  r.trace_parents = parents;
  workload::RequestSpec spec;
  spec.prompt = "hello";
  spec.prompt_len = 1;
  spec.expected_output_len = 2;
  const auto wire = build_http_request(t, r, spec, 2);
  EXPECT_NE(wire.find("traceparent: " + std::string(parents[2].header()) + "\r\n"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("1111111111111111"), std::string::npos) << wire;
  const auto beyond = build_http_request(t, r, spec, 3);  // no context for that position
  EXPECT_NE(beyond.find("traceparent: 00-1111"), std::string::npos) << beyond;
}

}  // namespace
}  // namespace llmload::runtime
