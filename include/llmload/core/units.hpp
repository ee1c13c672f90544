#pragma once
/// Quantities as people write them in profiles and flags: durations ("250ms", "1.5s", "2m",
/// "1h30m"), rates ("16/s", "120/min", "inf"), percentages ("1%", "0.5%"). Pure functions.

#include "llmload/core/error.hpp"

#include <chrono>
#include <string_view>

namespace llmload::core {

/// Parses a duration: one or more number+unit parts (ns, us, ms, s, m, h), e.g. "1h30m",
/// "0.25s", "250ms". A bare number is an error (the unit is not guessed). Negative values are
/// errors. The error says what was expected, with examples.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Parses a rate in events per second: "16/s", "16", "120/min", "3600/h", "inf". Must be > 0.
Result<double> parse_rate(std::string_view text);

/// Parses a percentage "1%" or "0.5%" into a fraction (0.01, 0.005); must lie in [0, 100]%.
Result<double> parse_percent(std::string_view text);

/// Formats a duration compactly for messages and plans: "250ms", "1.5s", "2m", "1h30m".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace llmload::core
