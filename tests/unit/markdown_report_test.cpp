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

TEST(MarkdownReport, ScenariosGolden) {
  const auto md = markdown_report(runs({"synthetic_a.json", "synthetic_b.json"}), testing::fixed_environment());
  EXPECT_NE(md.find("### 3.2 Scenarios"), std::string::npos);
  testing::expect_golden("report_ab.md", md);
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
