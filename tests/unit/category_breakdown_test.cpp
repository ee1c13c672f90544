#include "llmload/metrics/category_breakdown.hpp"

#include <gtest/gtest.h>

namespace llmload::metrics {
namespace {

// A --duration run sends a pool of specs in turn: request k carries spec k % pool.
TEST(CategoryBreakdown, RequestsBeyondThePoolCountUnderTheirSpecsCategory) {
  std::vector<workload::RequestSpec> specs(2);
  specs[0].category = "ocr";
  specs[1].category = "code";
  std::vector<RequestRecord> records(6);
  for (std::uint32_t i = 0; i < 6; ++i) {
    records[i].index = i;
    records[i].start_ns = 1'000'000;
    records[i].chunk_ns = {3'000'000};
  }
  const auto c = category_breakdown(records, specs);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].category, "code");
  EXPECT_EQ(c[0].completed, 3);
  EXPECT_EQ(c[1].category, "ocr");
  EXPECT_EQ(c[1].completed, 3);
}

TEST(CategoryBreakdown, CountsCompletedAndFailedPerLabel) {
  std::vector<workload::RequestSpec> specs(5);
  specs[0].category = "ocr";
  specs[1].category = "code";
  specs[2].category = "ocr";
  specs[4].category = "captioning";
  std::vector<RequestRecord> records(5);
  for (std::uint32_t i = 0; i < 5; ++i) records[i].index = 4 - i;  // any order
  records[2].outcome = Outcome::kHttpStatus;                          // index 2: ocr, failed
  for (auto& r : records) {
    r.start_ns = 1'000'000;
    r.chunk_ns = {3'000'000, 4'000'000, 11'000'000};  // TTFT 2 ms, E2EL 10 ms
    r.usage_prompt_tokens = 7;
    r.dataset_prompt_len = 5;
  }
  records[0].usage_prompt_tokens = -1;  // index 4 (captioning): dataset count, 5
  records[0].usage_completion_tokens = 9;
  const auto c = category_breakdown(records, specs);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].category, "captioning");
  EXPECT_EQ(c[0].completed, 1);
  EXPECT_EQ(c[0].input_tokens, 5);
  EXPECT_EQ(c[0].output_tokens, 9);
  EXPECT_EQ(c[1].output_tokens, 3);  // token chunks without usage
  EXPECT_EQ(c[1].input_tokens, 7);
  EXPECT_DOUBLE_EQ(c[1].ttft_ms.mean, 2.0);
  EXPECT_DOUBLE_EQ(c[1].e2el_ms.median, 10.0);
  EXPECT_EQ(c[2].ttft_ms.count, 1u);  // the failed one has no sample
  EXPECT_EQ(c[1].category, "code");
  EXPECT_EQ(c[2].category, "ocr");
  EXPECT_EQ(c[2].completed, 1);
  EXPECT_EQ(c[2].failed, 1);
  EXPECT_TRUE(category_breakdown(records, std::vector<workload::RequestSpec>(5)).empty());
}

}  // namespace
}  // namespace llmload::metrics
