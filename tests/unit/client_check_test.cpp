// The client self-check's verdict on the figures a run measured, and what it does to SLOs.
#include "llmload/app/slo.hpp"
#include "llmload/metrics/client_check.hpp"

#include <gtest/gtest.h>

namespace llmload::metrics {
namespace {

SampleStats stats(double p99, double max) {
  SampleStats s;
  s.count = 100;
  s.max = max;
  s.percentiles = {{50, p99 / 2}, {99, p99}};
  return s;
}

TEST(ClientCheck, FiguresUnderTheLimitsPass) {
  const auto c = check_client(stats(0.4, 3), stats(0.2, 1.5), stats(4.9, 99));
  EXPECT_TRUE(c.checked);
  EXPECT_FALSE(c.saturated);
  EXPECT_TRUE(c.findings.empty());
}

TEST(ClientCheck, AnyFigureOverItsP99OrMaxLimitSaturates) {
  const auto c = check_client(stats(7.5, 20), stats(1, 250), SampleStats{});
  EXPECT_TRUE(c.saturated);
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_EQ(c.findings[0].figure, "schedule lag");
  EXPECT_EQ(c.findings[0].text, "schedule lag p99 7.50 ms (limit 5 ms)");
  EXPECT_EQ(c.findings[1].text, "event-loop delay max 250.00 ms (limit 100 ms)");
}

TEST(ClientCheck, NoFiguresMeansNotChecked) {
  const auto c = check_client(SampleStats{}, SampleStats{}, SampleStats{});
  EXPECT_FALSE(c.checked);
  EXPECT_FALSE(c.saturated);
}

TEST(ClientCheck, LatencySlosFailOnASaturatedClientUnlessAllowed) {
  const auto check = check_client(stats(9, 9), SampleStats{}, SampleStats{});
  config::ProfileSlo ttft;
  ttft.metric = "ttft";
  config::ProfileSlo errors;
  errors.metric = "error_rate";
  app::SloVerdict passed;
  passed.passed = true;
  passed.detail = "measured 10 ms";
  const auto distrusted = app::distrust_if_saturated(passed, ttft, check, false);
  EXPECT_FALSE(distrusted.passed);
  EXPECT_NE(distrusted.detail.find("not trusted: the client was saturated (schedule lag p99 9.00 ms"), std::string::npos);
  EXPECT_TRUE(app::distrust_if_saturated(passed, ttft, check, true).passed);
  EXPECT_TRUE(app::distrust_if_saturated(passed, errors, check, false).passed);  // not a latency
  EXPECT_TRUE(app::distrust_if_saturated(passed, ttft, check_client(stats(1, 1), {}, {}), false).passed);
}

}  // namespace
}  // namespace llmload::metrics
