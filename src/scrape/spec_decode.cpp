#include "llmload/scrape/spec_decode.hpp"

#include "llmload/scrape/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <string>

namespace llmload::scrape {

std::optional<SpecDecodeCounters> parse_spec_decode(std::string_view metrics_text) {
  const auto exposition = parse_exposition(metrics_text);
  SpecDecodeCounters c;
  bool found = false;
  for (const auto& s : exposition.samples) {
    const std::string_view name = s.name;
    if (!name.starts_with("vllm:spec_decode") || !name.ends_with("_total") || !std::isfinite(s.value)) continue;
    found = true;
    const auto value = static_cast<std::int64_t>(s.value);  // vLLM: int(float(value))
    // vLLM's order of substring tests: num_drafts, num_draft_tokens, per-position, accepted.
    if (name.find("num_drafts") != std::string_view::npos) {
      c.drafts += value;
    } else if (name.find("num_draft_tokens") != std::string_view::npos) {
      c.draft_tokens += value;
    } else if (name.find("num_accepted_tokens_per_pos") != std::string_view::npos) {
      const auto label = s.label("position");
      std::int64_t position = 0;
      const auto [ptr, ec] = std::from_chars(label.data(), label.data() + label.size(), position);
      if (!label.empty() && ec == std::errc{} && ptr == label.data() + label.size()) {
        c.accepted_per_position[position] += value;
      }
    } else if (name.find("num_accepted_tokens") != std::string_view::npos) {
      c.accepted += value;
    }
  }
  if (!found) return std::nullopt;
  return c;
}

std::optional<SpecDecodeStats> spec_decode_stats(const std::optional<SpecDecodeCounters>& before,
                                                 const std::optional<SpecDecodeCounters>& after) {
  if (!before || !after) return std::nullopt;
  SpecDecodeStats s;
  s.drafts = after->drafts - before->drafts;
  s.draft_tokens = after->draft_tokens - before->draft_tokens;
  s.accepted = after->accepted - before->accepted;
  if (s.draft_tokens <= 0) return std::nullopt;
  if (s.drafts > 0) {
    std::set<std::int64_t> positions;
    for (const auto& [p, v] : before->accepted_per_position) positions.insert(p);
    for (const auto& [p, v] : after->accepted_per_position) positions.insert(p);
    for (const auto p : positions) {
      const auto b = before->accepted_per_position.find(p);
      const std::int64_t before_value = b == before->accepted_per_position.end() ? 0 : b->second;
      const auto a = after->accepted_per_position.find(p);
      const std::int64_t after_value = a == after->accepted_per_position.end() ? before_value : a->second;
      s.per_position.push_back(static_cast<double>(after_value - before_value) / static_cast<double>(s.drafts));
    }
  }
  s.acceptance_rate_pct = static_cast<double>(s.accepted) / static_cast<double>(s.draft_tokens) * 100.0;
  s.acceptance_length = s.drafts > 0 ? 1.0 + static_cast<double>(s.accepted) / static_cast<double>(s.drafts) : 0.0;
  return s;
}

}  // namespace llmload::scrape
