#include "llmload/workload/conversations.hpp"

#include <algorithm>

namespace llmload::workload {

void link_conversations(std::span<RequestSpec> specs, std::int32_t turns, core::Nanos think_time_ns) {
  if (turns <= 1) return;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto& s = specs[i];
    const auto turn = static_cast<std::int32_t>(i % static_cast<std::size_t>(turns));
    s.conversation = static_cast<std::int32_t>(i / static_cast<std::size_t>(turns));
    s.turn = turn;
    s.previous_turn = turn == 0 ? -1 : static_cast<std::int32_t>(i) - 1;
    s.think_time_ns = turn == 0 ? 0 : think_time_ns;
  }
}

std::size_t conversation_count(std::span<const RequestSpec> specs) {
  return static_cast<std::size_t>(
      std::count_if(specs.begin(), specs.end(), [](const RequestSpec& s) { return s.previous_turn < 0; }));
}

core::Result<std::vector<core::Nanos>> conversation_offsets(std::span<const RequestSpec> specs,
                                                            std::span<const core::Nanos> conversation_offsets) {
  std::vector<core::Nanos> out;
  out.reserve(specs.size());
  std::size_t next = 0;
  for (const auto& s : specs) {
    if (s.previous_turn < 0) {
      if (next >= conversation_offsets.size()) {
        return core::fail("{} conversations but only {} send times", conversation_count(specs),
                          conversation_offsets.size());
      }
      out.push_back(conversation_offsets[next++]);
    } else {
      out.push_back(out.at(static_cast<std::size_t>(s.previous_turn)));
    }
  }
  return out;
}

}  // namespace llmload::workload
