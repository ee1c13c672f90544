// vLLM's probe requests beside the measured run (runtime/probe_loop.hpp).

#include "llmload/runtime/probe_loop.hpp"

#include "llmload/metrics/probe_stats.hpp"

#include <chrono>
#include <utility>

namespace llmload::runtime {

workload::RequestSpec probe_spec(const workload::RequestSpec& first) {
  workload::RequestSpec spec;
  spec.prompt = "Hi";
  spec.prompt_len = 1;
  spec.expected_output_len = 1;
  (void)first;  // vLLM replaces the prompt, lengths, media and messages; the model stays the run's
  return spec;
}

namespace {

RunnerOptions probe_options(RunnerOptions options) {
  options.threads = 1;
  options.max_concurrency.reset();
  options.on_progress = nullptr;
  options.on_interval = nullptr;
  options.preconnect = false;
  options.duration = std::chrono::nanoseconds(0);
  options.stop_when = {};
  options.grace_period = std::chrono::nanoseconds(0);
  options.keep_text = false;
  options.interval_answers = false;
  options.chunk_text_offsets = false;
  return options;
}

}  // namespace

ProbeLoop::ProbeLoop(Target target, RequestTemplate request, RunnerOptions options, workload::RequestSpec spec,
                     double rate)
    : runner_(std::move(target), std::move(request), probe_options(std::move(options))),
      spec_(std::move(spec)),
      rate_(rate) {}

ProbeLoop::~ProbeLoop() {
  if (thread_.joinable()) stop();
}

void ProbeLoop::start() { thread_ = std::thread([this] { loop(); }); }

ProbeOutcome ProbeLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return std::move(outcome_);
}

void ProbeLoop::loop() {
  const auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(1.0 / rate_));
  std::int64_t sent = 0;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (sent == kMaxProbes) {
      outcome_.capped = true;
      return;
    }
    const metrics::RequestRecord record = runner_.send_one(spec_);
    if (record.start_ns == 0) return;  // never sent: the run is being stopped (Ctrl-C)
    ++sent;
    if (record.ok()) {
      outcome_.ok_latencies_ms.push_back(metrics::probe_latency_ms(record));
    } else {
      ++outcome_.failed;
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, pause, [this] { return stopping_; })) return;
  }
}

}  // namespace llmload::runtime
