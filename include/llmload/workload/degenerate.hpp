#pragma once
/// Degenerate outputs: a request that came back empty, was stopped by its length cap, or
/// fell into a loop repeating the same phrase. Counted per run and per interval beside the
/// answer scores. Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace llmload::workload {

/// Length of the phrases compared by the loop check, in units (words, or code points for
/// text written without spaces).
inline constexpr std::size_t kLoopNgram = 8;
/// A phrase seen this many times (overlapping occurrences count) is a loop.
inline constexpr std::size_t kLoopMinRepeats = 4;
/// Only the last this many units of a text are examined, bounding the work and memory per
/// request; loops run to the end of the output, so a loop is found in its tail.
inline constexpr std::size_t kLoopMaxUnits = 32768;
/// Text whose words are longer than this on average (bytes per space-separated word) is
/// checked by code points: Chinese or Japanese text has few spaces, and "hahaha..." has none.
inline constexpr std::size_t kLoopMaxMeanWordBytes = 24;

/// What one request generated, as views into its record (valid during the call only).
struct GeneratedOutput {
  std::string_view answer;          ///< content text (RequestRecord::generated_text)
  std::string_view reasoning;       ///< reasoning text (RequestRecord::reasoning_text)
  std::string_view finish_reason;   ///< the last finish_reason; "" when the server sent none
  std::int64_t output_tokens = -1;  ///< usage.completion_tokens; -1 when unknown
  std::int64_t max_tokens = -1;     ///< the request's max_tokens; -1 (or 0) when none was sent
};

/// The ways one output went wrong; all false for a healthy one. A request may be several.
struct DegenerateCheck {
  bool empty = false;            ///< the answer has no non-space character
  bool length_capped = false;    ///< stopped by max_tokens rather than by the model
  bool repetition_loop = false;  ///< the answer or the reasoning repeats a phrase (see below)
  /// True when any flag is set.
  bool any() const noexcept { return empty || length_capped || repetition_loop; }
};

/// Checks one output. empty: `answer` is blank (spaces as Python's str.isspace() sees them),
/// whatever the reasoning held. length_capped: finish_reason is "length"; when the server
/// sent no finish_reason, output_tokens >= max_tokens with both known. repetition_loop:
/// has_repetition_loop() of the answer or of the reasoning, each checked on its own.
DegenerateCheck check_degenerate(const GeneratedOutput& output);

/// True when some phrase of kLoopNgram consecutive units occurs kLoopMinRepeats or more
/// times (overlapping occurrences count: one word said 11 times is a loop). Units are words
/// split on spaces, or non-space code points when the mean word exceeds
/// kLoopMaxMeanWordBytes; only the last kLoopMaxUnits units are examined. Linear time in the
/// units examined (phrases are hashed; equal hashes are confirmed by comparing the words).
bool has_repetition_loop(std::string_view text);

}  // namespace llmload::workload
