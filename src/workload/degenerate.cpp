#include "llmload/workload/degenerate.hpp"

#include "llmload/workload/text_words.hpp"

#include <algorithm>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

namespace llmload::workload {
namespace {

std::vector<std::string_view> code_point_units(std::string_view text) {
  std::vector<std::string_view> units;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t len = 1;
    if (!is_python_space(decode_utf8(text, pos, len))) units.push_back(text.substr(pos, len));
    pos += len;
  }
  return units;
}

bool same_phrase(std::span<const std::string_view> units, std::size_t a, std::size_t b) {
  return std::equal(units.begin() + static_cast<std::ptrdiff_t>(a),
                    units.begin() + static_cast<std::ptrdiff_t>(a + kLoopNgram),
                    units.begin() + static_cast<std::ptrdiff_t>(b));
}

bool repeats_phrase(std::span<const std::string_view> units) {
  if (units.size() < kLoopNgram + kLoopMinRepeats - 1) return false;
  std::vector<std::uint64_t> unit_hash(units.size());
  std::transform(units.begin(), units.end(), unit_hash.begin(), std::hash<std::string_view>{});
  struct Seen {
    std::size_t first;
    std::size_t count;
  };
  const std::size_t phrases = units.size() - kLoopNgram + 1;
  std::unordered_map<std::uint64_t, Seen> seen;
  seen.reserve(phrases);
  for (std::size_t i = 0; i < phrases; ++i) {
    std::uint64_t h = 0;
    for (std::size_t k = 0; k < kLoopNgram; ++k) h = (h ^ unit_hash[i + k]) * 0x100000001B3ULL + k;
    auto [it, inserted] = seen.try_emplace(h, Seen{i, 0});
    // A different phrase with the same hash is ignored rather than counted as a repeat.
    if (!inserted && !same_phrase(units, it->second.first, i)) continue;
    if (++it->second.count >= kLoopMinRepeats) return true;
  }
  return false;
}

}  // namespace

bool has_repetition_loop(std::string_view text) {
  std::vector<std::string_view> units = split_words(text);
  if (text.size() > kLoopMaxMeanWordBytes * std::max<std::size_t>(units.size(), 1)) {
    units = code_point_units(text);
  }
  std::span<const std::string_view> tail(units);
  if (tail.size() > kLoopMaxUnits) tail = tail.last(kLoopMaxUnits);
  return repeats_phrase(tail);
}

DegenerateCheck check_degenerate(const GeneratedOutput& output) {
  DegenerateCheck check;
  check.empty = is_blank(output.answer);
  if (!output.finish_reason.empty()) {
    check.length_capped = output.finish_reason == "length";
  } else {
    check.length_capped = output.output_tokens >= 0 && output.max_tokens > 0 &&
                          output.output_tokens >= output.max_tokens;
  }
  check.repetition_loop = has_repetition_loop(output.answer) || has_repetition_loop(output.reasoning);
  return check;
}

}  // namespace llmload::workload
