// Reading result files back for reports: llmload's per-request rows, vLLM's detailed arrays,
// summary-only files, and clear errors for files that are not results.
#include "llmload/report/result_reader.hpp"

#include "report_fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace llmload::report {
namespace {

using testing::expect_golden;
using testing::synthetic_result;

TEST(ResultReader, SyntheticResultFilesAreGolden) {
  // The committed files are the input of the Markdown/CSV/compare goldens and the browser test.
  expect_golden("synthetic_a.json", synthetic_result(1.0, 20, "baseline"));
  expect_golden("synthetic_b.json", synthetic_result(1.25, 30, "candidate"));
  const auto two = testing::synthetic_run(1.0, 20, "two replicas", 2);
  expect_golden("synthetic_targets.json", result_json(two.summary, two.info, false));
}

TEST(ResultReader, ReadsPerTargetRows) {
  auto run = read_report_run(testing::golden_path("synthetic_targets.json"));
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->targets.size(), 2u);
  const auto& fast = run->targets[0];
  const auto& slow = run->targets[1];
  EXPECT_EQ(fast.url, "http://10.0.0.1:8000");
  EXPECT_EQ(slow.url, "http://10.0.0.2:8000");
  EXPECT_EQ(fast.requests + slow.requests, 240);
  // Failures at i mod 37 == 5: i = 5, 79, 153, 227 on target 1; 42, 116, 190 on target 0.
  EXPECT_EQ(fast.failed, 3);
  EXPECT_EQ(slow.failed, 4);
  ASSERT_EQ(slow.failures.size(), 1u);
  EXPECT_EQ(slow.failures[0].second, 4);
  EXPECT_GT(slow.ttft_p50, fast.ttft_p50 * 1.3);  // target 1 is half as slow again
  EXPECT_GT(slow.itl_p99, fast.itl_p99);
  EXPECT_TRUE(read_report_run(testing::golden_path("synthetic_a.json"))->targets.empty());
}

TEST(ResultReader, ReadsLlmloadRowsAndFigures) {
  auto run = parse_report_run(synthetic_result(1.0, 20, "baseline"), "dir/a.json");
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->name(), "baseline");
  EXPECT_EQ(run->path, "dir/a.json");
  EXPECT_EQ(run->target, "http://127.0.0.1:8000");
  EXPECT_EQ(run->request_rate, 20.0);
  ASSERT_EQ(run->requests.size(), 240u);
  EXPECT_TRUE(run->has_queue_times);
  EXPECT_EQ(run->itls_ms.size(), 240u);
  const auto& r0 = run->requests[0];  // scheduled at the origin, queued 30 ms (i % 7 == 0)
  EXPECT_DOUBLE_EQ(r0.scheduled_ms, 0.0);
  EXPECT_DOUBLE_EQ(r0.dispatch_ms, 0.2);
  EXPECT_DOUBLE_EQ(r0.start_ms, 30.2);
  EXPECT_DOUBLE_EQ(r0.first_token_ms, 70.2);
  EXPECT_EQ(r0.outcome, "ok");
  EXPECT_EQ(r0.category, "ocr");
  EXPECT_EQ(r0.input_tokens, 120);
  EXPECT_EQ(r0.output_tokens, 20);
  EXPECT_EQ(r0.chunks, 20);
  EXPECT_EQ(run->requests[5].outcome, "http_status");
  EXPECT_TRUE(std::isnan(run->requests[5].first_token_ms));
  ASSERT_EQ(run->categories.size(), 3u);
  EXPECT_EQ(run->categories[0].category, "captioning");
  EXPECT_GT(run->categories[0].ttft_p99, 0);
  ASSERT_TRUE(run->ttft.median);
  EXPECT_EQ(run->ttft.percentiles.size(), 3u);  // p50, p90, p99
  EXPECT_TRUE(run->notes.empty());
}

TEST(ResultReader, RebuildsRequestsFromVllmDetailedArrays) {
  const std::string vllm =
      R"({"date":"20250101-000000","backend":"vllm","model_id":"m","completed":2,"failed":1,"duration":2.0,)"
      R"("input_lens":[10,11,12],"output_lens":[3,0,2],"ttfts":[0.1,0.0,0.2],"itls":[[0.05,0.05],[],[0.1]],)"
      R"("start_times":[0.0,0.5,1.0],"generated_texts":["a","","b"],"errors":["","boom",""],"median_ttft_ms":150})";
  auto run = parse_report_run(vllm, "vllm.json");
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->requests.size(), 3u);
  EXPECT_FALSE(run->has_queue_times);
  EXPECT_DOUBLE_EQ(run->requests[0].first_token_ms, 100.0);
  EXPECT_DOUBLE_EQ(run->requests[0].end_ms, 200.0);
  EXPECT_EQ(run->requests[0].chunks, 3);
  EXPECT_EQ(run->requests[1].outcome, "failed");
  EXPECT_DOUBLE_EQ(run->requests[2].end_ms, 1300.0);
  EXPECT_EQ(run->generated_texts.size(), 3u);
  EXPECT_EQ(run->ttft.median, 150.0);
  EXPECT_TRUE(run->notes.empty());
}

TEST(ResultReader, SummaryOnlyFileKeepsFiguresAndSaysWhatIsMissing) {
  auto run = parse_report_run(R"({"completed":5,"duration":1.0,"mean_ttft_ms":12,"p99_ttft_ms":30})", "s.json");
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->requests.empty());
  EXPECT_EQ(run->ttft.percentiles.size(), 1u);
  ASSERT_EQ(run->notes.size(), 2u);
  EXPECT_NE(run->notes[0].find("no per-request data"), std::string::npos);
}

TEST(ResultReader, ErrorsNameTheFile) {
  auto not_json = parse_report_run("hello", "notes.txt");
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.error().message.find("notes.txt: not valid JSON"), std::string::npos);
  auto other = parse_report_run(R"({"name":"package"})", "package.json");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("package.json: not a benchmark result"), std::string::npos);
  auto damaged = parse_report_run(R"({"completed":1,"duration":1,"llmload":{"requests":[[1,2]]}})", "d.json");
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message.find("d.json: llmload.requests[0] has 2 fields"), std::string::npos);
  auto missing = read_report_run("/nonexistent/llmload/r.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/llmload/r.json: cannot open"), std::string::npos);
}

TEST(ResultReader, RequestRowsOnlyUpToTheLimitUnlessDetailed) {
  metrics::RunSummary s;
  s.timelines.resize(kRequestRowsAlwaysUpTo + 1);
  RunInfo info;
  EXPECT_EQ(result_json(s, info, false).find("\"requests\""), std::string::npos);
  EXPECT_NE(result_json(s, info, true).find("\"requests\""), std::string::npos);
  s.timelines.resize(kRequestRowsAlwaysUpTo);
  EXPECT_NE(result_json(s, info, false).find("\"requests\""), std::string::npos);
}

}  // namespace
}  // namespace llmload::report
