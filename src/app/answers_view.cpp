#include "llmload/app/answers_view.hpp"

#include "llmload/sim/image_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmload::app {
namespace {

/// `text` cut to at most `limit` bytes at a UTF-8 boundary, with "…" when cut.
std::string shortened(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

/// "[image 1080x810 JPEG]" from a data URL, "[image URL]" for a link.
std::string image_placeholder(const std::string& url) {
  if (!url.starts_with("data:")) return fmt::format("[image {}]", shortened(url, 80));
  const auto slash = url.find('/'), semicolon = url.find(';');
  std::string format = slash != std::string::npos && semicolon != std::string::npos && semicolon > slash
                           ? url.substr(slash + 1, semicolon - slash - 1) : "image";
  std::transform(format.begin(), format.end(), format.begin(), [](unsigned char c) { return std::toupper(c); });
  const auto size = sim::data_url_image_size(url);
  if (!size) return fmt::format("[image {}]", format);
  return fmt::format("[image {}x{} {}]", size.value().width, size.value().height, format);
}

void one_request(std::string& out, const metrics::RequestRecord& r, const workload::RequestSpec& spec, double score) {
  const std::string outcome = r.ok() ? "ok" : std::string(metrics::outcome_name(r.outcome));
  fmt::format_to(std::back_inserter(out), "--- request {} ({}, finish {}, {} input / {} output tokens) ---\n", r.index,
                 outcome, r.finish_reason.empty() ? "-" : r.finish_reason,
                 r.usage_prompt_tokens >= 0 ? r.usage_prompt_tokens : spec.prompt_len,
                 r.usage_completion_tokens >= 0 ? r.usage_completion_tokens : static_cast<std::int32_t>(r.chunk_ns.size()));
  fmt::format_to(std::back_inserter(out), "Prompt: {}\n", prompt_preview(spec));
  if (!r.reasoning_text.empty()) fmt::format_to(std::back_inserter(out), "Reasoning: {}\n", r.reasoning_text);
  if (r.ok()) fmt::format_to(std::back_inserter(out), "Answer: {}\n", r.generated_text);
  else fmt::format_to(std::back_inserter(out), "Error: {}\n", r.error);
  if (!std::isnan(score)) {
    std::string refs;
    for (const auto& a : spec.answers) refs += (refs.empty() ? "" : " | ") + a;
    fmt::format_to(std::back_inserter(out), "Score: {:.2f} (references: {})\n", score, shortened(refs, 200));
  }
}

}  // namespace

std::string prompt_preview(const workload::RequestSpec& spec, std::size_t max_bytes) {
  std::string prompt = shortened(spec.prompt, max_bytes);
  for (const auto& image : spec.images) prompt += (prompt.empty() ? "" : " ") + image_placeholder(*image);
  return prompt;
}

std::string format_answers(std::span<const metrics::RequestRecord> records, std::span<const workload::RequestSpec> specs,
                           const std::optional<metrics::AnswerQuality>& quality, std::int64_t n) {
  std::string out;
  if (n <= 0 || records.empty() || specs.empty()) return out;
  const auto shown = std::min<std::size_t>(static_cast<std::size_t>(n), records.size());
  fmt::format_to(std::back_inserter(out), "{:=^50}\n", fmt::format(" Answers (first {}, llmload) ", shown));
  for (std::size_t i = 0; i < shown; ++i) {
    const double score = quality && i < quality->scores.size() ? quality->scores[i] : NAN;
    one_request(out, records[i], specs[records[i].index % specs.size()], score);
  }
  out.append(50, '=');
  out += '\n';
  return out;
}

}  // namespace llmload::app
