#include "llmload/core/units.hpp"

#include "llmload/core/text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace llmload::core {
namespace {

// Reads a non-negative decimal number at the front of `s`; advances past it.
bool take_number(std::string_view& s, double& value) {
  std::size_t n = 0;
  while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
  if (n == 0) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + n, value);
  if (ec != std::errc{} || ptr != s.data() + n) return false;
  s.remove_prefix(n);
  return true;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  const std::string_view original = trim(text);
  std::string_view s = original;
  auto bad = [&] {
    return fail("'{}' is not a duration; write a number with a unit, e.g. 250ms, 1.5s, 2m, 1h30m",
                original);
  };
  if (s.empty()) return bad();
  double total_ns = 0;
  while (!s.empty()) {
    double value = 0;
    if (!take_number(s, value)) return bad();
    std::size_t n = 0;
    while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
    const std::string_view unit = s.substr(0, n);
    s.remove_prefix(n);
    double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "µs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m" || unit == "min") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else return bad();
    total_ns += value * scale;
  }
  if (!std::isfinite(total_ns) || total_ns > 9.2e18) return bad();
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total_ns)));
}

Result<double> parse_rate(std::string_view text) {
  const std::string_view original = trim(text);
  std::string_view s = original;
  auto bad = [&] {
    return fail("'{}' is not a rate; write requests per second such as 16/s or 16, 120/min, or inf",
                original);
  };
  if (s == "inf" || s == "Inf" || s == "infinity") return INFINITY;
  double value = 0;
  if (!take_number(s, value)) return bad();
  s = trim(s);
  double per_second = value;
  if (s.empty() || s == "/s" || s == "/sec") per_second = value;
  else if (s == "/min" || s == "/m") per_second = value / 60;
  else if (s == "/h") per_second = value / 3600;
  else return bad();
  if (!(per_second > 0) || !std::isfinite(per_second)) {
    return fail("'{}': a rate must be above zero (or inf)", original);
  }
  return per_second;
}

Result<double> parse_percent(std::string_view text) {
  const std::string_view original = trim(text);
  std::string_view s = original;
  double value = 0;
  if (!s.ends_with('%') || !take_number(s, value) || trim(s) != "%" || value > 100) {
    return fail("'{}' is not a percentage; write e.g. 1% or 0.5% (0% to 100%)", original);
  }
  return value / 100.0;
}

std::string format_duration(std::chrono::nanoseconds d) {
  const auto ns = d.count();
  if (ns % 3'600'000'000'000 == 0 && ns != 0) return fmt::format("{}h", ns / 3'600'000'000'000);
  if (ns % 60'000'000'000 == 0 && ns != 0) return fmt::format("{}m", ns / 60'000'000'000);
  if (ns >= 1'000'000'000) return fmt::format("{:g}s", static_cast<double>(ns) / 1e9);
  if (ns >= 1'000'000) return fmt::format("{:g}ms", static_cast<double>(ns) / 1e6);
  if (ns >= 1'000) return fmt::format("{:g}us", static_cast<double>(ns) / 1e3);
  return fmt::format("{}ns", ns);
}

}  // namespace llmload::core
