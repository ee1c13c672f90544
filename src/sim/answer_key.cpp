#include "llmload/sim/answer_key.hpp"
#include "llmload/core/rng.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/core/units.hpp"
#include "llmload/workload/answer_score.hpp"
#include "llmload/workload/file_datasets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace llmload::sim {
namespace {

bool is_space(char c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

core::Result<double> parse_probability(std::string_view text) {
  const std::string_view t = question_key(text);
  double p = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), p);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || !(p >= 0 && p <= 1)) {
    return core::fail("'{}' is not a probability between 0 and 1", text);
  }
  return p;
}

using core::mix64;

// The answer's words as token texts: JSON-escaped (no quotes), the first without a leading space.
std::vector<std::string> answer_tokens(std::string_view answer) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < answer.size()) {
    while (i < answer.size() && is_space(answer[i])) ++i;
    const std::size_t start = i;
    while (i < answer.size() && !is_space(answer[i])) ++i;
    if (i == start) break;
    std::string escaped;
    core::append_json_string(escaped, answer.substr(start, i - start));
    std::string token = out.empty() ? std::string() : std::string(" ");
    token.append(escaped, 1, escaped.size() - 2);
    out.push_back(std::move(token));
  }
  return out;
}

// The reference given most often after VQA normalization (the first of a tie), as written.
std::string most_common(const std::vector<std::string>& answers) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> counts;  // normalized -> (count, first)
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto [it, fresh] = counts.try_emplace(workload::vqa_normalize(answers[i]), 0, i);
    ++it->second.first;
  }
  std::size_t best = 0, best_count = 0;
  for (const auto& [norm, cf] : counts) {
    if (norm.empty()) continue;
    if (cf.first > best_count || (cf.first == best_count && cf.second < best)) {
      best = cf.second;
      best_count = cf.first;
    }
  }
  return best_count > 0 ? std::string(question_key(answers[best])) : std::string();
}

// A wrong answer: one that neither equals (VQA-normalized) nor contains any reference.
std::string wrong_answer(const std::vector<std::string>& answers) {
  static constexpr std::string_view kCandidates[] = {
      "purple giraffe", "seventeen umbrellas", "quantum spaghetti", "velvet lighthouse",
      "xylophone", "marmalade", "zeppelin", "blorf"};
  const workload::ScoreSpec vqa{workload::ScoreKind::kVqa, {}, {}};
  const workload::ScoreSpec contains{workload::ScoreKind::kContains, {}, {}};
  auto wrong = [&](std::string_view candidate) {
    return workload::score(vqa, candidate, answers) == 0 && workload::score(contains, candidate, answers) == 0;
  };
  for (const auto candidate : kCandidates) {
    if (wrong(candidate)) return std::string(candidate);
  }
  for (std::size_t n = 1;; ++n) {  // ends: at most answers.size() candidates can be taken
    const std::string candidate = fmt::format("blorf{}", n);
    if (wrong(candidate)) return candidate;
  }
}

core::Result<void> check_line(const AnswerKey::Line& line) {
  if (line.answers.size() > kMaxReferencesPerQuestion) {
    return core::fail("{} answers, over the limit of {}", line.answers.size(), kMaxReferencesPerQuestion);
  }
  for (const auto& a : line.answers) {
    if (a.size() > kMaxAnswerBytes) return core::fail("an answer of {} bytes, over the limit of {}", a.size(), kMaxAnswerBytes);
  }
  return {};
}

}  // namespace

std::string_view question_key(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

core::Result<std::vector<std::pair<std::string, double>>> parse_accuracy_by_category(std::string_view text) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto item : split(text, ',')) {
    const std::size_t eq = item.rfind('=');
    const std::string_view name = eq == std::string_view::npos ? std::string_view() : question_key(item.substr(0, eq));
    if (name.empty()) return core::fail("'{}' is not CATEGORY=P (e.g. animals=0.9,colors=0.5)", item);
    auto p = parse_probability(item.substr(eq + 1));
    if (!p) return core::fail("{}: {}", name, p.error().message);
    if (std::any_of(out.begin(), out.end(), [&](const auto& c) { return c.first == name; })) {
      return core::fail("category '{}' is given twice", name);
    }
    out.emplace_back(std::string(name), *p);
    if (out.size() > kMaxAccuracyCategories) return core::fail("more than {} categories", kMaxAccuracyCategories);
  }
  return out;
}

core::Result<std::vector<AccuracyChange>> parse_accuracy_changes(std::string_view text) {
  std::vector<AccuracyChange> out;
  for (const auto item : split(text, ',')) {
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return core::fail("'{}' is not TIME=P (e.g. 30s=0.2)", item);
    auto after = core::parse_duration(question_key(item.substr(0, eq)));
    if (!after) return core::fail("'{}': {}", item, after.error().message);
    auto p = parse_probability(item.substr(eq + 1));
    if (!p) return core::fail("'{}': {}", item, p.error().message);
    if (!out.empty() && *after <= out.back().after) return core::fail("'{}': the times must increase", item);
    out.push_back({*after, *p});
    if (out.size() > kMaxAccuracyChanges) return core::fail("more than {} changes", kMaxAccuracyChanges);
  }
  return out;
}

core::Result<std::shared_ptr<const AnswerKey>> AnswerKey::load(const AnswerSettings& settings) {
  auto read = workload::read_reference_lines(settings.path, kMaxAnswersFileBytes);
  if (!read) return read.error();
  std::vector<Line> lines;
  lines.reserve(read->size());
  for (auto& r : *read) {
    Line line{std::move(r.prompt), std::move(r.category), std::move(r.answers)};
    if (auto ok = check_line(line); !ok) return core::fail("{}:{}: {}", settings.path, r.line, ok.error().message);
    lines.push_back(std::move(line));
  }
  return from_lines(lines, settings);
}

core::Result<std::shared_ptr<const AnswerKey>> AnswerKey::from_lines(const std::vector<Line>& lines,
                                                                     const AnswerSettings& settings) {
  auto key = std::make_shared<AnswerKey>();
  key->settings_ = settings;
  for (const auto& line : lines) {
    if (auto ok = check_line(line); !ok) return ok.error();
    const std::string right = line.answers.empty() ? std::string() : most_common(line.answers);
    if (right.empty()) {
      ++key->without_references_;
      continue;
    }
    const std::string question(question_key(line.question));
    if (!key->index_.try_emplace(question, key->entries_.size()).second) continue;
    Entry e{line.category, right, wrong_answer(line.answers), answer_tokens(right), {}};
    e.wrong_tokens = answer_tokens(e.wrong);
    key->entries_.push_back(std::move(e));
  }
  if (key->entries_.empty()) {
    return core::fail("{}: no line has both a question and reference answers", settings.path);
  }
  for (const auto& setting : settings.by_category) {
    const std::string& category = setting.first;  // a named reference: clang 14 cannot capture a binding
    const bool known = std::any_of(key->entries_.begin(), key->entries_.end(),
                                   [&](const Entry& e) { return e.category == category; });
    if (!known) return core::fail("{}: no question has the category '{}'", settings.path, category);
  }
  key->asks_ = std::make_unique<std::atomic<std::uint64_t>[]>(key->entries_.size());
  return std::shared_ptr<const AnswerKey>(std::move(key));
}

const AnswerKey::Entry* AnswerKey::find(std::string_view question) const {
  const auto it = index_.find(std::string(question_key(question)));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

double AnswerKey::accuracy_at(std::string_view category, std::chrono::nanoseconds elapsed) const {
  for (auto c = settings_.changes.rbegin(); c != settings_.changes.rend(); ++c) {
    if (elapsed >= c->after) return c->accuracy;
  }
  for (const auto& [name, p] : settings_.by_category) {
    if (name == category) return p;
  }
  return settings_.accuracy;
}

bool AnswerKey::answer(GenerationRequest& request, std::chrono::nanoseconds elapsed) const {
  const auto it = index_.find(std::string(question_key(request.question)));
  if (it == index_.end()) return false;
  const std::size_t i = it->second;
  const Entry& e = entries_[i];
  // Seeded by the question and its ask number, so the answers a workload gets do not depend
  // on the order in which its requests arrive.
  const std::uint64_t k = asks_[i].fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t draw = mix64(settings_.seed ^ mix64(i * 0x2545F4914F6CDD1DULL ^ mix64(k)));
  const bool right = static_cast<double>(draw >> 11) * 0x1.0p-53 < accuracy_at(e.category, elapsed);
  request.answer_tokens = right ? e.right_tokens : e.wrong_tokens;
  const auto words = static_cast<std::int64_t>(request.answer_tokens.size());
  if (!request.ignore_eos && words <= request.max_tokens) {
    request.max_tokens = words;
    request.stop = true;
  }
  return true;
}

}  // namespace llmload::sim
