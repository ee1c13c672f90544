#pragma once
/// A small backtracking regex engine over UTF-8 for Hugging Face pre-tokenizer patterns
/// (Oniguruma syntax as found in tokenizer.json files): alternation, (?:...), (...), (?i:...)
/// (ASCII case folding only), classes with ranges, \p{..}/\P{..} general categories, \s \S \d
/// \D \w \W, greedy and lazy quantifiers (* + ? {n} {n,} {n,m}), lookahead (?=...) (?!...).
/// Leftmost-first semantics, like Oniguruma. Anything else (anchors, backreferences,
/// lookbehind, scripts, possessive quantifiers) is rejected by compile() with a message
/// naming the construct, so a pattern is either run exactly or not at all.

#include "llmload/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::tokenizer {

/// A compiled pattern. Immutable after compile(); match_at() and find() may be called from
/// several threads at once (each thread uses its own backtracking stack).
class UnicodeRegex final {
 public:
  /// Compiles `pattern`. Errors name the unsupported or malformed construct and its offset.
  static core::Result<UnicodeRegex> compile(std::string_view pattern);

  /// The end of the leftmost-first match starting exactly at byte `pos` of `text` (valid
  /// UTF-8), or npos when there is none.
  std::size_t match_at(std::string_view text, std::size_t pos) const;

  /// The first non-empty match at or after byte `from`: sets [begin, end) and returns true.
  bool find(std::string_view text, std::size_t from, std::size_t& begin, std::size_t& end) const;

  /// The pattern as given to compile().
  const std::string& pattern() const { return pattern_; }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// One character class (public for the implementation only).
  struct CharClass {
    std::uint64_t ascii[2] = {0, 0};  ///< final answer for code points < 128 (negation applied)
    std::uint32_t categories = 0;     ///< bit per unicode::Category
    std::uint32_t not_categories = 0; ///< from \P{..} \D \W: in when the category is NOT here
    bool white_space = false;         ///< \s
    bool not_white_space = false;     ///< \S
    bool negated = false;             ///< [^...]
    std::vector<std::pair<char32_t, char32_t>> ranges;  ///< inclusive
    bool contains(char32_t cp) const;
    bool contains_slow(char32_t cp) const;
  };
  /// One VM instruction (public for the implementation only).
  struct Inst {
    enum Op : std::uint8_t { kClass, kRepeat, kSplit, kJmp, kLook, kMatch } op = kMatch;
    bool negative = false;    ///< kLook: (?!...)
    std::uint32_t cls = 0;    ///< kClass, kRepeat
    std::uint32_t x = 0;      ///< kSplit: preferred branch; kJmp/kLook: target
    std::uint32_t y = 0;      ///< kSplit: other branch
    std::uint32_t min = 0;    ///< kRepeat
    std::uint32_t max = 0;    ///< kRepeat (UINT32_MAX: unbounded)
    std::uint64_t first[2] = {~std::uint64_t{0}, ~std::uint64_t{0}};  ///< kSplit: ASCII that can start branch x
  };

 private:
  std::size_t run(std::uint32_t pc, std::string_view text, std::size_t pos) const;
  void first_set(std::uint32_t pc, std::uint64_t (&out)[2], int depth) const;

  std::string pattern_;
  std::vector<CharClass> classes_;
  std::vector<Inst> code_;
  /// ASCII characters a non-empty match can start with (all of them when a match may be
  /// empty or begin with a lookahead): find() skips the others without running the VM.
  std::uint64_t start_ascii_[2] = {0, 0};
};

}  // namespace llmload::tokenizer
