#include "llmload/metrics/hdr_log.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

namespace llmload::metrics {

namespace {

// Seconds with exactly three decimals, from integer milliseconds (no binary rounding).
std::string seconds_3dp(std::int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const std::uint64_t a = ms < 0 ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms);
  return fmt::format("{}{}.{:03}", sign, a / 1000, a % 1000);
}

// Java's Date.toString() layout in UTC ("Mon Jun 10 14:45:12 UTC 2024"), spelled out here so
// the output depends neither on the locale nor on the machine's time zone.
std::string java_date_utc(std::int64_t ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const auto t = static_cast<std::time_t>(s);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "unknown date";
  return fmt::format("{} {} {:02} {:02}:{:02}:{:02} UTC {}", kDays[tm.tm_wday], kMonths[tm.tm_mon],
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

bool valid_tag_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7f && c != ',';
}

}  // namespace

void HdrLogWriter::write_header(std::chrono::system_clock::time_point start_time) {
  const std::int64_t ms =
      std::chrono::floor<std::chrono::milliseconds>(start_time.time_since_epoch()).count();
  text_ += "#[Histogram log format version 1.3]\n";
  text_ += fmt::format("#[StartTime: {} (seconds since epoch), {}]\n", seconds_3dp(ms),
                       java_date_utc(ms));
  text_ += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
}

void HdrLogWriter::write_comment(std::string_view comment) {
  std::size_t begin = 0;
  for (;;) {
    const std::size_t nl = comment.find('\n', begin);
    std::string_view line = comment.substr(begin, nl == std::string_view::npos ? nl : nl - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    text_ += '#';
    text_ += line;
    text_ += '\n';
    if (nl == std::string_view::npos) break;
    begin = nl + 1;
  }
}

core::Result<void> HdrLogWriter::write_interval(const HdrHistogram& histogram,
                                                std::chrono::nanoseconds start_offset,
                                                std::chrono::nanoseconds length,
                                                std::string_view tag) {
  const double ratio = options_.max_value_unit_ratio;
  if (!(ratio > 0.0) || !std::isfinite(ratio)) {
    return core::fail("HdrHistogram log: max_value_unit_ratio is {}; it must be a positive number",
                      ratio);
  }
  for (const char c : tag) {
    if (!valid_tag_char(c)) {
      return core::fail("HdrHistogram log: tag '{}' contains a comma, whitespace or a control "
                        "character; use letters, digits, '_', '-' or '.'",
                        tag);
    }
  }
  if (start_offset.count() < 0 || length.count() < 0) {
    return core::fail("HdrHistogram log: interval start offset ({} ns) and length ({} ns) must not "
                      "be negative",
                      start_offset.count(), length.count());
  }
  if (!tag.empty()) {
    text_ += "Tag=";
    text_ += tag;
    text_ += ',';
  }
  text_ += fmt::format("{:.3f},{:.3f},{:.3f},", static_cast<double>(start_offset.count()) / 1e9,
                       static_cast<double>(length.count()) / 1e9,
                       static_cast<double>(histogram.max()) / ratio);
  text_ += histogram.encode_compressed_base64();
  text_ += '\n';
  return {};
}

}  // namespace llmload::metrics
