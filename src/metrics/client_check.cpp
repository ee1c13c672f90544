#include "llmload/metrics/client_check.hpp"

#include <fmt/format.h>

#include <thread>

namespace llmload::metrics {
namespace {

void check_figure(const char* figure, const SampleStats& s, ClientCheck& check) {
  if (s.count == 0) return;
  check.checked = true;
  const double p99 = s.percentile_or(99, s.max);
  const bool p99_over = p99 > kSaturatedP99Ms;
  const bool max_over = s.max > kSaturatedMaxMs;
  if (!p99_over && !max_over) return;
  check.saturated = true;
  ClientFinding f;
  f.figure = figure;
  f.p99_ms = p99;
  f.max_ms = s.max;
  f.text = p99_over ? fmt::format("{} p99 {:.2f} ms (limit {:g} ms)", figure, p99, kSaturatedP99Ms)
                    : fmt::format("{} max {:.2f} ms (limit {:g} ms)", figure, s.max, kSaturatedMaxMs);
  check.findings.push_back(std::move(f));
}

}  // namespace

ClientCheck check_client(const SampleStats& schedule_lag_ms, const SampleStats& loop_delay_ms,
                         const SampleStats& receive_delay_ms) {
  ClientCheck check;
  check_figure("schedule lag", schedule_lag_ms, check);
  check_figure("event-loop delay", loop_delay_ms, check);
  check_figure("receive delay", receive_delay_ms, check);
  return check;
}

std::string saturation_advice(int threads) {
  const unsigned cores = std::thread::hardware_concurrency();
  return fmt::format("the client's figures are late by its own delays: give it more threads (--threads, now {} on {} "
                     "cores), fewer streams per thread, or a less loaded machine, and do not trust its latencies "
                     "until this check passes",
                     threads, cores);
}

}  // namespace llmload::metrics
