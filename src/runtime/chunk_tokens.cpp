#include "llmload/runtime/chunk_tokens.hpp"

#include <string_view>
#include <vector>

namespace llmload::runtime {

std::size_t count_chunk_tokens(std::span<metrics::RequestRecord> records, const tokenizer::Tokenizer& tokenizer) {
  std::size_t filled = 0;
  std::vector<std::int32_t> ids;
  for (auto& r : records) {
    if (!r.ok() || !r.chunk_tokens.empty() || r.chunk_text_end.size() != r.chunk_ns.size() || r.chunk_ns.empty()) continue;
    const std::string_view text = r.generated_text, reasoning = r.reasoning_text;
    std::uint32_t text_at = 0, reasoning_at = 0;
    bool consistent = true;
    r.chunk_tokens.reserve(r.chunk_text_end.size());
    for (const auto& [text_end, reasoning_end] : r.chunk_text_end) {
      if (text_end < text_at || text_end > text.size() || reasoning_end < reasoning_at || reasoning_end > reasoning.size()) {
        consistent = false;
        break;
      }
      ids.clear();
      tokenizer.encode_into(text.substr(text_at, text_end - text_at), ids);
      tokenizer.encode_into(reasoning.substr(reasoning_at, reasoning_end - reasoning_at), ids);
      r.chunk_tokens.push_back(static_cast<std::int32_t>(ids.size()));
      text_at = text_end;
      reasoning_at = reasoning_end;
    }
    if (!consistent) {
      r.chunk_tokens.clear();
      continue;
    }
    ++filled;
  }
  return filled;
}

}  // namespace llmload::runtime
