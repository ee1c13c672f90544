// Simulated disruptions (issue 20): the compact and query forms, their bounds, the fail
// window, and profile `events: [{at, sim, for, rate}]` checked with file:line:column (refused
// when the target is not the built-in simulator).
#include "llmload/config/profile.hpp"
#include "llmload/sim/disruption.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using llmload::config::format_problems;
using llmload::config::parse_profile;
using llmload::sim::DisruptionKind;

TEST(SimDisruption, CompactFormsParseAndDescribeThemselves) {
  const auto pause = llmload::sim::parse_disruption("pause 5s");
  ASSERT_TRUE(pause) << pause.error().message;
  EXPECT_EQ(pause->kind, DisruptionKind::kPause);
  EXPECT_EQ(pause->duration, 5s);
  EXPECT_EQ(llmload::sim::describe_disruption(*pause), "pause for 5s");
  const auto fail = llmload::sim::parse_disruption("  fail 30%   250ms ");
  ASSERT_TRUE(fail) << fail.error().message;
  EXPECT_EQ(fail->kind, DisruptionKind::kFail);
  EXPECT_EQ(fail->duration, 250ms);
  EXPECT_DOUBLE_EQ(fail->fraction, 0.3);
  EXPECT_EQ(llmload::sim::describe_disruption(*fail), "fail 30% of requests for 250ms");
  const auto restart = llmload::sim::parse_disruption("restart");
  ASSERT_TRUE(restart) << restart.error().message;
  EXPECT_EQ(restart->kind, DisruptionKind::kRestart);
  EXPECT_EQ(restart->duration, 0s);
  EXPECT_EQ(llmload::sim::describe_disruption(*restart), "restart (refusing connections for 0ns)");
}

TEST(SimDisruption, BadFormsSayWhatToWrite) {
  const auto message = [](std::string_view text) {
    const auto r = llmload::sim::parse_disruption(text);
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(message("explode 5s"), "unknown simulator disruption 'explode'; known: pause, fail, restart");
  EXPECT_EQ(message("pause"), "a simulator pause needs how long it lasts above 0, e.g. 'pause 5s'");
  EXPECT_EQ(message("fail 0s"), "a simulator fail needs how long it lasts above 0, e.g. 'fail 5s'");
  EXPECT_EQ(message("pause 5s 30%"), "a share of requests applies to fail only, e.g. 'fail 10s 30%'");
  EXPECT_EQ(message("fail 5s 0%"),
            "the share of requests a simulator fail answers 503 must be above 0% and at most 100%");
  EXPECT_EQ(message("pause 5s 6s"), "'6s': the duration is given twice");
  EXPECT_EQ(message("pause 25h"), "a simulator pause lasts from 0s to 24h");
  EXPECT_NE(message("pause 5").find("unit"), std::string::npos);  // a bare number: the unit is not guessed
}

TEST(SimDisruption, ControlQueriesParseWithPercentEncodedRates) {
  const auto fail = llmload::sim::parse_disruption_query(DisruptionKind::kFail, "for=2s&rate=25%25");
  ASSERT_TRUE(fail) << fail.error().message;
  EXPECT_EQ(fail->duration, 2s);
  EXPECT_DOUBLE_EQ(fail->fraction, 0.25);
  const auto restart = llmload::sim::parse_disruption_query(DisruptionKind::kRestart, "");
  ASSERT_TRUE(restart);
  EXPECT_EQ(restart->duration, 0s);
  const auto unknown = llmload::sim::parse_disruption_query(DisruptionKind::kPause, "for=1s&now=1");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown parameter 'now'; known: for=DURATION, rate=PERCENT (fail only)");
  const auto bad = llmload::sim::parse_disruption_query(DisruptionKind::kPause, "for=soon");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message.starts_with("for=soon: ")) << bad.error().message;
}

TEST(SimDisruption, FailWindowFailsItsShareUntilItCloses) {
  llmload::sim::FailWindow window;
  EXPECT_FALSE(window.open_at(0));
  window.open(1000, 0.5);
  EXPECT_TRUE(window.open_at(999));
  EXPECT_FALSE(window.open_at(1000));
  EXPECT_TRUE(window.fails(10, 0));                      // the lowest draw fails
  EXPECT_FALSE(window.fails(10, ~std::uint64_t{0}));     // the highest does not at 50%
  EXPECT_FALSE(window.fails(1000, 0));                   // closed
  window.open(2000, 1.0);
  EXPECT_TRUE(window.fails(10, ~std::uint64_t{0}));      // 100%: every draw
}

TEST(SimDisruption, ProfileEventsReadSimDisruptions) {
  const auto r = parse_profile("load:\n  stages:\n    - rate: 10/s\n      duration: 10s\n      events:\n"
                               "        - {at: 4s, sim: pause, for: 2s}\n"
                               "        - {at: 6s, sim: fail, for: 1.5s, rate: 30%}\n"
                               "        - {at: 8s, sim: \"restart 500ms\"}\n"
                               "        - {at: 9s, run: \"echo hi\"}\n",
                               "events.yaml");
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  const auto& events = r.profile->stages.at(0).events;
  ASSERT_EQ(events.size(), 4u);
  ASSERT_TRUE(events[0].sim);
  EXPECT_EQ(events[0].at, 4s);
  EXPECT_EQ(events[0].sim->kind, DisruptionKind::kPause);
  EXPECT_EQ(events[0].sim->duration, 2s);
  ASSERT_TRUE(events[1].sim);
  EXPECT_EQ(events[1].sim->duration, 1500ms);
  EXPECT_DOUBLE_EQ(events[1].sim->fraction, 0.3);
  ASSERT_TRUE(events[2].sim);
  EXPECT_EQ(events[2].sim->kind, DisruptionKind::kRestart);
  EXPECT_EQ(events[2].sim->duration, 500ms);
  EXPECT_FALSE(events[3].sim);
  EXPECT_EQ(events[3].run, "echo hi");
}

TEST(SimDisruption, ProfileProblemsNameFileLineAndColumn) {
  const auto r = parse_profile("load:\n  stages:\n    - rate: 10/s\n      duration: 10s\n      events:\n"
                               "        - {at: 4s, sim: pause}\n"
                               "        - {at: 5s, sim: explode, for: 1s}\n"
                               "        - {at: 6s, sim: pause, run: \"kill -STOP 1\", for: 1s}\n"
                               "        - {at: 7s, run: \"true\", for: 1s}\n",
                               "bad.yaml");
  ASSERT_FALSE(r.profile);
  const std::string text = format_problems(r.problems);
  EXPECT_NE(text.find("bad.yaml:6:25: 'load.stages.0.events.0.sim': a simulator pause needs how long it lasts above 0"),
            std::string::npos) << text;
  EXPECT_NE(text.find("bad.yaml:7:25: 'load.stages.0.events.1.sim': unknown simulator disruption 'explode'"),
            std::string::npos) << text;
  EXPECT_NE(text.find("bad.yaml:8:11: 'load.stages.0.events.2' needs at and one of run or sim"), std::string::npos)
      << text;
  EXPECT_NE(text.find("bad.yaml:9:11: 'load.stages.0.events.3': for and rate go with sim, not with run"),
            std::string::npos) << text;
}

TEST(SimDisruption, ProfileRefusesSimEventsAgainstAnotherServer) {
  const auto r = parse_profile("target: {base_url: http://127.0.0.1:8000}\n"
                               "load:\n  stages:\n    - rate: 10/s\n      duration: 10s\n"
                               "      events: [{at: 4s, sim: pause, for: 2s}]\n",
                               "remote.yaml");
  ASSERT_FALSE(r.profile);
  const std::string text = format_problems(r.problems);
  EXPECT_NE(text.find("remote.yaml:6:30: 'load.stages.0.events.0.sim' disrupts the built-in simulator, but "
                      "target.base_url names another server"),
            std::string::npos) << text;
}

TEST(SimDisruption, ProfileRequestTimeoutIsADuration) {
  const auto ok = parse_profile("target: {request_timeout: 1500ms}\nload: {stages: [{rate: 1/s, requests: 2}]}\n", "t.yaml");
  ASSERT_TRUE(ok.profile) << format_problems(ok.problems);
  EXPECT_EQ(ok.profile->target.request_timeout, std::chrono::nanoseconds(1500ms));
  const auto bad = parse_profile("target: {request_timeout: 0s}\nload: {stages: [{rate: 1/s, requests: 2}]}\n", "t.yaml");
  ASSERT_FALSE(bad.profile);
  EXPECT_NE(format_problems(bad.problems).find("t.yaml:1:27: 'target.request_timeout' must be longer than 0, e.g. 30s"),
            std::string::npos) << format_problems(bad.problems);
}

}  // namespace
