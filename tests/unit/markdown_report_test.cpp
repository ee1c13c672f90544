// The Markdown report (environment, resources, results, examples, limits) against a golden
// file, and its escaping.
#include "llmload/report/markdown_report.hpp"

#include "report_fixture.hpp"

#include <gtest/gtest.h>

namespace llmload::report {
namespace {

std::vector<ReportRun> runs(std::initializer_list<std::string> files) {
  std::vector<ReportRun> out;
  for (const auto& f : files) {
    auto run = read_report_run(testing::golden_path(f));
    EXPECT_TRUE(run) << run.error().message;
    if (run) out.push_back(std::move(*run));
  }
  return out;
}

TEST(MarkdownReport, SingleRunGolden) {
  testing::expect_golden("report_a.md", markdown_report(runs({"synthetic_a.json"}), testing::fixed_environment()));
}

TEST(MarkdownReport, PerTargetRowsGolden) {
  const auto md = markdown_report(runs({"synthetic_targets.json"}), testing::fixed_environment());
  EXPECT_NE(md.find("### 3.3 Per target (not in vLLM)"), std::string::npos);
  EXPECT_NE(md.find("| http://10.0.0.2:8000 | 120 | 116 | 4 | http_status 4 |"), std::string::npos) << md;
  testing::expect_golden("report_targets.md", md);
  const auto one = markdown_report(runs({"synthetic_a.json"}), testing::fixed_environment());
  EXPECT_EQ(one.find("Per target"), std::string::npos);  // one target: no such table
}

TEST(MarkdownReport, ScenariosGolden) {
  const auto md = markdown_report(runs({"synthetic_a.json", "synthetic_b.json"}), testing::fixed_environment());
  EXPECT_NE(md.find("### 3.2 Scenarios"), std::string::npos);
  testing::expect_golden("report_ab.md", md);
}

// Runs whose results carry llmload.accuracy get accuracy and degenerate columns in the
// scenario table; the result reader keeps the figures, per interval too.
TEST(MarkdownReport, ScenarioTableShowsAccuracyWhenScored) {
  auto scored = parse_report_run(
      R"({"completed": 10, "failed": 0, "duration": 1.0, "output_throughput": 5.0, "llmload": {)"
      R"("accuracy": {"score": "vqa", "scored": 10, "accuracy": 0.7, "per_category": {"a": {"scored": 10, "accuracy": 0.7}},)"
      R"("per_request": [], "per_interval": [{"start_s": 0, "end_s": 1, "scored": 10, "accuracy": 0.7, "checked": 10, "degenerate": 1},)"
      R"({"start_s": 1, "end_s": 2, "scored": 0, "accuracy": null, "checked": 0, "degenerate": 0}]},)"
      R"("degenerate": {"checked": 10, "empty": 1, "length_capped": 0, "repetition_loop": 0, "any": 1}}})",
      "scored.json");
  ASSERT_TRUE(scored) << scored.error().message;
  ASSERT_TRUE(scored->answers.has_value());
  EXPECT_EQ(scored->answers->score, "vqa");
  EXPECT_DOUBLE_EQ(scored->answers->accuracy.value_or(0), 0.7);
  ASSERT_EQ(scored->answers->per_interval.size(), 2u);
  EXPECT_FALSE(scored->answers->per_interval[1].accuracy.has_value());
  EXPECT_EQ(scored->answers->per_category.size(), 1u);
  EXPECT_DOUBLE_EQ(scored->numbers.value("accuracy").value_or(0), 0.7);
  EXPECT_DOUBLE_EQ(scored->numbers.value("degenerate").value_or(0), 1);
  auto plain = parse_report_run(R"({"completed": 10, "failed": 0, "duration": 1.0})", "plain.json");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->answers.has_value());
  const auto md = markdown_report({*scored, *plain}, testing::fixed_environment());
  EXPECT_NE(md.find("| Accuracy (not in vLLM) | Degenerate / checked (not in vLLM) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.7000 (10 scored) | 1 / 10 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| - | - |"), std::string::npos) << md;
}

TEST(MarkdownReport, TextFromTheFileCannotBreakOut) {
  const auto md = markdown_report(runs({"synthetic_a.json"}), testing::fixed_environment());
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_NE(md.find("Qwen/Qwen2.5-VL-7B&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  // The example holding ``` is fenced with four backticks.
  EXPECT_NE(md.find("````\n<script>alert(\"x\")</script> | a pipe\n```\nnot a fence\n```\n````\n"), std::string::npos);
}

TEST(MarkdownReport, ShortensAtCharacterBoundaries) {
  EXPECT_EQ(shorten_utf8("abc", 5), "abc");
  EXPECT_EQ(shorten_utf8("h\xC3\xA9llo", 2), "h…");  // never half of é
}

TEST(MarkdownReport, LocalEnvironmentIsFilledIn) {
  const auto env = local_environment();
  EXPECT_FALSE(env.host.empty());
  EXPECT_FALSE(env.os.empty());
  EXPECT_FALSE(env.llmload_version.empty());
}

}  // namespace
}  // namespace llmload::report
