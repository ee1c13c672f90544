#include "llmload/metrics/probe_stats.hpp"

#include "llmload/core/clock.hpp"
#include "llmload/metrics/sample_stats.hpp"

#include <algorithm>
#include <array>

namespace llmload::metrics {

double probe_latency_ms(const RequestRecord& record) {
  const core::Nanos end = record.chunk_ns.empty() ? record.end_ns : record.chunk_ns.back();
  return core::ns_to_ms(end - record.start_ns);
}

std::optional<ProbeFigures> probe_figures(std::span<const double> ok_latencies_ms, std::int64_t failed) {
  if (ok_latencies_ms.empty()) return std::nullopt;
  constexpr std::array<double, 1> kPercentiles{99};
  const SampleStats stats = compute_stats(ok_latencies_ms, kPercentiles);
  ProbeFigures f;
  f.completed = static_cast<std::int64_t>(ok_latencies_ms.size());
  f.failed = failed;
  f.median_e2el_ms = stats.median;
  f.p99_e2el_ms = stats.percentile_or(99, 0.0);
  f.max_e2el_ms = *std::max_element(ok_latencies_ms.begin(), ok_latencies_ms.end());
  return f;
}

}  // namespace llmload::metrics
