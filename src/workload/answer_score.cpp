#include "llmload/workload/answer_score.hpp"

#include "llmload/workload/text_words.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace llmload::workload {

struct ScorePattern {
  std::regex regex;
};

namespace {

constexpr std::string_view kPunct = ";/[]\"{}()=+\\_-><@`,?!";
constexpr std::size_t kMaxPeriodsStripped = 32;
constexpr std::string_view kScoreChoices =
    "choose from vqa, exact, contains, regex:PATTERN (an ECMAScript regular expression found in "
    "the answer) or choice";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_option(char c) { return c >= 'A' && c <= 'E'; }
// Non-ASCII bytes count as word characters: a letter glued to "é" is part of a word.
bool is_word_byte(char c) {
  return is_digit(c) || is_upper(c) || is_lower(c) || c == '\'' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool has_digit_comma_digit(std::string_view text) {
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ',' && is_digit(text[i - 1]) && is_digit(text[i + 1])) return true;
  }
  return false;
}

std::string process_punctuation(std::string_view in) {
  // Every decision reads the text as it came in, as the script's `p + ' ' in inText` does, so
  // the characters are independent and one pass replaces them all.
  const bool strip_all = has_digit_comma_digit(in);
  std::array<bool, 128> remove{};
  for (const char p : kPunct) {
    const char both[2][2] = {{p, ' '}, {' ', p}};
    remove[static_cast<unsigned char>(p)] =
        strip_all || in.find(std::string_view(both[0], 2)) != std::string_view::npos ||
        in.find(std::string_view(both[1], 2)) != std::string_view::npos;
  }
  std::string spaced;
  spaced.reserve(in.size());
  for (const char c : in) {
    if (kPunct.find(c) == std::string_view::npos) {
      spaced.push_back(c);
    } else if (!remove[static_cast<unsigned char>(c)]) {
      spaced.push_back(' ');
    }
  }
  // periodStrip is "(?!<=\d)(\.)(?!\d)": its first group is a lookahead for the two characters
  // "<=", never a lookbehind, so it deletes every '.' not followed by a digit.
  std::string out;
  out.reserve(spaced.size());
  std::size_t stripped = 0;
  for (std::size_t i = 0; i < spaced.size(); ++i) {
    const bool digit_next = i + 1 < spaced.size() && is_digit(spaced[i + 1]);
    if (spaced[i] == '.' && !digit_next && stripped < kMaxPeriodsStripped) {
      ++stripped;
      continue;
    }
    out.push_back(spaced[i]);
  }
  return out;
}

// vqaEval.py's `contractions`. Its keys "Id've", "I'dve", "Im" and "Ive" are left out: the
// script lower-cases words before the lookup, so capitalized keys can never match. Its
// "somebody'd" -> "somebodyd" (the apostrophe removed, unlike every other entry) is kept, as
// the scores must be the script's.
constexpr std::pair<std::string_view, std::string_view> kContractions[] = {
    {"aint", "ain't"}, {"arent", "aren't"}, {"cant", "can't"}, {"couldve", "could've"},
    {"couldnt", "couldn't"}, {"couldn'tve", "couldn't've"}, {"couldnt've", "couldn't've"},
    {"didnt", "didn't"}, {"doesnt", "doesn't"}, {"dont", "don't"}, {"hadnt", "hadn't"},
    {"hadnt've", "hadn't've"}, {"hadn'tve", "hadn't've"}, {"hasnt", "hasn't"},
    {"havent", "haven't"}, {"hed", "he'd"}, {"hed've", "he'd've"}, {"he'dve", "he'd've"},
    {"hes", "he's"}, {"howd", "how'd"}, {"howll", "how'll"}, {"hows", "how's"},
    {"isnt", "isn't"}, {"itd", "it'd"}, {"itd've", "it'd've"}, {"it'dve", "it'd've"},
    {"itll", "it'll"}, {"let's", "let's"}, {"maam", "ma'am"}, {"mightnt", "mightn't"},
    {"mightnt've", "mightn't've"}, {"mightn'tve", "mightn't've"}, {"mightve", "might've"},
    {"mustnt", "mustn't"}, {"mustve", "must've"}, {"neednt", "needn't"}, {"notve", "not've"},
    {"oclock", "o'clock"}, {"oughtnt", "oughtn't"}, {"ow's'at", "'ow's'at"},
    {"'ows'at", "'ow's'at"}, {"'ow'sat", "'ow's'at"}, {"shant", "shan't"},
    {"shed've", "she'd've"}, {"she'dve", "she'd've"}, {"she's", "she's"},
    {"shouldve", "should've"}, {"shouldnt", "shouldn't"}, {"shouldnt've", "shouldn't've"},
    {"shouldn'tve", "shouldn't've"}, {"somebody'd", "somebodyd"},
    {"somebodyd've", "somebody'd've"}, {"somebody'dve", "somebody'd've"},
    {"somebodyll", "somebody'll"}, {"somebodys", "somebody's"}, {"someoned", "someone'd"},
    {"someoned've", "someone'd've"}, {"someone'dve", "someone'd've"},
    {"someonell", "someone'll"}, {"someones", "someone's"}, {"somethingd", "something'd"},
    {"somethingd've", "something'd've"}, {"something'dve", "something'd've"},
    {"somethingll", "something'll"}, {"thats", "that's"}, {"thered", "there'd"},
    {"thered've", "there'd've"}, {"there'dve", "there'd've"}, {"therere", "there're"},
    {"theres", "there's"}, {"theyd", "they'd"}, {"theyd've", "they'd've"},
    {"they'dve", "they'd've"}, {"theyll", "they'll"}, {"theyre", "they're"},
    {"theyve", "they've"}, {"twas", "'twas"}, {"wasnt", "wasn't"}, {"wed've", "we'd've"},
    {"we'dve", "we'd've"}, {"weve", "we've"}, {"werent", "weren't"}, {"whatll", "what'll"},
    {"whatre", "what're"}, {"whats", "what's"}, {"whatve", "what've"}, {"whens", "when's"},
    {"whered", "where'd"}, {"wheres", "where's"}, {"whereve", "where've"}, {"whod", "who'd"},
    {"whod've", "who'd've"}, {"who'dve", "who'd've"}, {"wholl", "who'll"}, {"whos", "who's"},
    {"whove", "who've"}, {"whyll", "why'll"}, {"whyre", "why're"}, {"whys", "why's"},
    {"wont", "won't"}, {"wouldve", "would've"}, {"wouldnt", "wouldn't"},
    {"wouldnt've", "wouldn't've"}, {"wouldn'tve", "wouldn't've"}, {"yall", "y'all"},
    {"yall'll", "y'all'll"}, {"y'allll", "y'all'll"}, {"yall'd've", "y'all'd've"},
    {"y'alld've", "y'all'd've"}, {"y'all'dve", "y'all'd've"}, {"youd", "you'd"},
    {"youd've", "you'd've"}, {"you'dve", "you'd've"}, {"youll", "you'll"},
    {"youre", "you're"}, {"youve", "you've"},
};

constexpr std::pair<std::string_view, std::string_view> kNumberWords[] = {
    {"none", "0"}, {"zero", "0"}, {"one", "1"}, {"two", "2"}, {"three", "3"}, {"four", "4"},
    {"five", "5"}, {"six", "6"}, {"seven", "7"}, {"eight", "8"}, {"nine", "9"}, {"ten", "10"},
};

std::string_view contraction_of(std::string_view word) {
  static const std::unordered_map<std::string_view, std::string_view> table(
      std::begin(kContractions), std::end(kContractions));
  const auto it = table.find(word);
  return it == table.end() ? word : it->second;
}

std::string_view number_of(std::string_view word) {
  for (const auto& [name, digits] : kNumberWords) {
    if (word == name) return digits;
  }
  return word;
}

std::string process_digit_article(std::string_view in) {
  std::string lower(in);
  std::transform(lower.begin(), lower.end(), lower.begin(), to_lower);
  std::string out;
  out.reserve(lower.size());
  for (const std::string_view word : split_words(lower)) {
    const std::string_view mapped = number_of(word);
    if (mapped == "a" || mapped == "an" || mapped == "the") continue;
    if (!out.empty()) out.push_back(' ');
    out += contraction_of(mapped);
  }
  return out;
}

// True when `needle` occurs in `haystack` as a run of whole words. Both are normalized, so
// words are separated by exactly one space.
bool contains_words(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return false;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    const std::size_t end = at + needle.size();
    if ((at == 0 || haystack[at - 1] == ' ') && (end == haystack.size() || haystack[end] == ' ')) {
      return true;
    }
  }
  return false;
}

std::size_t skip_choice_filler(std::string_view text, std::size_t pos, bool& connector) {
  bool bracket = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '*') {
      ++pos;
    } else if (c == ':') {
      connector = true;
      ++pos;
    } else if ((c == '(' || c == '[') && !bracket) {
      bracket = true;
      ++pos;
    } else if (!connector && !bracket && pos + 2 <= text.size() && to_lower(c) == 'i' &&
               to_lower(text[pos + 1]) == 's' &&
               (pos + 2 == text.size() || !is_word_byte(text[pos + 2]))) {
      connector = true;
      pos += 2;
    } else {
      break;
    }
  }
  return pos;
}

bool standalone_after(std::string_view text, std::size_t pos) {
  return pos + 1 == text.size() || !is_word_byte(text[pos + 1]);
}

std::optional<char> marked_choice(std::string_view text) {
  static constexpr std::string_view kMarkers[] = {"answer", "option", "choice"};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && is_word_byte(text[i - 1])) continue;
    for (const std::string_view marker : kMarkers) {
      if (i + marker.size() > text.size()) continue;
      bool same = true;
      for (std::size_t k = 0; k < marker.size() && same; ++k) same = to_lower(text[i + k]) == marker[k];
      if (!same) continue;
      bool connector = false;
      const std::size_t at = skip_choice_filler(text, i + marker.size(), connector);
      if (connector && at < text.size() && is_option(text[at]) && standalone_after(text, at)) {
        return text[at];
      }
    }
  }
  return std::nullopt;
}

std::optional<char> standalone_choice(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_option(text[i]) || (i > 0 && is_word_byte(text[i - 1])) || !standalone_after(text, i)) {
      continue;
    }
    const bool article = text[i] == 'A' && i + 2 < text.size() && text[i + 1] == ' ' &&
                         is_lower(text[i + 2]);
    if (!article) return text[i];
  }
  return std::nullopt;
}

}  // namespace

std::string_view score_kind_name(ScoreKind kind) noexcept {
  switch (kind) {
    case ScoreKind::kVqa: return "vqa";
    case ScoreKind::kExact: return "exact";
    case ScoreKind::kContains: return "contains";
    case ScoreKind::kRegex: return "regex";
    case ScoreKind::kChoice: return "choice";
  }
  return "vqa";
}

core::Result<ScoreSpec> parse_score_spec(std::string_view text) {
  constexpr std::string_view kRegexPrefix = "regex:";
  if (text.substr(0, kRegexPrefix.size()) == kRegexPrefix) {
    const std::string_view pattern = text.substr(kRegexPrefix.size());
    if (pattern.empty()) {
      return core::fail("score '{}': the regular expression is empty; write regex:PATTERN, "
                        "e.g. regex:'answer is (yes|no)'", text);
    }
    auto flags = std::regex::ECMAScript;
#if defined(__GLIBCXX__)
    // libstdc++'s default matcher recurses once per character and overflows the stack on
    // answers of a few thousand characters; the polynomial one keeps its state on the heap.
    flags |= std::regex_constants::__polynomial;
#endif
    try {
      auto compiled = std::make_shared<ScorePattern>(
          ScorePattern{std::regex(pattern.begin(), pattern.end(), flags)});
      return ScoreSpec{ScoreKind::kRegex, std::string(pattern), std::move(compiled)};
    } catch (const std::regex_error& e) {
      return core::fail("score '{}': the regular expression '{}' does not compile ({}); write "
                        "an ECMAScript regular expression without back-references, e.g. "
                        "regex:'answer is (yes|no)'", text, pattern, e.what());
    }
  }
  for (const ScoreKind kind : {ScoreKind::kVqa, ScoreKind::kExact, ScoreKind::kContains,
                               ScoreKind::kChoice}) {
    if (text == score_kind_name(kind)) return ScoreSpec{kind, {}, nullptr};
  }
  if (text == "regex") {
    return core::fail("score 'regex': the pattern is missing; write regex:PATTERN, e.g. "
                      "regex:'answer is (yes|no)'");
  }
  return core::fail("score '{}': unknown scoring rule; {}", text, kScoreChoices);
}

std::string score_spec_text(const ScoreSpec& spec) {
  if (spec.kind == ScoreKind::kRegex) return "regex:" + spec.pattern;
  return std::string(score_kind_name(spec.kind));
}

bool needs_references(const ScoreSpec& spec) noexcept { return spec.kind != ScoreKind::kRegex; }

std::string vqa_normalize(std::string_view text) {
  std::string flat(text);
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  std::replace(flat.begin(), flat.end(), '\t', ' ');
  return process_digit_article(process_punctuation(strip_spaces(flat)));
}

double vqa_accuracy(std::string_view answer, std::span<const std::string> references) {
  if (references.empty()) return 0.0;
  const std::string normalized = vqa_normalize(answer);
  std::vector<bool> equal(references.size());
  std::size_t matches = 0;
  for (std::size_t i = 0; i < references.size(); ++i) {
    equal[i] = vqa_normalize(references[i]) == normalized;
    matches += equal[i] ? 1 : 0;
  }
  if (references.size() < kVqaHumanAnswers) return matches > 0 ? 1.0 : 0.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < references.size(); ++i) {
    const std::size_t others = matches - (equal[i] ? 1 : 0);
    sum += std::min(1.0, static_cast<double>(others) / 3.0);
  }
  return sum / static_cast<double>(references.size());
}

std::optional<char> choice_letter(std::string_view answer) {
  if (auto marked = marked_choice(answer)) return marked;
  return standalone_choice(answer);
}

std::optional<char> reference_letter(std::string_view reference) {
  const std::string_view text = strip_spaces(reference);
  std::size_t at = 0;
  while (at < text.size() && (text[at] == '(' || text[at] == '[' || text[at] == '*')) ++at;
  if (at < text.size() && is_option(to_upper(text[at])) && standalone_after(text, at)) {
    return to_upper(text[at]);
  }
  return choice_letter(text);
}

std::string_view answer_without_reasoning(std::string_view content) noexcept {
  constexpr std::string_view kOpen = "<think>";
  constexpr std::string_view kClose = "</think>";
  if (const std::size_t close = content.rfind(kClose); close != std::string_view::npos) {
    return content.substr(close + kClose.size());
  }
  if (strip_spaces(content).substr(0, kOpen.size()) == kOpen) return {};
  return content;
}

double score(const ScoreSpec& spec, std::string_view answer,
             std::span<const std::string> references) {
  switch (spec.kind) {
    case ScoreKind::kVqa:
      return vqa_accuracy(answer, references);
    case ScoreKind::kExact:
    case ScoreKind::kContains: {
      const std::string normalized = vqa_normalize(answer);
      for (const std::string& reference : references) {
        const std::string want = vqa_normalize(reference);
        if (spec.kind == ScoreKind::kExact ? want == normalized : contains_words(normalized, want)) {
          return 1.0;
        }
      }
      return 0.0;
    }
    case ScoreKind::kRegex:
      if (!spec.compiled) return 0.0;
      return std::regex_search(answer.begin(), answer.end(), spec.compiled->regex) ? 1.0 : 0.0;
    case ScoreKind::kChoice: {
      const std::optional<char> picked = choice_letter(answer);
      if (!picked) return 0.0;
      for (const std::string& reference : references) {
        if (reference_letter(reference) == picked) return 1.0;
      }
      return 0.0;
    }
  }
  return 0.0;
}

}  // namespace llmload::workload
