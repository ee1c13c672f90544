#include "llmload/core/units.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace llmload::core {
namespace {

using namespace std::chrono_literals;

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("250ms").value(), 250ms);
  EXPECT_EQ(parse_duration("1.5s").value(), 1500ms);
  EXPECT_EQ(parse_duration("2m").value(), 120s);
  EXPECT_EQ(parse_duration("1h30m").value(), 5400s);
  EXPECT_EQ(parse_duration(" 10us ").value(), 10us);
  EXPECT_EQ(parse_duration("7ns").value(), 7ns);
  for (const char* bad : {"", "10", "ms", "-1s", "1 s", "1d", "1.2.3s"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("e.g. 250ms"), std::string::npos) << r.error().message;
  }
}

TEST(Units, Rates) {
  EXPECT_EQ(parse_rate("16/s").value(), 16.0);
  EXPECT_EQ(parse_rate("16").value(), 16.0);
  EXPECT_EQ(parse_rate("0.5").value(), 0.5);
  EXPECT_EQ(parse_rate("120/min").value(), 2.0);
  EXPECT_EQ(parse_rate("3600/h").value(), 1.0);
  EXPECT_TRUE(std::isinf(parse_rate("inf").value()));
  EXPECT_FALSE(parse_rate("0"));
  EXPECT_FALSE(parse_rate("fast"));
  EXPECT_FALSE(parse_rate("16/day"));
}

TEST(Units, Percentages) {
  EXPECT_DOUBLE_EQ(parse_percent("1%").value(), 0.01);
  EXPECT_DOUBLE_EQ(parse_percent("0.5%").value(), 0.005);
  EXPECT_FALSE(parse_percent("1"));
  EXPECT_FALSE(parse_percent("150%"));
  EXPECT_FALSE(parse_percent("%"));
}

TEST(Units, FormatDuration) {
  EXPECT_EQ(format_duration(2h), "2h");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(5min), "5m");
  EXPECT_EQ(format_duration(250ms), "250ms");
}

}  // namespace
}  // namespace llmload::core
