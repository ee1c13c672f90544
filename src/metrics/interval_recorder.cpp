#include "llmload/metrics/interval_recorder.hpp"

#include <algorithm>

namespace llmload::metrics {

HdrConfig interval_histogram_config() noexcept {
  return HdrConfig{.lowest_discernible_value = 1,
                   .highest_trackable_value = 3'600'000'000,
                   .significant_digits = 3};
}

void IntervalRecorder::record(const RequestRecord& r) noexcept {
  if (!r.ok() || r.chunk_ns.empty()) {
    ++failed;
    // A success without token chunks counts as no_content, as the summary does.
    const auto outcome = r.ok() ? Outcome::kNoContent : r.outcome;
    ++failed_by[std::min(static_cast<std::size_t>(outcome), kOutcomeCount - 1)];
    return;
  }
  ++completed;
  const core::Nanos ttft = r.chunk_ns.front() - r.start_ns;
  const core::Nanos e2el = r.chunk_ns.back() - r.start_ns;
  ttft_us.record(ttft / 1000);
  e2el_us.record(e2el / 1000);
  for (std::size_t i = 1; i < r.chunk_ns.size(); ++i) itl_us.record((r.chunk_ns[i] - r.chunk_ns[i - 1]) / 1000);
  const std::int64_t tokens = r.usage_completion_tokens >= 0 ? r.usage_completion_tokens
                                                              : static_cast<std::int64_t>(r.chunk_ns.size());
  output_tokens += tokens;
  if (tokens > 1) tpot_us.record((e2el - ttft) / (tokens - 1) / 1000);
}

void IntervalRecorder::record_answer(const RequestRecord& r, const workload::RequestSpec& spec,
                                     const std::optional<workload::ScoreSpec>& score) {
  if (!r.ok() || r.chunk_ns.empty()) return;
  const AnswerCheck check = check_answer(r, spec, score);
  ++answers_checked;
  degenerate += check.degenerate ? 1 : 0;
  if (check.score) {
    ++scored;
    score_sum += *check.score;
  }
}

void IntervalRecorder::merge(const IntervalRecorder& other) noexcept {
  ttft_us.merge(other.ttft_us);
  tpot_us.merge(other.tpot_us);
  itl_us.merge(other.itl_us);
  e2el_us.merge(other.e2el_us);
  completed += other.completed;
  failed += other.failed;
  output_tokens += other.output_tokens;
  arrived_tokens += other.arrived_tokens;
  arrived_tokens_later += other.arrived_tokens_later;
  answers_checked += other.answers_checked;
  degenerate += other.degenerate;
  scored += other.scored;
  score_sum += other.score_sum;
  for (std::size_t i = 0; i < kOutcomeCount; ++i) failed_by[i] += other.failed_by[i];
}

void IntervalRecorder::reset() noexcept {
  ttft_us.reset();
  tpot_us.reset();
  itl_us.reset();
  e2el_us.reset();
  completed = failed = output_tokens = 0;
  arrived_tokens = arrived_tokens_later = 0;
  answers_checked = degenerate = scored = 0;
  score_sum = 0;
  failed_by.fill(0);
}

}  // namespace llmload::metrics
