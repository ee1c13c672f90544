#include "llmload/metrics/category_breakdown.hpp"

#include <gtest/gtest.h>

namespace llmload::metrics {
namespace {

TEST(CategoryBreakdown, CountsCompletedAndFailedPerLabel) {
  std::vector<workload::RequestSpec> specs(5);
  specs[0].category = "ocr";
  specs[1].category = "code";
  specs[2].category = "ocr";
  specs[4].category = "captioning";
  std::vector<RequestRecord> records(5);
  for (std::uint32_t i = 0; i < 5; ++i) records[i].index = 4 - i;  // any order
  records[2].outcome = Outcome::kHttpStatus;                          // index 2: ocr, failed
  const auto c = category_breakdown(records, specs);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].category, "captioning");
  EXPECT_EQ(c[0].completed, 1);
  EXPECT_EQ(c[1].category, "code");
  EXPECT_EQ(c[2].category, "ocr");
  EXPECT_EQ(c[2].completed, 1);
  EXPECT_EQ(c[2].failed, 1);
  EXPECT_TRUE(category_breakdown(records, std::vector<workload::RequestSpec>(5)).empty());
}

}  // namespace
}  // namespace llmload::metrics
