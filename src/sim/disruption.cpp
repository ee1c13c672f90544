#include "llmload/sim/disruption.hpp"

#include "llmload/core/text.hpp"
#include "llmload/core/units.hpp"

#include <fmt/format.h>

#include <cmath>

namespace llmload::sim {
namespace {

/// The next space-separated word of `text` (advanced past it); empty at the end.
std::string_view next_word(std::string_view& text) {
  text = core::trim(text);
  const auto end = text.find_first_of(" \t");
  const std::string_view word = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end);
  return word;
}

/// A duration or a percentage word into `d` (each at most once).
core::Result<void> read_word(std::string_view word, SimDisruption& d, bool& have_duration, bool& have_fraction) {
  if (word.ends_with('%')) {
    if (have_fraction) return core::fail("'{}': the share of failed requests is given twice", word);
    auto p = core::parse_percent(word);
    if (!p) return p.error();
    d.fraction = *p;
    have_fraction = true;
    return {};
  }
  if (have_duration) return core::fail("'{}': the duration is given twice", word);
  auto t = core::parse_duration(word);
  if (!t) return t.error();
  d.duration = *t;
  have_duration = true;
  return {};
}

}  // namespace

core::Result<DisruptionKind> parse_disruption_kind(std::string_view name) {
  if (name == "pause") return DisruptionKind::kPause;
  if (name == "fail") return DisruptionKind::kFail;
  if (name == "restart") return DisruptionKind::kRestart;
  return core::fail("unknown simulator disruption '{}'; known: pause, fail, restart", name);
}

std::string_view disruption_kind_name(DisruptionKind kind) {
  switch (kind) {
    case DisruptionKind::kPause: return "pause";
    case DisruptionKind::kFail: return "fail";
    case DisruptionKind::kRestart: return "restart";
  }
  return "pause";
}

core::Result<void> check_disruption(const SimDisruption& d) {
  const auto name = disruption_kind_name(d.kind);
  if (d.duration.count() < 0 || d.duration > kMaxDisruption) {
    return core::fail("a simulator {} lasts from 0s to 24h", name);
  }
  if (d.kind != DisruptionKind::kRestart && d.duration.count() == 0) {
    return core::fail("a simulator {} needs how long it lasts above 0, e.g. '{} 5s'", name, name);
  }
  if (!(d.fraction > 0 && d.fraction <= 1)) {
    return core::fail("the share of requests a simulator fail answers 503 must be above 0% and at most 100%");
  }
  if (d.kind != DisruptionKind::kFail && d.fraction != 1.0) {
    return core::fail("a share of requests applies to fail only, e.g. 'fail 10s 30%'");
  }
  return {};
}

core::Result<SimDisruption> parse_disruption(std::string_view text) {
  SimDisruption d;
  auto kind = parse_disruption_kind(next_word(text));
  if (!kind) return kind.error();
  d.kind = *kind;
  bool have_duration = false, have_fraction = false;
  for (std::string_view word = next_word(text); !word.empty(); word = next_word(text)) {
    if (auto read = read_word(word, d, have_duration, have_fraction); !read) return read.error();
  }
  if (auto checked = check_disruption(d); !checked) return checked.error();
  return d;
}

core::Result<SimDisruption> parse_disruption_query(DisruptionKind kind, std::string_view query) {
  SimDisruption d;
  d.kind = kind;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "for") {
      auto t = core::parse_duration(value);
      if (!t) return core::fail("for={}: {}", value, t.error().message);
      d.duration = *t;
    } else if (key == "rate") {
      // '%' arrives percent-encoded from most clients.
      std::string text(value);
      if (text.ends_with("%25")) text.replace(text.size() - 3, 3, "%");
      auto p = core::parse_percent(text);
      if (!p) return core::fail("rate={}: {}", value, p.error().message);
      d.fraction = *p;
    } else if (!key.empty()) {
      return core::fail("unknown parameter '{}'; known: for=DURATION, rate=PERCENT (fail only)", key);
    }
  }
  if (auto checked = check_disruption(d); !checked) return checked.error();
  return d;
}

std::string describe_disruption(const SimDisruption& d) {
  const std::string lasting = core::format_duration(d.duration);
  switch (d.kind) {
    case DisruptionKind::kPause: return fmt::format("pause for {}", lasting);
    case DisruptionKind::kFail:
      return d.fraction == 1.0 ? fmt::format("fail every request for {}", lasting)
                               : fmt::format("fail {:g}% of requests for {}", d.fraction * 100, lasting);
    case DisruptionKind::kRestart: return fmt::format("restart (refusing connections for {})", lasting);
  }
  return {};
}

void FailWindow::open(core::Nanos until_ns, double fraction) {
  threshold_.store(static_cast<std::uint64_t>(std::ldexp(fraction, 53)), std::memory_order_relaxed);
  until_ns_.store(until_ns, std::memory_order_relaxed);
}

bool FailWindow::fails(core::Nanos now_ns, std::uint64_t draw) const {
  return open_at(now_ns) && (draw >> 11) < threshold_.load(std::memory_order_relaxed);
}

}  // namespace llmload::sim
