#pragma once
/// The simulator's answers mode (`llmload sim --answers FILE --answer-accuracy P`): a table of
/// questions and their reference answers read from a `custom` / `image-qa` JSON Lines file.
/// A request whose question (the completions prompt, or the text of the chat request's last
/// message, trimmed) is in the table is answered with its most common reference with
/// probability P, else with a wrong answer that matches none of its references after VQA
/// normalization; every other request keeps the simulator's usual text. So a test knows the
/// true accuracy of what it measures. Pure apart from one relaxed atomic counter per question
/// (thread-safe: every server thread may use one key at once).

#include "llmload/core/error.hpp"
#include "llmload/sim/request_parser.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace llmload::sim {

/// From `after` (measured from the simulator's start) on, every question is answered right
/// with probability `accuracy` (whatever its category).
struct AccuracyChange {
  std::chrono::nanoseconds after{0};
  double accuracy = 0;
};

/// What --answers and its companions say. Plain data.
struct AnswerSettings {
  std::string path;         ///< the questions and references (custom / image-qa JSONL); "" = off
  double accuracy = 1.0;    ///< P, in [0, 1]
  /// Categories (the file's "category") answered right with their own probability.
  std::vector<std::pair<std::string, double>> by_category;
  /// Accuracy changes at given times, `after` strictly increasing (at most kMaxAccuracyChanges).
  std::vector<AccuracyChange> changes;
  std::uint64_t seed = 0;   ///< the draws' seed
};

/// Bounds of the inputs.
inline constexpr std::uint64_t kMaxAnswersFileBytes = 256ull << 20;
inline constexpr std::size_t kMaxReferencesPerQuestion = 1000;
inline constexpr std::size_t kMaxAnswerBytes = 4096;
inline constexpr std::size_t kMaxAccuracyCategories = 1000;
inline constexpr std::size_t kMaxAccuracyChanges = 16;

/// Parses "cat=P,cat2=P" (P in [0, 1], names non-empty and distinct, at most
/// kMaxAccuracyCategories). The error says what is wrong; the caller names the flag.
core::Result<std::vector<std::pair<std::string, double>>> parse_accuracy_by_category(std::string_view text);

/// Parses "5s=0.2,30s=0.9" (durations as "250ms", "5s", "2m"; strictly increasing; P in
/// [0, 1]; at most kMaxAccuracyChanges).
core::Result<std::vector<AccuracyChange>> parse_accuracy_changes(std::string_view text);

/// The question of a request as the key looks it up: the text, ASCII whitespace trimmed.
std::string_view question_key(std::string_view text) noexcept;

/// The loaded table. Immutable apart from the per-question ask counters.
class AnswerKey final {
 public:
  /// Reads `settings.path` (bounded by the limits above; errors name the file and line, or
  /// the setting). Lines without references are kept out of the table (counted); a question
  /// given twice keeps its first line. A category in by_category that no line has is an error.
  static core::Result<std::shared_ptr<const AnswerKey>> load(const AnswerSettings& settings);

  /// The table from lines already read (for tests and load()).
  struct Line {
    std::string question, category;
    std::vector<std::string> answers;
  };
  static core::Result<std::shared_ptr<const AnswerKey>> from_lines(const std::vector<Line>& lines,
                                                                   const AnswerSettings& settings);

  /// Answers mode for one parsed request (GenerationRequest::question filled): when its
  /// question is in the table, sets answer_tokens to the right or the wrong answer (drawn
  /// with the accuracy in force `elapsed` after the start, seeded by the seed, the question
  /// and how many times it was asked before) and, unless ignore_eos, ends the response after
  /// the answer (max_tokens lowered to the answer's words, finish_reason "stop"). Returns
  /// whether the question was found.
  bool answer(GenerationRequest& request, std::chrono::nanoseconds elapsed) const;

  /// The probability of a right answer for `category` at `elapsed`.
  double accuracy_at(std::string_view category, std::chrono::nanoseconds elapsed) const;

  std::size_t questions() const noexcept { return entries_.size(); }
  std::size_t without_references() const noexcept { return without_references_; }
  const AnswerSettings& settings() const noexcept { return settings_; }

  /// The right and wrong answers of a question (as sent, unescaped); nullptr when absent.
  struct Entry {
    std::string category;
    std::string right, wrong;
    std::vector<std::string> right_tokens, wrong_tokens;  ///< JSON-escaped token texts
  };
  const Entry* find(std::string_view question) const;

  AnswerKey(const AnswerKey&) = delete;
  AnswerKey& operator=(const AnswerKey&) = delete;
  AnswerKey() = default;

 private:
  AnswerSettings settings_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> asks_;
  std::size_t without_references_ = 0;
};

}  // namespace llmload::sim
