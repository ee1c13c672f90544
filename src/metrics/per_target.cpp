#include "llmload/metrics/per_target.hpp"

#include <algorithm>
#include <map>

namespace llmload::metrics {
namespace {

/// One target's samples while the records are read.
struct TargetSamples {
  TargetFigures figures;
  std::map<std::string, std::int64_t, std::less<>> failures;
  std::vector<double> ttft, tpot, itl, e2el;

  void add(const RequestRecord& r) {
    if (r.start_ns == 0) return;  // never sent (a dropped later turn): no target's
    ++figures.requests;
    if (!r.ok()) {
      ++figures.failed;
      ++failures[std::string(outcome_name(r.outcome))];
      return;
    }
    ++figures.completed;
    const std::int64_t tokens = r.usage_completion_tokens > 0 ? r.usage_completion_tokens
                                                              : static_cast<std::int64_t>(r.chunk_ns.size());
    figures.output_tokens += tokens;
    if (r.chunk_ns.empty()) return;
    const core::Nanos ttft_ns = r.chunk_ns.front() - r.start_ns;
    const core::Nanos e2el_ns = r.chunk_ns.back() - r.start_ns;
    ttft.push_back(core::ns_to_ms_exact(ttft_ns));
    e2el.push_back(core::ns_to_ms_exact(e2el_ns));
    if (tokens > 1) tpot.push_back(core::ns_to_ms_exact(e2el_ns - ttft_ns) / static_cast<double>(tokens - 1));
    for (std::size_t k = 1; k < r.chunk_ns.size(); ++k) {
      itl.push_back(core::ns_to_ms_exact(r.chunk_ns[k] - r.chunk_ns[k - 1]));
    }
  }

  TargetFigures finish(double duration_s) {
    figures.failures.assign(failures.begin(), failures.end());
    figures.output_throughput = duration_s > 0 ? static_cast<double>(figures.output_tokens) / duration_s : 0.0;
    figures.ttft_ms = compute_stats(ttft, kPerTargetPercentiles);
    figures.tpot_ms = compute_stats(tpot, kPerTargetPercentiles);
    figures.itl_ms = compute_stats(itl, kPerTargetPercentiles);
    figures.e2el_ms = compute_stats(e2el, kPerTargetPercentiles);
    return std::move(figures);
  }
};

}  // namespace

std::vector<TargetFigures> target_breakdown(std::span<const RequestRecord> records, std::span<const std::string> urls,
                                            double duration_s) {
  std::vector<TargetSamples> samples(urls.size());
  for (std::size_t t = 0; t < urls.size(); ++t) samples[t].figures.url = urls[t];
  for (const auto& r : records) {
    if (r.target < samples.size()) samples[r.target].add(r);
  }
  std::vector<TargetFigures> out;
  out.reserve(samples.size());
  for (auto& s : samples) out.push_back(s.finish(duration_s));
  return out;
}

}  // namespace llmload::metrics
