// Disruption analysis on synthetic interval rows: the baseline before the event, the spike
// after it, the failures until recovery and the recovery time (k intervals back within the
// tolerance); a run that never recovers; the events' profile syntax; the recovery_time SLO;
// and an event's shell command run with its exit status and bounded output.
#include "llmload/app/disruption.hpp"
#include "llmload/app/slo.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

namespace llmload::app {
namespace {

using namespace std::chrono_literals;

/// Rows of 1 s: TTFT p99 50 ms and ITL p99 20 ms, except where `bad` says otherwise.
std::vector<report::IntervalRow> rows(int n, const std::function<void(int, report::IntervalRow&)>& bad) {
  std::vector<report::IntervalRow> out;
  for (int i = 0; i < n; ++i) {
    report::IntervalRow r;
    r.start_s = i;
    r.end_s = i + 1;
    r.completed = 20;
    r.ttft_p99_ms = 50;
    r.itl_p99_ms = 20;
    bad(i, r);
    out.push_back(r);
  }
  return out;
}

TEST(Disruption, PauseOfFiveSecondsAtTenSeconds) {
  // Paused from 10 s to 15 s: nothing finishes, 3 streams are cut, then the held requests
  // finish at once with TTFT up to 5 s and a 5 s gap between tokens; from 16 s all is normal.
  const auto r = rows(25, [](int i, report::IntervalRow& x) {
    if (i >= 10 && i < 15) x.completed = 0, x.ttft_p99_ms = 0, x.itl_p99_ms = 0;
    if (i == 10) x.failed = 3;
    if (i == 15) x.ttft_p99_ms = 5050, x.itl_p99_ms = 5020, x.completed = 100;
  });
  const Disruption d = analyse_disruption(r, 10.0);
  EXPECT_EQ(d.baseline_ttft_p99_ms, 50);
  EXPECT_EQ(d.peak_ttft_p99_ms, 5050);
  EXPECT_EQ(d.baseline_itl_p99_ms, 20);
  EXPECT_EQ(d.peak_itl_p99_ms, 5020);
  ASSERT_TRUE(d.recovery_s);
  EXPECT_EQ(*d.recovery_s, 6.0);  // the interval from 16 s is the first of three good ones
  EXPECT_EQ(d.failed, 3);
}

TEST(Disruption, NoRecoveryBeforeTheEndAndTheToleranceBound) {
  const auto never = rows(12, [](int i, report::IntervalRow& x) {
    if (i >= 5) x.ttft_p99_ms = 76, x.failed = 1;  // 52% over the baseline: outside 50%
  });
  const Disruption d = analyse_disruption(never, 5.0);
  EXPECT_FALSE(d.recovery_s);
  EXPECT_EQ(d.failed, 7);
  const auto within = rows(12, [](int i, report::IntervalRow& x) {
    if (i >= 5) x.ttft_p99_ms = 75;  // exactly 50% over: within
  });
  EXPECT_EQ(analyse_disruption(within, 5.0).recovery_s, 0.0);
  // Fewer than three intervals left after a good one: not (yet) a recovery.
  const auto short_tail = rows(8, [](int i, report::IntervalRow& x) {
    if (i == 5 || i == 6) x.ttft_p99_ms = 900;
  });
  EXPECT_FALSE(analyse_disruption(short_tail, 5.0).recovery_s);
}

TEST(Disruption, RecoveryTimeSloAndJson) {
  config::ProfileSlo slo;
  slo.metric = "recovery_time";
  slo.max = 5000;  // ms
  Disruption fast, never;
  fast.at_s = 10;
  fast.recovery_s = 6.0;
  never.at_s = 20;
  const auto v = check_recovery(slo, {fast, never});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_FALSE(v[0].passed);
  EXPECT_EQ(v[0].slo, "recovery_time <= 5000 ms (event at 10.0 s)");
  EXPECT_EQ(v[0].detail, "measured 6000.00 ms, 1000.00 ms over the limit");
  EXPECT_FALSE(v[1].passed);
  EXPECT_EQ(v[1].detail, "it did not recover before the run ended");
  EventOutcome e;
  e.at_s = 10.2;
  e.command = "true";
  e.exit_status = 0;
  const std::string json = disruptions_json({e}, {fast});
  EXPECT_NE(json.find(R"("run":"true","exit_status":0)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("recovery_s":6.0)"), std::string::npos) << json;
  EXPECT_NE(format_disruptions({e}, {fast}).find("recovered after 6.0 s"), std::string::npos);
}

TEST(Disruption, EventsRunAtTheirTimesWithStatusAndBoundedOutput) {
  EventRunner runner({{1s, "echo late; exit 3"}, {0s, "head -c 10000 /dev/zero | tr '\\0' x"}});
  runner.tick(500'000'000);  // only the event at 0 s is due
  runner.tick(1'000'000'000);
  const auto out = runner.finish();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at_s, 0.5);
  EXPECT_EQ(out[0].exit_status, 0);
  EXPECT_EQ(out[0].output, std::string(kEventOutputBytes, 'x'));
  EXPECT_EQ(out[1].at_s, 1.0);
  EXPECT_EQ(out[1].exit_status, 3);
  EXPECT_EQ(out[1].output, "late\n");
}

TEST(Disruption, SimEventsGoToTheSimulatorOrAreRecordedAsNotRun) {
  config::ProfileEvent pause;
  pause.sim = sim::parse_disruption("pause 2s").value();
  EventRunner without({pause});
  without.tick(0);
  const auto out = without.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].command, "sim: pause for 2s");
  EXPECT_EQ(out[0].exit_status, -1);
  EXPECT_EQ(out[0].output, "no built-in simulator runs");
  const std::string json = disruptions_json(out, {Disruption{}});
  EXPECT_NE(json.find(R"("sim":"pause","for_s":2.0,"exit_status":-1)"), std::string::npos) << json;
  EXPECT_EQ(json.find(R"("run")"), std::string::npos) << json;

  sim::SimOptions options;
  sim::SimServer server(options);
  ASSERT_TRUE(server.start());
  config::ProfileEvent fail;
  fail.sim = sim::parse_disruption("fail 1s 50%").value();
  EventRunner with({fail}, &server);
  with.tick(0);
  const auto taken = with.finish();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].exit_status, 0);
  EXPECT_EQ(taken[0].output, "the built-in simulator: fail 50% of requests for 1s");
  EXPECT_NE(disruptions_json(taken, {Disruption{}}).find(R"("sim":"fail","for_s":1.0,"rate":0.5)"), std::string::npos);
}

TEST(Disruption, ProfileEventsAreReadAndChecked) {
  const auto ok = config::parse_profile(
      "load:\n  stages:\n    - {rate: 5/s, duration: 1m, events: [{at: 10s, run: \"kill -STOP 1\"}]}\n"
      "slo:\n  - {metric: recovery_time, max: 60s}\n", "p.yaml");
  ASSERT_TRUE(ok.profile) << config::format_problems(ok.problems);
  ASSERT_EQ(ok.profile->stages[0].events.size(), 1u);
  EXPECT_EQ(ok.profile->stages[0].events[0].at, 10s);
  EXPECT_EQ(ok.profile->stages[0].events[0].run, "kill -STOP 1");
  EXPECT_EQ(ok.profile->slos[0].max, 60000);
  const auto bad = config::parse_profile(
      "load:\n  stages:\n    - {rate: 5/s, duration: 1m, events: [{at: 10s}, {at: soon, run: x}, {at: 1s, run: x, "
      "when: now}]}\n",
      "p.yaml");
  EXPECT_EQ(config::format_problems(bad.problems),
            "p.yaml:3:42: 'load.stages.0.events.0' needs at and one of run or sim, e.g. {at: 120s, run: \"kubectl "
            "delete pod vllm-1\"} or {at: 10s, sim: pause, for: 5s}\n"
            "p.yaml:3:58: 'load.stages.0.events.1.at': 'soon' is not a duration; write a number with a unit, e.g. "
            "250ms, 1.5s, 2m, 1h30m\n"
            "p.yaml:3:90: unknown key 'when' in 'load.stages.0.events.2'; known keys: at, run, sim, for, rate\n");
}

}  // namespace
}  // namespace llmload::app
