// The client's self-check end to end: with busy loops stealing the only core the client may
// use, the run says the client was saturated (console, stderr warning, result file); on a quiet
// run, it does not. A Timing* suite: it runs alone, so the machine is otherwise quiet.
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <vector>

namespace llmload::testing_support {
namespace {

/// A busy loop pinned to core 0, killed by the caller (and by SIGALRM after 60 s at worst). It
/// runs at real-time priority where allowed (CI runs as root): an ordinary one would only share
/// the core, and the kernel favours a client that sleeps between events. The kernel's real-time
/// throttling still leaves the core's other tasks a slice (5% by default).
pid_t spawn_busy_loop() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    ::sched_setaffinity(0, sizeof(one), &one);
    ::alarm(60);
    const sched_param fifo{.sched_priority = 1};
    ::sched_setscheduler(0, SCHED_FIFO, &fifo);
    for (volatile unsigned long spin = 0;; spin = spin + 1) {
    }
  }
  return pid;
}

class TimingClientCheck : public CliTest {
 public:
  TimingClientCheck() : CliTest("llmload-client-check") {}

  /// `llmload run` of a one-stage profile with a latency SLO, stopped for 300 ms one second
  /// in (SIGSTOP, as a hypervisor or a noisy neighbour stalls a client).
  CliResult run_stalled_profile(bool allow) {
    std::ofstream(dir_ / "p.yaml") << "workload: {input_len: 8, output_len: 40}\n"
                                   << "load: {stages: [{name: steady, rate: 20/s, requests: 60}]}\n"
                                   << (allow ? "allow_saturated_client: true\n" : "")
                                   << "slo: [{metric: ttft, stat: p99, max: 10s}, {metric: error_rate, max: 0%}]\n"
                                   << "outputs: {dir: " << (dir_ / "out").string() << ", formats: [json]}\n";
    const std::string command = std::string(LLMLOAD_BINARY) + " run " + (dir_ / "p.yaml").string();
    return run_under("sh -c '" + command +
                     " & pid=$!; sleep 1; kill -STOP $pid; sleep 0.3; kill -CONT $pid; wait $pid'");
  }

  /// 60 requests at 30/s, 40 tokens each at 20 ms, against the built-in simulator.
  CliResult bench(const std::string& prefix) {
    return run_under(prefix + std::string(LLMLOAD_BINARY) +
                     " bench --threads 1 --num-prompts 60 --request-rate 30 --random-output-len 40"
                     " --save-result --result-dir " + dir_.string() + " --result-filename r.json");
  }
};

/// Runs `command` while a busy loop takes core 0 from it.
CliResult under_busy_loops(TimingClientCheck& test, const std::function<CliResult()>& command) {
  std::vector<pid_t> loops{spawn_busy_loop()};
  CliResult r = command();
  for (const pid_t pid : loops) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  return r;
}

TEST_F(TimingClientCheck, BusyLoopsOnTheClientsCoreAreFlagged) {
  const CliResult r = under_busy_loops(*this, [this] { return bench("taskset -c 0 "); });
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Client saturated:                        YES"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("warning: the client was saturated ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
  const std::string json = slurp(dir_ / "r.json");
  EXPECT_NE(json.find("\"client_saturated\":true"), std::string::npos);
}

TEST_F(TimingClientCheck, LatencySlosOfAStalledClientFailUnlessAllowed) {
  const CliResult strict = run_stalled_profile(false);
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_NE(strict.out.find("FAIL steady: ttft p99 <= 10000 ms (measured"), std::string::npos) << strict.out;
  EXPECT_NE(strict.out.find("not trusted: the client was saturated ("), std::string::npos) << strict.out;
  // The event-loop delay names the stall: by its maximum, or by its p99 when the run's few
  // probe samples (one every 20 ms) put the stalled one above the 99th percentile.
  EXPECT_TRUE(strict.out.find("event-loop delay max") != std::string::npos ||
              strict.out.find("event-loop delay p99") != std::string::npos)
      << strict.out;
  EXPECT_NE(strict.out.find("PASS steady: error_rate"), std::string::npos) << strict.out;  // not a latency
  const CliResult allowed = run_stalled_profile(true);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("PASS steady: ttft p99 <= 10000 ms"), std::string::npos) << allowed.out;
}

TEST_F(TimingClientCheck, AQuietRunIsNotFlagged) {
  const CliResult r = bench("");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Client saturated:                        no"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("P99 event-loop delay (ms):"), std::string::npos);
  EXPECT_EQ(r.err.find("saturated"), std::string::npos) << r.err;
  EXPECT_NE(slurp(dir_ / "r.json").find("\"client_saturated\":false"), std::string::npos);
}

}  // namespace
}  // namespace llmload::testing_support
