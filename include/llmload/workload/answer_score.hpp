#pragma once
/// Scores a model's answer against the dataset's reference answers (`--score`,
/// `workload.score`): the VQA / OK-VQA accuracy of the official evaluation script (vqaEval.py
/// of the VQA API), exact and contained matches after the same normalization, a user regex,
/// and multiple-choice letters. Pure functions over strings: no I/O, no state; every function
/// is thread-safe, and a ScoreSpec may be shared by all threads.
///
/// The text scored is the answer only: pass the content deltas (RequestRecord::generated_text,
/// never reasoning_text) through answer_without_reasoning() first.

#include "llmload/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace llmload::workload {

/// The scoring rules `--score` names.
enum class ScoreKind : std::uint8_t {
  kVqa,       ///< VQA accuracy (10 human answers: leave-one-out mean of min(matches/3, 1))
  kExact,     ///< normalized answer equals a normalized reference: 1, else 0
  kContains,  ///< a normalized reference occurs, as whole words, in the normalized answer
  kRegex,     ///< the user's ECMAScript pattern is found in the raw answer (case-sensitive)
  kChoice,    ///< the answer's option letter (A–E) equals the reference letter
};

/// Stable name of a kind as `--score` spells it: "vqa", "exact", "contains", "regex", "choice".
std::string_view score_kind_name(ScoreKind kind) noexcept;

/// A compiled `regex:` pattern (defined in answer_score.cpp, so <regex> stays out of headers).
struct ScorePattern;

/// `--score` as parsed and checked. Immutable once made by parse_score_spec(); copies share
/// the compiled pattern, which any number of threads may use at once.
struct ScoreSpec {
  ScoreKind kind = ScoreKind::kVqa;
  std::string pattern;                           ///< kRegex: the pattern as written
  std::shared_ptr<const ScorePattern> compiled;  ///< kRegex: the compiled pattern
};

/// Parses "vqa", "exact", "contains", "choice" or "regex:PATTERN". PATTERN is an ECMAScript
/// regular expression (std::regex) and must compile here, so a bad one stops the run before
/// it starts. Back-references are refused: patterns run on libstdc++'s polynomial (Thompson
/// NFA) matcher, whose memory does not grow with the answer's length, and that matcher cannot
/// run them. Errors name the text and say what to write; the caller adds where it came from
/// ("--score" or the profile's file and line).
core::Result<ScoreSpec> parse_score_spec(std::string_view text);

/// The spec as `--score` would spell it ("vqa", "regex:answer is (yes|no)"), for the run plan.
std::string score_spec_text(const ScoreSpec& spec);

/// False only for kRegex, which reads the answer alone; every other rule scores 0 for a
/// request whose dataset entry has no reference, so such requests should not be scored.
bool needs_references(const ScoreSpec& spec) noexcept;

/// Number of human answers per question in VQA v2 and OK-VQA; with at least this many
/// references the VQA rule takes the leave-one-out mean, with fewer a plain normalized match.
inline constexpr std::size_t kVqaHumanAnswers = 10;

/// The answer normalization of vqaEval.py, in its order:
/// 1. '\n' and '\t' become spaces; leading and trailing spaces are stripped (Python strip()).
/// 2. processPunctuation: each of ; / [ ] " { } ( ) = + \ _ - > < @ ` , ? ! is deleted when
///    the text has a digit-comma-digit ("1,000") anywhere or has that character next to a
///    space ("yes !", "(red"), and otherwise becomes a space ("red/white" -> "red white").
///    Then a '.' not followed by a digit is deleted ("end." -> "end", "3.5" kept), at most
///    32 of them (the script passes re.UNICODE, 32, as re.sub's count).
/// 3. processDigitArticle: lower case; split on spaces; number words "none", "zero".."ten"
///    become digits; the articles "a", "an", "the" are dropped; contractions written without
///    the apostrophe are restored ("dont" -> "don't"); words joined by single spaces.
/// Lower-casing and digits are ASCII only (Python's are Unicode-wide): the rules are written
/// for English answers. Returns a new string; `text` is UTF-8.
std::string vqa_normalize(std::string_view text);

/// VQA accuracy of `answer` in [0, 1]. Both the answer and every reference go through
/// vqa_normalize(). With n >= kVqaHumanAnswers references: for each reference i, m_i = how
/// many of the other n-1 equal the answer, acc_i = min(m_i / 3, 1); the result is the mean of
/// acc_i. With 1..n-1 < 10 references: 1 when any reference equals the answer, else 0. No
/// references: 0.
///
/// One difference from vqaEval.py, on purpose: the script normalizes the answer fully but the
/// references only by processPunctuation, and only when the humans disagree: it assumes the
/// annotation files hold answers in normal form already. Normalization leaves normal-form text
/// unchanged, so on such references the scores are the script's; and a dataset that writes
/// "Two" or "a dog" can still be scored (the script could never match those to any answer,
/// since it always normalizes the answer).
double vqa_accuracy(std::string_view answer, std::span<const std::string> references);

/// The option letter (A–E, returned upper case) an answer picks, or nullopt. The rule, in order:
/// 1. The first "answer", "option" or "choice" (any case, starting a word) followed by "is"
///    or ':' and then the letter, with spaces, '*' (markdown bold), ':' and one '(' or '['
///    allowed between: "The answer is (B).", "Final answer: **C**", "the correct option is D".
/// 2. Otherwise the first standalone upper-case letter A–E: neither neighbour is a letter,
///    digit, apostrophe or non-ASCII byte ("B", "(B)", "B.", "B) red", "I pick C"), except an
///    'A' followed by one space and a lower-case letter, which reads as the article ("A cat").
std::optional<char> choice_letter(std::string_view answer);

/// The option letter a reference names: the reference itself when it is one letter A–E
/// (either case), optionally in brackets or followed by punctuation ("b", "(B)", "B. red");
/// otherwise choice_letter() of it. nullopt when neither finds one.
std::optional<char> reference_letter(std::string_view reference);

/// The answer part of a content text: what follows the last "</think>" when there is one;
/// empty when the text opens (after spaces) with "<think>" that never closes (the reasoning
/// was cut off); otherwise the whole text. For servers that leave reasoning inline in
/// `content` instead of sending it as reasoning_content. A view into `content`.
std::string_view answer_without_reasoning(std::string_view content) noexcept;

/// Scores `answer` under `spec`, in [0, 1]: kVqa as vqa_accuracy(); kExact and kContains
/// 1 or 0 against any of `references` (an empty normalized reference never matches for
/// kContains); kRegex 1 when the pattern is found in the raw answer, references unused;
/// kChoice 1 when choice_letter(answer) equals any reference_letter(). A spec not made by
/// parse_score_spec() with kind kRegex and no pattern scores 0.
double score(const ScoreSpec& spec, std::string_view answer,
             std::span<const std::string> references);

}  // namespace llmload::workload
