// Early stop end to end: `llmload sim` started by the test as its own process and killed
// mid-run (SIGKILL: a target that dies), with `llmload run` (stop_when: error_rate over a
// window) and `llmload bench` (--stop-on-errors): the run stops within the window plus the
// grace period, says why, saves llmload.stopped_early, fails the SLO verdict and exits 1. The
// same profile against a healthy simulator runs to its end and exits 0.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"
#include "sim_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using llmload::testing_support::CliResult;
using llmload::testing_support::SimProcess;
using llmload::testing_support::slurp;
using Clock = std::chrono::steady_clock;

constexpr auto kKillAfter = std::chrono::seconds(1);

class EarlyStop : public llmload::testing_support::CliTest {
 protected:
  EarlyStop() : CliTest("llmload-early-stop") {}

  fs::path profile(const std::string& url, const std::string& duration) {
    const auto path = dir_ / "p.yaml";
    std::ofstream(path) << "target: {base_url: " << url << "}\n"
                        << "workload: {input_len: 8, output_len: 8}\n"
                        << "load:\n  stages:\n    - {name: soak, rate: 20/s, duration: " << duration
                        << ", stop_when: {error_rate: 50%, over: 1s}}\n"
                        << "slo:\n  - {metric: ttft, stat: p99, max: 5s}\n"
                        // These tests judge the stop, not the client: on a host loaded by other
                        // tests the client's self-check may call it saturated (its own test is
                        // TimingClientCheck), which would fail the TTFT SLO for that reason alone.
                        << "allow_saturated_client: true\n"
                        << "outputs: {dir: " << (dir_ / "out").string() << ", formats: [json, junit]}\n";
    return path;
  }

  /// Runs `args` and kills the simulator kKillAfter after the measured run started (its
  /// "Starting main benchmark run..." line: preparing the workload takes longer on a loaded
  /// host); `after_kill` is how long the command went on after the kill.
  CliResult run_and_kill(SimProcess& sim, const std::string& args, double& after_kill) {
    CliResult r;
    std::thread cli([&] { r = run(args); });
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    while (slurp(dir_ / "stdout.txt").find("Starting main benchmark run...") == std::string::npos &&
           Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(kKillAfter);
    sim.kill();
    const auto killed = Clock::now();
    cli.join();
    after_kill = std::chrono::duration<double>(Clock::now() - killed).count();
    return r;
  }
};

TEST_F(EarlyStop, ProfileAgainstATargetThatDiesStopsWithinTheWindowAndExits1) {
  SimProcess sim(dir_);
  double after_kill = 0;
  const auto r = run_and_kill(sim, "run " + profile(sim.url(), "60s").string(), after_kill);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // A 1 s window, a sample every 0.5 s, then at most the grace period (10 s; the kill cut the
  // requests in flight, so it takes far less), plus a second for the table and files. Far
  // below the 60 s planned.
  EXPECT_LT(after_kill, 1 + 0.5 + 10 + 1) << r.out << r.err;
  RecordProperty("seconds_after_kill", std::to_string(after_kill));
  EXPECT_NE(r.err.find("llmload bench: stopping early: "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Run stopped early after "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL soak: ran to its end (stop_when) (stopped early after"), std::string::npos) << r.out;
  const auto result = boost::json::parse(slurp(dir_ / "out" / "01-01-soak.json")).as_object();
  const auto& stop = result.at("llmload").at("stopped_early").as_object();
  EXPECT_EQ(stop.at("reason").as_string(), "error_rate");
  const double at = stop.at("at_s").as_double();
  EXPECT_GT(at, 0.5);
  // Decided within the window (and a sample) of the kill, measured on the run's own clock.
  EXPECT_GT(at, std::chrono::duration<double>(kKillAfter).count() - 0.5);
  EXPECT_LT(at, std::chrono::duration<double>(kKillAfter).count() + 1 + 0.5 + 0.5) << "decided long after the kill";
  EXPECT_GT(stop.at("figures").at("error_rate").as_double(), 0.5);
  EXPECT_FALSE(result.at("llmload").at("interrupted").as_bool());
  EXPECT_NE(slurp(dir_ / "out" / "junit.xml").find("<failure message=\"stopped early after"), std::string::npos);
}

TEST_F(EarlyStop, ProfileAgainstAHealthyTargetRunsToItsEnd) {
  SimProcess sim(dir_);
  const auto start = Clock::now();
  const auto r = run("run " + profile(sim.url(), "3s").string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - start).count(), 2.5);  // 60 requests at 20/s
  EXPECT_EQ(r.out.find("stopped early"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS soak: ran to its end (stop_when) (no early-stop rule held)"), std::string::npos) << r.out;
  const auto result = boost::json::parse(slurp(dir_ / "out" / "01-01-soak.json")).as_object();
  EXPECT_EQ(result.at("completed").as_int64(), 60);  // every planned request: 3 s at 20/s
  EXPECT_FALSE(result.at("llmload").as_object().contains("stopped_early"));
}

// Disruption: the simulator process is paused for 3 s (SIGSTOP, then SIGCONT) 3 s into the
// run by a stage event; the report shows the spike, the cut requests (none: nothing times out)
// and a recovery time consistent with the pause, checked against the interval rows. Recovery
// asks for 3 half-second intervals whose p99s are back within the baseline's (TTFT 20 ms, ITL
// 5 ms), which another test's load on the same 2 cores can spoil: it runs alone (label timing).
using TimingDisruption = EarlyStop;
TEST_F(TimingDisruption, PauseShowsTheSpikeAndARecoveryConsistentWithThePause) {
  SimProcess sim(dir_);
  const auto path = dir_ / "d.yaml";
  std::ofstream(path) << "target: {base_url: " << sim.url() << "}\n"
                      << "workload: {input_len: 8, output_len: 8}\n"
                      << "load:\n  stages:\n    - name: pause\n      rate: 20/s\n      duration: 10s\n"
                      << "      events: [{at: 3s, run: \"kill -STOP " << sim.pid() << "; sleep 3; kill -CONT " << sim.pid()
                      << "; echo resumed\"}]\n"
                      << "slo:\n  - {metric: recovery_time, max: 10s}\n"
                      << "outputs: {dir: " << (dir_ / "out").string() << ", formats: [json], interval: 500ms}\n";
  // A stall of the shared host in the seconds after the pause delays the recovery by an
  // interval or more (seen once, in a clean-clone check: 5.5 s). Such an attempt is run once more,
  // as the other timing tests do; everything but the recovery's upper bound is checked on each.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const auto r = run("run " + path.string());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("== disruption at "), std::string::npos) << r.out;
    const auto result = boost::json::parse(slurp(dir_ / "out" / "01-01-pause.json")).as_object();
    const auto& d = result.at("llmload").at("disruptions").as_array().at(0).as_object();
    EXPECT_EQ(d.at("exit_status").as_int64(), 0);
    EXPECT_EQ(d.at("output").as_string(), "resumed\n");
    const double at = d.at("at_s").as_double();
    EXPECT_GE(at, 3.0);
    EXPECT_LT(at, 3.6);  // the next progress tick after 3 s
    EXPECT_LT(d.at("baseline_ttft_p99_ms").as_double(), 500);
    EXPECT_GT(d.at("peak_ttft_p99_ms").as_double(), 2500);  // requests held through most of the pause
    EXPECT_EQ(d.at("failed").as_int64(), 0);
    ASSERT_TRUE(d.at("recovery_s").is_double()) << r.out;
    const double recovery = d.at("recovery_s").as_double();
    std::printf("attempt %d: event at %.2f s; TTFT p99 baseline %.1f ms, peak %.1f ms; recovery %.2f s; failed %lld\n",
                attempt, at, d.at("baseline_ttft_p99_ms").as_double(), d.at("peak_ttft_p99_ms").as_double(), recovery,
                static_cast<long long>(d.at("failed").as_int64()));
    // About the pause: at least it (less an interval of rounding), at most 2 s more (the held
    // requests flush in the next interval; p99s of half-second intervals are noisy on a loaded
    // host).
    EXPECT_GE(recovery, 3.0 - 0.5);
    EXPECT_NE(r.out.find("PASS pause: recovery_time <= 10000 ms (event at"), std::string::npos) << r.out;
    if (recovery <= 3.0 + 2.0 || attempt == 2) {
      EXPECT_LE(recovery, 3.0 + 2.0);
      RecordProperty("recovery_s", std::to_string(recovery));
      break;
    }
  }
}

TEST_F(EarlyStop, BenchStopOnErrorsExits1AndSavesWhy) {
  SimProcess sim(dir_);
  double after_kill = 0;
  const auto r = run_and_kill(sim,
                              "bench --base-url " + sim.url() +
                                  " --request-rate 20 --duration 60 --num-prompts 1200 --random-input-len 8 "
                                  "--random-output-len 8 --stop-on-errors 10 --grace-period 2 --save-result "
                                  "--result-dir " + dir_.string() + " --result-filename r.json",
                              after_kill);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_LT(after_kill, 0.5 + 2 + 1) << r.out << r.err;  // a sample, the 2 s grace period, the files
  EXPECT_NE(r.out.find("Early stop on: 10 failed requests"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("llmload bench: the run stopped early (errors); exit 1"), std::string::npos) << r.err;
  const auto result = boost::json::parse(slurp(dir_ / "r.json")).as_object();
  const auto& stop = result.at("llmload").at("stopped_early").as_object();
  EXPECT_EQ(stop.at("reason").as_string(), "errors");
  EXPECT_GE(stop.at("figures").at("failed").as_double(), 10);
  EXPECT_EQ(stop.at("message").as_string().find("requests failed (limit 10)") != std::string::npos, true);
}

}  // namespace
