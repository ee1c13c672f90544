#pragma once
/// vLLM's --probe-request-rate figures: small requests ("Hi", one output token) sent one after
/// another beside the measured run, their end-to-end latency summarized apart from it (vLLM's
/// "Probe Requests" section and probe_* result keys). Pure.

#include "llmload/metrics/request_record.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace llmload::metrics {

/// vLLM's probe_stats: the probes that succeeded and failed, and the median, 99th percentile
/// (numpy's linear interpolation) and maximum of the successful ones' E2EL.
struct ProbeFigures {
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  double median_e2el_ms = 0;
  double p99_e2el_ms = 0;
  double max_e2el_ms = 0;
};

/// A probe's E2EL in ms as vLLM's request function measures it: the last token chunk (for a
/// whole answer: the response's end) − the start. Only meaningful for a successful record.
double probe_latency_ms(const RequestRecord& record);

/// The figures of the probes; nullopt when none succeeded (vLLM then prints no section and
/// writes no key).
std::optional<ProbeFigures> probe_figures(std::span<const double> ok_latencies_ms, std::int64_t failed);

}  // namespace llmload::metrics
