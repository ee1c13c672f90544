#include "llmload/metrics/category_breakdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

namespace llmload::metrics {

namespace {

/// Groups the records by a key of their spec (`key` returns {sort order, name}, or an empty
/// name to leave the request out) and computes each group's figures, in key order.
template <class KeyFn>
std::vector<CategoryCount> breakdown(std::span<const RequestRecord> records,
                                     std::span<const workload::RequestSpec> specs, KeyFn key) {
  struct Samples {
    CategoryCount count;
    std::vector<double> ttft_ms, e2el_ms;
  };
  std::map<std::pair<std::int64_t, std::string>, Samples> groups;
  for (const auto& r : records) {
    if (specs.empty()) continue;
    // A --duration run sends its pool of specs in turn: request k sends spec k % specs.
    auto group_key = key(specs[r.index % specs.size()]);
    if (group_key.second.empty()) continue;
    auto& c = groups[std::move(group_key)];
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
  out.reserve(groups.size());
  for (auto& [group_key, samples] : groups) {
    samples.count.category = group_key.second;
    samples.count.ttft_ms = compute_stats(samples.ttft_ms, kPercentiles);
    samples.count.e2el_ms = compute_stats(samples.e2el_ms, kPercentiles);
    out.push_back(std::move(samples.count));
  }
  return out;
}

}  // namespace

std::vector<CategoryCount> model_breakdown(std::span<const RequestRecord> records,
                                           std::span<const workload::RequestSpec> specs) {
  return breakdown(records, specs, [](const workload::RequestSpec& s) {
    return std::pair<std::int64_t, std::string>(0, s.model);
  });
}

std::vector<CategoryCount> category_breakdown(std::span<const RequestRecord> records,
                                              std::span<const workload::RequestSpec> specs) {
  return breakdown(records, specs, [](const workload::RequestSpec& s) {
    return std::pair<std::int64_t, std::string>(0, s.category);
  });
}

std::vector<CategoryCount> turn_breakdown(std::span<const RequestRecord> records,
                                          std::span<const workload::RequestSpec> specs) {
  return breakdown(records, specs, [](const workload::RequestSpec& s) {
    if (s.conversation < 0) return std::pair<std::int64_t, std::string>(0, std::string());
    return std::pair<std::int64_t, std::string>(s.turn, fmt::format("turn {}", s.turn + 1));
  });
}

void label_timelines(RunSummary& summary, std::span<const RequestRecord> records,
                     std::span<const workload::RequestSpec> specs) {
  const std::size_t n = std::min(summary.timelines.size(), records.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!specs.empty()) summary.timelines[i].category = specs[records[i].index % specs.size()].category;
  }
}

}  // namespace llmload::metrics
