#include "llmload/metrics/category_breakdown.hpp"

#include <map>

namespace llmload::metrics {

std::vector<CategoryCount> category_breakdown(std::span<const RequestRecord> records,
                                              std::span<const workload::RequestSpec> specs) {
  std::map<std::string, CategoryCount, std::less<>> by_name;
  for (const auto& record : records) {
    if (record.index >= specs.size()) continue;
    const std::string& name = specs[record.index].category;
    if (name.empty()) continue;
    auto it = by_name.find(name);
    if (it == by_name.end()) it = by_name.emplace(name, CategoryCount{name, 0, 0}).first;
    ++(record.ok() ? it->second.completed : it->second.failed);
  }
  std::vector<CategoryCount> out;
  out.reserve(by_name.size());
  for (auto& [name, count] : by_name) out.push_back(std::move(count));
  return out;
}

}  // namespace llmload::metrics
