#pragma once
/// `--show-answers N`: the first N requests' prompt (shortened; images as
/// "[image 1080x810 JPEG]"), answer, reasoning, finish reason, token counts and score, printed
/// after the table, so one request is the accuracy check a user makes by eye.

#include "llmload/metrics/answer_quality.hpp"
#include "llmload/metrics/request_record.hpp"
#include "llmload/workload/request_spec.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace llmload::app {

/// Prompts longer than this many bytes are shortened (cut at a UTF-8 boundary, "…" added).
inline constexpr std::size_t kShownPromptBytes = 400;

/// A request's prompt as the answers block and the reports' examples show it: its text cut at
/// `max_bytes` (at a UTF-8 boundary, "…" added), then a placeholder per image ("[image 1080x810
/// JPEG]", "[image URL]" for a link).
std::string prompt_preview(const workload::RequestSpec& spec, std::size_t max_bytes = kShownPromptBytes);

/// The text block for the first `n` records (record r sent specs[r.index % specs.size()]).
std::string format_answers(std::span<const metrics::RequestRecord> records, std::span<const workload::RequestSpec> specs,
                           const std::optional<metrics::AnswerQuality>& quality, std::int64_t n);

}  // namespace llmload::app
