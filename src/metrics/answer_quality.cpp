#include "llmload/metrics/answer_quality.hpp"

#include "llmload/workload/degenerate.hpp"

#include <cmath>
#include <map>

namespace llmload::metrics {
namespace {

void count_degenerate(const AnswerCheck& check, AnswerQuality& q) {
  ++q.checked;
  q.empty += check.empty ? 1 : 0;
  q.length_capped += check.length_capped ? 1 : 0;
  q.repetition_loop += check.repetition_loop ? 1 : 0;
  q.degenerate += check.degenerate ? 1 : 0;
}

}  // namespace

AnswerCheck check_answer(const RequestRecord& r, const workload::RequestSpec& spec,
                         const std::optional<workload::ScoreSpec>& score) {
  AnswerCheck out;
  const std::string_view answer = workload::answer_without_reasoning(r.generated_text);
  const auto d = workload::check_degenerate({answer, r.reasoning_text, r.finish_reason, r.usage_completion_tokens,
                                             spec.expected_output_len > 0 ? spec.expected_output_len : -1});
  out.empty = d.empty;
  out.length_capped = d.length_capped;
  out.repetition_loop = d.repetition_loop;
  out.degenerate = d.any();
  if (score && !(workload::needs_references(*score) && spec.answers.empty())) {
    out.score = workload::score(*score, answer, spec.answers);
  }
  return out;
}

AnswerQuality answer_quality(std::span<const RequestRecord> records, std::span<const workload::RequestSpec> specs,
                             const std::optional<workload::ScoreSpec>& score) {
  AnswerQuality q;
  if (score) q.score = workload::score_spec_text(*score);
  q.scores.assign(records.size(), NAN);
  std::map<std::string, std::pair<std::int64_t, double>> by_category;
  double sum = 0;
  for (std::size_t i = 0; i < records.size() && !specs.empty(); ++i) {
    const auto& r = records[i];
    // A --duration run sends its pool of specs in turn: request k sends spec k % specs.
    const auto& spec = specs[r.index % specs.size()];
    if (!r.ok()) continue;
    const AnswerCheck check = check_answer(r, spec, score);
    count_degenerate(check, q);
    if (!check.score) continue;
    const double s = *check.score;
    q.scores[i] = s;
    sum += s;
    ++q.overall.scored;
    if (!spec.category.empty()) {
      auto& [n, total] = by_category[spec.category];
      ++n;
      total += s;
    }
  }
  q.overall.accuracy = q.overall.scored > 0 ? sum / static_cast<double>(q.overall.scored) : 0.0;
  for (const auto& [category, nt] : by_category) {
    q.per_category.push_back({category, nt.first, nt.second / static_cast<double>(nt.first)});
  }
  return q;
}

}  // namespace llmload::metrics
