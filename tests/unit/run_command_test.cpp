// SLO checks against result files and their JUnit XML.
#include "llmload/runtime/run_command.hpp"

#include <gtest/gtest.h>

namespace llmload::runtime {
namespace {

const std::string kResult =
    R"({"completed":98,"failed":2,"request_throughput":4.5,"output_throughput":450.0,)"
    R"("mean_ttft_ms":120.0,"p99_ttft_ms":612.3,"p99.9_itl_ms":80.0})";

config::ProfileSlo slo(std::string metric, std::string stat, std::optional<double> max,
                       std::optional<double> min = std::nullopt) {
  config::ProfileSlo s;
  s.metric = std::move(metric);
  s.stat = std::move(stat);
  s.max = max;
  s.min = min;
  return s;
}

TEST(RunCommand, LatencySloWithMargin) {
  auto v = check_slo(slo("ttft", "p99", 500), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.slo, "ttft p99 <= 500 ms");
  EXPECT_EQ(v.detail, "measured 612.30 ms, 112.30 ms over the limit");
  v = check_slo(slo("ttft", "mean", 500), kResult);
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.detail, "measured 120.00 ms, margin 380.00 ms");
  EXPECT_TRUE(check_slo(slo("itl", "p99.9", 100), kResult).passed);
}

TEST(RunCommand, ErrorRateAndThroughput) {
  auto v = check_slo(slo("error_rate", "", 0.01), kResult);
  EXPECT_FALSE(v.passed);  // 2 of 100
  EXPECT_EQ(v.detail, "measured 2%, 1% over the limit");
  v = check_slo(slo("request_throughput", "", std::nullopt, 5.0), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "measured 4.50/s, 0.50/s under the limit");
  EXPECT_TRUE(check_slo(slo("output_throughput", "", std::nullopt, 400.0), kResult).passed);
}

TEST(RunCommand, MissingValueFails) {
  const auto v = check_slo(slo("e2el", "p99", 1000), kResult);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "the result has no value for it");
}

TEST(RunCommand, JunitXmlGolden) {
  std::vector<SloVerdict> verdicts{{"", "steady", "ttft p99 <= 500 ms", true, "measured 1 ms, margin 499 ms"},
                                   {"load.stages.0.rate=2", "steady", "error_rate <= 1%", false, "measured 2%, 1% over the limit"}};
  EXPECT_EQ(junit_xml("p.yaml", verdicts),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites tests=\"2\" failures=\"1\">\n"
            "  <testsuite name=\"p.yaml\" tests=\"2\" failures=\"1\">\n"
            "    <testcase classname=\"steady\" name=\"ttft p99 &lt;= 500 ms\"><system-out>measured 1 ms, margin 499 ms</system-out></testcase>\n"
            "    <testcase classname=\"steady [load.stages.0.rate=2]\" name=\"error_rate &lt;= 1%\"><failure message=\"measured 2%, 1% over the limit\"/></testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

}  // namespace
}  // namespace llmload::runtime
