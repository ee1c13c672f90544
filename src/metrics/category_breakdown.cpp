#include "llmload/metrics/category_breakdown.hpp"

#include <algorithm>
#include <map>

namespace llmload::metrics {

std::vector<CategoryCount> category_breakdown(std::span<const RequestRecord> records,
                                              std::span<const workload::RequestSpec> specs) {
  struct Samples {
    CategoryCount count;
    std::vector<double> ttft_ms, e2el_ms;
  };
  std::map<std::string, Samples, std::less<>> by_name;
  for (const auto& r : records) {
    if (r.index >= specs.size()) continue;
    const std::string& name = specs[r.index].category;
    if (name.empty()) continue;
    auto it = by_name.find(name);
    if (it == by_name.end()) it = by_name.emplace(name, Samples{}).first;
    auto& c = it->second;
    if (!r.ok()) {
      ++c.count.failed;
      continue;
    }
    ++c.count.completed;
    c.count.input_tokens += r.usage_prompt_tokens >= 0 ? r.usage_prompt_tokens : r.dataset_prompt_len;
    c.count.output_tokens += r.usage_completion_tokens > 0 ? r.usage_completion_tokens
                                                           : static_cast<std::int64_t>(r.chunk_ns.size());
    if (!r.chunk_ns.empty()) {
      c.ttft_ms.push_back(static_cast<double>(r.chunk_ns.front() - r.start_ns) / 1e6);
      c.e2el_ms.push_back(static_cast<double>(r.chunk_ns.back() - r.start_ns) / 1e6);
    }
  }
  constexpr double kPercentiles[] = {50, 90, 99};
  std::vector<CategoryCount> out;
  out.reserve(by_name.size());
  for (auto& [name, samples] : by_name) {
    samples.count.category = name;
    samples.count.ttft_ms = compute_stats(samples.ttft_ms, kPercentiles);
    samples.count.e2el_ms = compute_stats(samples.e2el_ms, kPercentiles);
    out.push_back(std::move(samples.count));
  }
  return out;
}

void label_timelines(RunSummary& summary, std::span<const RequestRecord> records,
                     std::span<const workload::RequestSpec> specs) {
  const std::size_t n = std::min(summary.timelines.size(), records.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (records[i].index < specs.size()) summary.timelines[i].category = specs[records[i].index].category;
  }
}

}  // namespace llmload::metrics
