#include "llmload/scrape/prometheus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace llmload::scrape {

std::string_view Sample::label(std::string_view key) const noexcept {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

Exposition::Total Exposition::total(std::string_view name) const {
  Total t;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    t.found = true;
    t.value += s.value;
  }
  return t;
}

Exposition::Total Exposition::max(std::string_view name) const {
  Total t;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    t.value = t.found ? std::max(t.value, s.value) : s.value;
    t.found = true;
  }
  return t;
}

namespace {

bool name_char(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || c == '_' || c == ':' || (!first && std::isdigit(u) != 0);
}

/// A cursor over one line; every reader returns nullopt (with `why` set) on bad syntax.
struct LineReader {
  std::string_view line;
  std::size_t pos = 0;
  std::string why;

  void skip_blanks() {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  }
  bool at_end() const { return pos >= line.size(); }

  std::optional<std::string> name() {
    const std::size_t begin = pos;
    while (pos < line.size() && name_char(line[pos], pos == begin)) ++pos;
    if (pos == begin) {
      why = fmt::format("expected a metric or label name at column {}", begin + 1);
      return std::nullopt;
    }
    return std::string(line.substr(begin, pos - begin));
  }

  std::optional<std::string> quoted() {
    if (pos >= line.size() || line[pos] != '"') {
      why = fmt::format("expected '\"' at column {}", pos + 1);
      return std::nullopt;
    }
    std::string out;
    for (++pos; pos < line.size(); ++pos) {
      const char c = line[pos];
      if (c == '"') {
        ++pos;
        return out;
      }
      if (c == '\\' && pos + 1 < line.size()) {
        const char e = line[++pos];
        out.push_back(e == 'n' ? '\n' : e);
      } else {
        out.push_back(c);
      }
    }
    why = "unterminated label value";
    return std::nullopt;
  }

  bool labels(std::vector<std::pair<std::string, std::string>>& out) {
    ++pos;  // '{'
    for (;;) {
      skip_blanks();
      if (pos < line.size() && line[pos] == '}') {
        ++pos;
        return true;
      }
      auto key = name();
      if (!key) return false;
      skip_blanks();
      if (pos >= line.size() || line[pos] != '=') {
        why = fmt::format("expected '=' after label '{}'", *key);
        return false;
      }
      ++pos;
      skip_blanks();
      auto value = quoted();
      if (!value) return false;
      out.emplace_back(std::move(*key), std::move(*value));
      skip_blanks();
      if (pos < line.size() && line[pos] == ',') ++pos;
      else if (pos >= line.size() || line[pos] != '}') {
        why = "expected ',' or '}' in the label set";
        return false;
      }
    }
  }

  std::optional<double> number() {
    const std::size_t begin = pos;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
    const std::string_view word = line.substr(begin, pos - begin);
    if (word == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (word == "+Inf" || word == "Inf") return std::numeric_limits<double>::infinity();
    if (word == "-Inf") return -std::numeric_limits<double>::infinity();
    const std::string_view digits = !word.empty() && word.front() == '+' ? word.substr(1) : word;
    double v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (word.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      why = fmt::format("'{}' is not a number", word);
      return std::nullopt;
    }
    return v;
  }
};

std::optional<Sample> parse_sample(std::string_view line, std::string& why) {
  LineReader r{line};
  r.skip_blanks();
  Sample s;
  auto name = r.name();
  if (!name) {
    why = r.why;
    return std::nullopt;
  }
  s.name = std::move(*name);
  r.skip_blanks();
  if (!r.at_end() && line[r.pos] == '{' && !r.labels(s.labels)) {
    why = r.why;
    return std::nullopt;
  }
  r.skip_blanks();
  auto value = r.number();
  if (!value) {
    why = r.why;
    return std::nullopt;
  }
  s.value = *value;
  r.skip_blanks();
  if (!r.at_end()) {  // an optional integer timestamp in milliseconds
    std::int64_t stamp = 0;
    const auto rest = line.substr(r.pos);
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), stamp);
    if (ec != std::errc() || std::string_view(end, rest.data() + rest.size()).find_first_not_of(" \t") != std::string_view::npos) {
      why = fmt::format("unexpected '{}' after the value", rest);
      return std::nullopt;
    }
  }
  return s;
}

}  // namespace

Exposition parse_exposition(std::string_view text) {
  Exposition out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::string why;
    if (auto sample = parse_sample(line, why)) {
      out.samples.push_back(std::move(*sample));
    } else {
      ++out.bad_lines;
      if (out.problems.size() < 10) out.problems.push_back(fmt::format("line {}: {}", line_no, why));
    }
  }
  return out;
}

}  // namespace llmload::scrape
