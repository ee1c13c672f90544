// The HTML report's structure and escaping (rendering is checked in Chromium by the
// report_html_browser test).
#include "llmload/report/html_report.hpp"

#include "llmload/report/svg_chart.hpp"
#include "report_fixture.hpp"

#include <gtest/gtest.h>

namespace llmload::report {
namespace {

std::vector<ReportRun> both() {
  std::vector<ReportRun> out;
  for (const char* f : {"synthetic_a.json", "synthetic_b.json"}) {
    auto run = read_report_run(testing::golden_path(f));
    EXPECT_TRUE(run) << run.error().message;
    if (run) out.push_back(std::move(*run));
  }
  return out;
}

std::size_t count_in(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, EveryChartIsThereAndDrawsData) {
  const auto html = html_report(both(), testing::fixed_environment(), {});
  for (const char* id : {"cdf-ttft", "cdf-tpot", "cdf-itl", "cdf-e2el", "spectrum-ttft", "spectrum-e2el",
                         "sweep-latency", "sweep-goodput", "requests-per-s-0", "tokens-per-s-0", "in-flight-0",
                         "ttft-over-time-0", "itl-over-time-0", "cumulative-tokens-0", "timeline-0",
                         "categories-0", "timeline-1"}) {
    EXPECT_NE(html.find(fmt::format("data-name=\"{}\"", id)), std::string::npos) << id;
  }
  EXPECT_EQ(count_in(html, "class=\"chart nodata\""), 0u);
  EXPECT_EQ(count_in(html, "<svg class=\"chart\""), 26u);  // 8 distributions, 2 sweep, 8 per run
  EXPECT_NE(html.find("No server metrics in this result"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // nothing loaded from outside
}

TEST(HtmlReport, PerTargetTableAndChart) {
  auto run = read_report_run(testing::golden_path("synthetic_targets.json"));
  ASSERT_TRUE(run) << run.error().message;
  const auto html = html_report({*run}, testing::fixed_environment(), {});
  EXPECT_NE(html.find("<h3>Per target (not in vLLM)</h3>"), std::string::npos);
  EXPECT_NE(html.find("data-name=\"targets-0\""), std::string::npos);
  EXPECT_NE(html.find("<td>http://10.0.0.2:8000</td>"), std::string::npos);
  EXPECT_EQ(html_report(both(), testing::fixed_environment(), {}).find("Per target"), std::string::npos);
}

// Runs with scored answers: accuracy against the offered rate and per run, and per interval.
TEST(HtmlReport, AccuracyChartsWhenRunsWereScored) {
  auto runs = both();
  ASSERT_EQ(runs.size(), 2u);
  double accuracy = 0.8;
  for (auto& r : runs) {
    AnswerFigures a;
    a.score = "vqa";
    a.scored = 100;
    a.accuracy = accuracy;
    a.per_interval = {{0, 1, 50, 1, 50, accuracy}, {1, 2, 50, 0, 50, accuracy - 0.1}};
    r.answers = a;
    accuracy -= 0.2;
  }
  const auto html = html_report(runs, testing::fixed_environment(), {});
  for (const char* id : {"sweep-accuracy-rate", "sweep-accuracy-runs", "accuracy-over-time-0", "accuracy-over-time-1"}) {
    EXPECT_NE(html.find(fmt::format("data-name=\"{}\"", id)), std::string::npos) << id;
  }
  EXPECT_EQ(count_in(html, "class=\"chart nodata\""), 0u);
  // Without answers none of them is drawn.
  const auto plain = html_report(both(), testing::fixed_environment(), {});
  EXPECT_EQ(plain.find("accuracy"), std::string::npos);
}

TEST(HtmlReport, DistributionsFromPercentilesOnlySaySo) {
  auto runs = both();
  EXPECT_EQ(html_report(runs, testing::fixed_environment(), {}).find("(points: percentiles from the file)"),
            std::string::npos);  // every distribution from samples
  for (auto& r : runs) r.itls_ms.clear();  // as a result saved without --save-detailed
  const auto html = html_report(runs, testing::fixed_environment(), {});
  EXPECT_NE(html.find("ITL CDF (points: percentiles from the file)"), std::string::npos);
  EXPECT_NE(html.find("ITL percentile spectrum (points: percentiles from the file)"), std::string::npos);
  EXPECT_NE(html.find("TTFT CDF<"), std::string::npos);  // the others still from samples
}

TEST(HtmlReport, FileTextIsEscaped) {
  const auto html = html_report(both(), testing::fixed_environment(), {});
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("Qwen2.5-VL-7B&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_EQ(count_in(html, "<script>"), 2u);  // ours: the error capture and the verdict
}

TEST(HtmlReport, TimelineCapsBarsAndSaysSo) {
  std::vector<metrics::RequestTimeline> rows(5000);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].start_ms = static_cast<double>(i);
    rows[i].first_token_ms = rows[i].start_ms + 5;
    rows[i].end_ms = rows[i].start_ms + 20;
    rows[i].outcome = "ok";
  }
  ChartAxes a;
  a.id = "t";
  const auto svg = timeline_chart(a, rows, 1000);
  EXPECT_NE(svg.find("1000 bars for 5000 requests (one request in 5 shown)"), std::string::npos) << svg.substr(0, 600);
  EXPECT_EQ(count_in(svg, "class=\"data ttft\""), 1000u);
}

TEST(HtmlReport, ComparisonPageMarksVerdicts) {
  std::vector<ComparedRun> runs;
  for (auto& r : both()) runs.push_back(r.numbers);
  const auto html = comparison_html(runs, {});
  EXPECT_NE(html.find("<td class=\"worse\">"), std::string::npos);
  EXPECT_NE(html.find("<th>candidate vs baseline</th>"), std::string::npos);
}

TEST(HtmlReport, EscapeCoversQuotes) {
  EXPECT_EQ(html_escape("<a href='x'>\"&"), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;");
}

}  // namespace
}  // namespace llmload::report
