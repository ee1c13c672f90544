#pragma once
/// Answer quality of a run (llmload extension): each successful request's answer scored
/// against the dataset's reference answers (workload/answer_score.hpp) and checked for
/// degenerate output (empty, stopped by the length cap, a repetition loop). Pure.

#include "llmload/metrics/request_record.hpp"
#include "llmload/workload/answer_score.hpp"
#include "llmload/workload/request_spec.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace llmload::metrics {

/// The accuracy of the requests of one category ("" for the whole run).
struct AccuracyGroup {
  std::string category;
  std::int64_t scored = 0;  ///< successful requests with references
  double accuracy = 0;      ///< mean score in [0, 1]
};

/// What the answers of a run were worth.
struct AnswerQuality {
  std::string score;                        ///< the scorer, e.g. "vqa", "regex:^B"; "" when none
  AccuracyGroup overall;                    ///< every scored request
  std::vector<AccuracyGroup> per_category;  ///< by category name (empty without categories)
  std::vector<double> scores;               ///< per request in workload order; NaN when unscored
  std::int64_t checked = 0;                 ///< successful requests checked for degenerate output
  std::int64_t empty = 0, length_capped = 0, repetition_loop = 0;
  std::int64_t degenerate = 0;              ///< requests with any of the three
};

/// Scores every successful record with references (record r answers specs[r.index % size]; the
/// scored text excludes reasoning) with `score` when set, and checks every successful record
/// for degenerate output. Texts must have been kept (RunnerOptions::keep_text).
AnswerQuality answer_quality(std::span<const RequestRecord> records, std::span<const workload::RequestSpec> specs,
                             const std::optional<workload::ScoreSpec>& score);

}  // namespace llmload::metrics
