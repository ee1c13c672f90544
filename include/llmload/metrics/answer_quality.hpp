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

/// The answers of the requests that finished in one interval of a run (interval reports on).
struct IntervalAnswers {
  double start_s = 0, end_s = 0;  ///< offsets from the run's origin
  std::int64_t checked = 0;       ///< successful requests checked for degenerate output
  std::int64_t degenerate = 0;
  std::int64_t scored = 0;
  std::optional<double> accuracy; ///< mean score; unset when nothing was scored
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
  /// Per interval, in order, when the run had interval reports (--interval, a profile's
  /// outputs.interval); empty otherwise.
  std::vector<IntervalAnswers> per_interval;
};

/// One successful request's answer, checked.
struct AnswerCheck {
  bool degenerate = false;              ///< empty, length-capped or a repetition loop
  bool empty = false, length_capped = false, repetition_loop = false;
  std::optional<double> score;          ///< set when it was scored
};

/// Checks one successful record (its answer text kept) against `spec`: degenerate output
/// always, the score when `score` is set and the spec has references (or the rule needs none).
AnswerCheck check_answer(const RequestRecord& r, const workload::RequestSpec& spec,
                         const std::optional<workload::ScoreSpec>& score);

/// Scores every successful record with references (record r answers specs[r.index % size]; the
/// scored text excludes reasoning) with `score` when set, and checks every successful record
/// for degenerate output. Texts must have been kept (RunnerOptions::keep_text).
AnswerQuality answer_quality(std::span<const RequestRecord> records, std::span<const workload::RequestSpec> specs,
                             const std::optional<workload::ScoreSpec>& score);

}  // namespace llmload::metrics
