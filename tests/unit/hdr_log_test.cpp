#include "llmload/metrics/hdr_log.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/core/rng.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace llmload::metrics {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2024-06-10 14:45:12.345 UTC.
constexpr std::int64_t kStartMs = 1718030712345;
const std::chrono::system_clock::time_point kStart{milliseconds(kStartMs)};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

TEST(HdrLog, HeaderLines) {
  HdrLogWriter w;
  w.write_header(kStart);
  EXPECT_EQ(w.text(),
            "#[Histogram log format version 1.3]\n"
            "#[StartTime: 1718030712.345 (seconds since epoch), Mon Jun 10 14:45:12 UTC 2024]\n"
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");
}

TEST(HdrLog, StartTimeKeepsMillisecondsExactly) {
  HdrLogWriter w;
  w.write_header(std::chrono::system_clock::time_point(milliseconds(1'000'000'000'007)));
  EXPECT_NE(w.text().find("#[StartTime: 1000000000.007 (seconds since epoch), Sun Sep 09 01:46:40 "
                          "UTC 2001]\n"),
            std::string::npos)
      << w.text();
}

TEST(HdrLog, CommentsArePrefixedPerLine) {
  HdrLogWriter w;
  w.write_comment("[Logged with llmload 0.1.0]");
  w.write_comment("two\nlines\r\n");
  EXPECT_EQ(w.text(), "#[Logged with llmload 0.1.0]\n#two\n#lines\n#\n");
}

TEST(HdrLog, IntervalLineFields) {
  HdrHistogram h;
  h.record(12'345'678);  // slot of 8192: highest equivalent 12'353'535 ns = 12.354 ms
  HdrLogWriter w;
  ASSERT_TRUE(w.write_interval(h, milliseconds(1500), milliseconds(1000)));
  ASSERT_TRUE(w.write_interval(h, seconds(2), milliseconds(999'999), "ttft"));
  const auto lines = lines_of(w.text());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(h.max(), 12'353'535);
  const std::string encoded = h.encode_compressed_base64();
  EXPECT_EQ(lines[0], "1.500,1.000,12.354," + encoded);
  EXPECT_EQ(lines[1], "Tag=ttft,2.000,999.999,12.354," + encoded);
  const auto back = HdrHistogram::decode_compressed_base64(split(lines[1], ',')[4]);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, h);
}

TEST(HdrLog, MaxValueUnitRatio) {
  HdrHistogram h;
  h.record(1500);
  HdrLogWriter w(HdrLogOptions{.max_value_unit_ratio = 1.0});
  ASSERT_TRUE(w.write_interval(h, nanoseconds(0), nanoseconds(1'000'000)));
  EXPECT_EQ(split(w.text(), ',')[2], "1500.000");
  EXPECT_EQ(split(w.text(), ',')[1], "0.001");
}

TEST(HdrLog, RejectsWhatReadersCannotParse) {
  HdrHistogram h;
  HdrLogWriter w;
  for (const char* tag : {"a,b", "a b", "tab\there", "new\nline"}) {
    const auto r = w.write_interval(h, seconds(0), seconds(1), tag);
    ASSERT_FALSE(r) << tag;
    EXPECT_NE(r.error().message.find("comma, whitespace"), std::string::npos);
  }
  EXPECT_FALSE(w.write_interval(h, seconds(-1), seconds(1)));
  EXPECT_FALSE(w.write_interval(h, seconds(0), seconds(-1)));
  HdrLogWriter zero(HdrLogOptions{.max_value_unit_ratio = 0});
  EXPECT_FALSE(zero.write_interval(h, seconds(0), seconds(1)));
  HdrLogWriter nan(HdrLogOptions{.max_value_unit_ratio = std::nan("")});
  EXPECT_FALSE(nan.write_interval(h, seconds(0), seconds(1)));
  EXPECT_TRUE(w.text().empty());
  EXPECT_TRUE(zero.text().empty());
}

TEST(HdrLog, TakeEmptiesTheWriter) {
  HdrLogWriter w;
  w.write_header(kStart);
  const std::string text = w.take();
  EXPECT_FALSE(text.empty());
  EXPECT_TRUE(w.text().empty());
}

// ---- the log the hdr-histogram-js interop test reads ------------------------------------------

struct Interval {
  std::string tag;  // empty: no tag
  std::int64_t start_ms = 0;
  std::int64_t length_ms = 0;
  HdrHistogram histogram;
};

std::vector<Interval> interop_intervals() {
  std::vector<Interval> out;
  const auto add = [&](std::string tag, HdrHistogram h) {
    const auto n = static_cast<std::int64_t>(out.size());
    out.push_back({std::move(tag), n * 1000, 1000, std::move(h)});
  };
  {
    HdrHistogram h;  // uniform 1..10000 ns
    for (std::int64_t v = 1; v <= 10000; ++v) h.record(v);
    add("", std::move(h));
  }
  {
    HdrHistogram h;  // log-uniform 1 µs .. 100 s, plus three values clamped at one hour
    core::Rng rng(42, "hdr-log-interop");
    for (int i = 0; i < 20000; ++i) {
      h.record(static_cast<std::int64_t>(std::exp(std::log(1e3) + rng.uniform01() * std::log(1e8))));
    }
    h.record(7'200'000'000'000, 3);
    add("ttft", std::move(h));
  }
  add("", HdrHistogram());  // an idle interval
  {
    HdrHistogram h;  // zeros and exact small values
    h.record(0, 5);
    for (std::int64_t v = 1; v <= 100; ++v) h.record(v);
    h.record(1'000'000'000, 2);
    add("itl", std::move(h));
  }
  {
    HdrHistogram h(HdrConfig{1000, 60'000'000'000, 2});  // unit magnitude 9, 2 digits
    for (std::int64_t i = 1; i <= 500; ++i) h.record(12345 * i);
    add("tpot", std::move(h));
  }
  {
    HdrHistogram h;  // counts beyond 32 bits
    h.record(5'000'000, 3'000'000'000);
    h.record(7'000'000, 1'000'000'000);
    h.record(250'000'000, 17);
    add("big_counts", std::move(h));
  }
  {
    HdrHistogram h(HdrConfig{1, 10'000'000, 5});  // 5 digits
    core::Rng rng(7, "hdr-log-interop-5");
    for (int i = 0; i < 3000; ++i) h.record(rng.uniform_int(1, 9'999'999));
    add("five_digits", std::move(h));
  }
  return out;
}

constexpr int kTicksPerHalfDistance = 5;

std::string expected_json(const std::vector<Interval>& intervals, double ratio) {
  std::string out;
  core::JsonWriter j(out);
  j.begin_object();
  j.field("start_time_ms", kStartMs);
  j.field("max_value_unit_ratio", ratio);
  j.field("ticks_per_half_distance", kTicksPerHalfDistance);
  j.key("intervals").begin_array();
  for (const auto& in : intervals) {
    const auto& h = in.histogram;
    j.begin_object();
    j.field("tag", in.tag.empty() ? std::string("NO TAG") : in.tag);
    j.field("start_offset_ms", in.start_ms);
    j.field("length_ms", in.length_ms);
    j.field("total_count", h.total_count());
    j.field("min", h.min());
    j.field("max", h.max());
    j.field("p50", h.value_at_percentile(50));
    j.field("p90", h.value_at_percentile(90));
    j.field("p99", h.value_at_percentile(99));
    j.field("p99_9", h.value_at_percentile(99.9));
    j.field("mean", h.mean());
    j.field("stddev", h.stddev());
    j.key("spectrum").begin_array();
    for (const auto& row : h.percentile_spectrum(kTicksPerHalfDistance)) {
      j.begin_array().value(row.value).value(row.percentile).value(row.total_count).end_array();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  out += '\n';
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  ASSERT_TRUE(f.good()) << path;
}

// Writes intervals.hlog and expected.json for tests/js/hdr_log_decode.mjs, which decodes the log
// with hdr-histogram-js and compares. The directory comes from LLMLOAD_HDR_INTEROP_DIR (set by
// the hdr_log_js_interop CTest entry); without it the files go to a temporary directory and
// only the C++ checks below run.
TEST(HdrLogInterop, WritesLogAndExpectedFigures) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("LLMLOAD_HDR_INTEROP_DIR");
  const fs::path dir = env != nullptr && *env != '\0'
                           ? fs::path(env)
                           : fs::temp_directory_path() / ("llmload_hdr_log_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  const auto intervals = interop_intervals();
  const HdrLogOptions options;
  HdrLogWriter w(options);
  w.write_comment("[Logged by llmload's hdr_log_test for the hdr-histogram-js interop check]");
  w.write_header(kStart);
  for (const auto& in : intervals) {
    ASSERT_TRUE(w.write_interval(in.histogram, milliseconds(in.start_ms), milliseconds(in.length_ms),
                                 in.tag));
  }
  write_file(dir / "intervals.hlog", w.text());
  write_file(dir / "expected.json", expected_json(intervals, options.max_value_unit_ratio));

  // Our own reading of the log: every interval line decodes to the histogram written.
  std::size_t n = 0;
  for (const auto& line : lines_of(w.text())) {
    if (line.empty() || line[0] == '#' || line[0] == '"') continue;
    auto fields = split(line, ',');
    std::string tag;
    if (fields[0].starts_with("Tag=")) {
      tag = fields[0].substr(4);
      fields.erase(fields.begin());
    }
    ASSERT_EQ(fields.size(), 4u) << line;
    ASSERT_LT(n, intervals.size());
    EXPECT_EQ(tag, intervals[n].tag);
    const auto h = HdrHistogram::decode_compressed_base64(fields[3]);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(*h, intervals[n].histogram);
    EXPECT_EQ(fields[2], fmt::format("{:.3f}", static_cast<double>(h->max()) / 1e6));
    ++n;
  }
  EXPECT_EQ(n, intervals.size());
  EXPECT_EQ(intervals[1].histogram.clamped(), 3);
  if (env == nullptr || *env == '\0') fs::remove_all(dir);
}

}  // namespace
}  // namespace llmload::metrics
