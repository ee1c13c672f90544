#pragma once
/// Is the client itself the bottleneck? A load tester whose threads are starved stamps late:
/// its TTFT, ITL and throughput then describe the client, not the server. The self-check
/// reads three figures the run already measured — schedule lag (requests dispatched late),
/// the event-loop delay of the workers' probe timers, and the receive delay against a server
/// that stamps its sends (the built-in simulator) — and calls the client saturated when any
/// of them has a p99 over kSaturatedP99Ms or a maximum over kSaturatedMaxMs. Pure.

#include "llmload/metrics/sample_stats.hpp"

#include <string>
#include <vector>

namespace llmload::metrics {

inline constexpr double kSaturatedP99Ms = 5.0;
inline constexpr double kSaturatedMaxMs = 100.0;

/// One figure over a threshold, said the way the user reads it.
struct ClientFinding {
  std::string figure;     ///< "schedule lag", "event-loop delay", "receive delay"
  double p99_ms = 0, max_ms = 0;
  std::string text;       ///< e.g. "event-loop delay p99 12.3 ms (limit 5 ms)"
};

struct ClientCheck {
  bool checked = false;    ///< the figures existed (a run with at least one request)
  bool saturated = false;
  std::vector<ClientFinding> findings;
};

/// The check on a run's extension figures (empty stats are skipped).
ClientCheck check_client(const SampleStats& schedule_lag_ms, const SampleStats& loop_delay_ms,
                         const SampleStats& receive_delay_ms);

/// What to do about it, one sentence (more threads, fewer streams per core, a quieter host).
std::string saturation_advice(int threads);

}  // namespace llmload::metrics
