#pragma once
/// vLLM's --probe-request-rate: while the measured run lasts, one small request at a time
/// ("Hi", one output token, the run's model, no images, no history) goes to the first target,
/// each followed by a pause of 1/rate seconds (vLLM's probe_loop: send, await, sleep). The
/// probes are not part of the run's records; their latencies are summarized on their own
/// (metrics/probe_stats.hpp). Bounded: at most kMaxProbes probes, then the loop ends.

#include "llmload/runtime/runner.hpp"
#include "llmload/workload/request_spec.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace llmload::runtime {

/// The most probes one run sends (a day at 10 per second); the loop stops there.
inline constexpr std::int64_t kMaxProbes = 1'000'000;

/// vLLM's probe input: the first request with prompt "Hi", prompt length 1, output length 1,
/// no images and no conversation.
workload::RequestSpec probe_spec(const workload::RequestSpec& first);

/// What the probes measured.
struct ProbeOutcome {
  std::vector<double> ok_latencies_ms;  ///< E2EL of each successful probe, in send order
  std::int64_t failed = 0;
  bool capped = false;  ///< kMaxProbes reached before the run ended
};

/// Sends the probes on a thread of its own from start() until stop().
class ProbeLoop {
 public:
  /// `rate` > 0 probes per second (pause between two probes 1/rate s).
  ProbeLoop(Target target, RequestTemplate request, RunnerOptions options, workload::RequestSpec spec, double rate);
  ~ProbeLoop();
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  void start();
  /// Ends the loop: the probe in flight is awaited (as vLLM awaits its probe task), no new one
  /// starts. Returns what was measured.
  ProbeOutcome stop();

 private:
  void loop();

  Runner runner_;
  workload::RequestSpec spec_;
  double rate_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  ProbeOutcome outcome_;
  std::thread thread_;
};

}  // namespace llmload::runtime
