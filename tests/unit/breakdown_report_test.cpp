// The latency breakdown from the server's traces in the reports (issue 13): per workload
// category on the console and in the result, each interval's part means (filled in after the
// run, by each request's last chunk), the HTML report's table and stacked charts, the Markdown
// tables and the intervals CSV's columns.
#include "llmload/report/breakdown_report.hpp"

#include "llmload/report/csv_report.hpp"
#include "llmload/report/html_report.hpp"
#include "llmload/report/report_run.hpp"
#include "report_fixture.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace llmload::report {
namespace {

using testing::synthetic_breakdown;
using testing::synthetic_run;

constexpr auto kQueue = static_cast<std::size_t>(otlp::Part::kServerQueue);

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// The report view of the synthetic run with its breakdown, as `llmload bench` builds it.
ReportRun traced_view(int intervals = 3) {
  auto run = synthetic_run(1.0, 20, "traced");
  const auto breakdown = synthetic_breakdown(run, intervals);
  run.info.server_breakdown_json = breakdown_json(breakdown);
  return report_run_of(
      {.summary = run.summary, .info = run.info, .breakdown = &breakdown, .save_detailed = true, .path = "traced.json"});
}

TEST(OtlpCategories, EachCategoryGetsItsJoinedRequestsParts) {
  otlp::Breakdown b;
  otlp::PartValues p;
  p.fill(NAN);
  b.per_request.resize(5);
  for (std::size_t i : {0u, 1u, 2u, 4u}) {
    p[kQueue] = static_cast<double>(i);
    b.per_request[i] = p;
  }
  const std::vector<std::string> categories = {"ocr", "chart", "ocr", "chart", ""};
  otlp::add_categories(b, categories);
  ASSERT_EQ(b.per_category.size(), 2u);  // by name; request 4 has none, request 3 no span
  EXPECT_EQ(b.per_category[0].category, "chart");
  EXPECT_EQ(b.per_category[0].requests_joined, 1);
  EXPECT_EQ(b.per_category[0].stats[kQueue].mean, 1.0);
  EXPECT_EQ(b.per_category[1].category, "ocr");
  EXPECT_EQ(b.per_category[1].requests_joined, 2);
  EXPECT_EQ(b.per_category[1].stats[kQueue].mean, 1.0);  // (0 + 2) / 2
  EXPECT_EQ(b.per_category[1].stats[static_cast<std::size_t>(otlp::Part::kPrefill)].count, 0u);
  otlp::add_categories(b, std::vector<std::string>(5));
  EXPECT_TRUE(b.per_category.empty());  // a workload without categories
}

TEST(BreakdownReport, PerCategoryOnTheConsoleAndInTheResult) {
  auto run = synthetic_run(1.0, 20, "traced");
  const auto b = synthetic_breakdown(run);
  ASSERT_EQ(b.per_category.size(), 3u);
  const std::string text = format_breakdown(b);
  EXPECT_NE(text.find("Per category, mean (ms):"), std::string::npos) << text;
  const auto& ocr = b.per_category[2];
  ASSERT_EQ(ocr.category, "ocr");
  EXPECT_NE(text.find(fmt::format("{:<12}{:>6} {:>7.1f}", "ocr", ocr.requests_joined, ocr.stats[kQueue].mean)),
            std::string::npos)
      << text;
  const std::string json = breakdown_json(b);
  EXPECT_NE(json.find(fmt::format("\"per_category\":{{\"captioning\":{{\"requests_joined\":{}",
                                  b.per_category[0].requests_joined)),
            std::string::npos)
      << json;
  auto parsed = parse_report_run(
      "{\"completed\":1,\"duration\":1,\"llmload\":{\"server_breakdown\":" + json + "}}", "r.json");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(parsed->breakdown);
  ASSERT_EQ(parsed->breakdown->per_category.size(), 3u);
  const auto* queue = find_part(parsed->breakdown->per_category[2].parts, "server_queue_ms");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->mean, ocr.stats[kQueue].mean);
  EXPECT_EQ(queue->count, static_cast<std::int64_t>(ocr.stats[kQueue].count));
}

TEST(BreakdownReport, IntervalsCarryThePartMeansOfTheRequestsThatEndedInThem) {
  auto run = synthetic_run(1.0, 20, "traced");
  const auto b = synthetic_breakdown(run, 2);  // 0-4 s and 4-8 s; later requests count in the last
  const auto& s = run.summary;
  ASSERT_EQ(s.interval_extra_fields.size(), otlp::kPartCount);
  EXPECT_EQ(s.interval_extra_fields[kQueue], "mean_server_queue_ms");
  double sums[2] = {0, 0};
  int counts[2] = {0, 0};
  for (std::size_t i = 0; i < s.timelines.size(); ++i) {
    if (!b.per_request[i]) continue;
    const int at = s.timelines[i].end_ms < 4000.0 ? 0 : 1;
    sums[at] += (*b.per_request[i])[kQueue];
    ++counts[at];
  }
  ASSERT_GT(counts[0], 0);
  ASSERT_GT(counts[1], 0);
  EXPECT_NEAR(s.per_interval[0].extra[kQueue], sums[0] / counts[0], 1e-9);
  EXPECT_NEAR(s.per_interval[1].extra[kQueue], sums[1] / counts[1], 1e-9);
  const std::string json = result_json(run.summary, run.info, false);
  EXPECT_EQ(count(json, "\"mean_server_queue_ms\":"), 2u);

  // An interval no joined request ended in holds null (NaN), not 0.
  auto empty = synthetic_run(1.0, 20, "traced");
  empty.summary.per_interval.push_back({0.0, 0.001, 0, 0, 0, 0, 0, 0, 0, {}});
  const auto b2 = synthetic_breakdown(empty, 1);
  EXPECT_TRUE(std::isnan(empty.summary.per_interval[0].extra[kQueue]));
  EXPECT_FALSE(std::isnan(empty.summary.per_interval[1].extra[kQueue]));
  EXPECT_NE(result_json(empty.summary, empty.info, false).find("\"mean_server_queue_ms\":null"), std::string::npos);
}

TEST(BreakdownReport, HtmlHasTheTableAndStackedCharts) {
  const auto html = html_report({traced_view()}, testing::fixed_environment(), {});
  EXPECT_NE(html.find("<h3>Latency breakdown (server traces, not in vLLM)</h3>"), std::string::npos);
  for (const char* id : {"breakdown-0", "breakdown-categories-0", "breakdown-requests-0", "breakdown-timeline-0"}) {
    const auto at = html.find(fmt::format("data-name=\"{}\"", id));
    ASSERT_NE(at, std::string::npos) << id;
    const auto end = html.find("</svg>", at);
    EXPECT_GT(count(html.substr(at, end - at), "<rect class=\"data\""), 3u) << id;
  }
  EXPECT_EQ(count(html, "class=\"chart nodata\""), 0u);
  EXPECT_NE(html.find("<td>Server queue</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>Prefill mean (ms)</th>"), std::string::npos);
  EXPECT_NE(html.find(" joined requests (one in "), std::string::npos);  // the sample says what it shows
  // Without a breakdown: no section.
  const auto plain = html_report({report_run_of({.summary = synthetic_run(1.0, 20, "x").summary,
                                                 .info = synthetic_run(1.0, 20, "x").info,
                                                 .path = "x.json"})},
                                 testing::fixed_environment(), {});
  EXPECT_EQ(plain.find("Latency breakdown"), std::string::npos);
}

TEST(BreakdownReport, MarkdownHasThePartsAndCategoryTables) {
  const auto view = traced_view();
  const auto md = markdown_report({view}, testing::fixed_environment());
  EXPECT_NE(md.find("### 3.3 Latency breakdown (server traces, not in vLLM)"), std::string::npos) << md;
  EXPECT_NE(md.find(fmt::format("Requests joined / sent: {} / 240", view.breakdown->requests_joined)), std::string::npos);
  EXPECT_NE(md.find("| Part (ms) | Mean | Median | P99 | Requests |"), std::string::npos);
  const auto* queue = find_part(view.breakdown->parts, "server_queue_ms");
  ASSERT_NE(queue, nullptr);
  EXPECT_NE(md.find(fmt::format("| Server queue | {:.2f} | {:.2f} | {:.2f} | {} |", queue->mean, queue->median,
                                queue->p99, queue->count)),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| Category | Joined | Server queue mean (ms) |"), std::string::npos);
  EXPECT_NE(md.find("| diagram |"), std::string::npos);
}

TEST(BreakdownReport, IntervalsCsvHasAMeanColumnPerPart) {
  const auto view = traced_view();
  const std::string csv = intervals_csv({view}, 4.0);
  const auto header = csv.substr(0, csv.find('\n'));
  EXPECT_NE(header.find(",mean_server_queue_ms,"), std::string::npos) << header;
  // First interval: the mean server queue of the joined requests that ended before 4 s.
  double sum = 0;
  int n = 0;
  const std::size_t c = 3;  // server_queue_ms among the row columns
  ASSERT_EQ(view.request_extra_fields[c], "server_queue_ms");
  for (const auto& t : view.requests) {
    if (t.extra.size() > c && !std::isnan(t.extra[c]) && t.end_ms < 4000.0) sum += t.extra[c], ++n;
  }
  ASSERT_GT(n, 0);
  const auto line = csv.substr(header.size() + 1, csv.find('\n', header.size() + 1) - header.size() - 1);
  std::vector<std::string> cells;
  for (std::size_t from = 0;;) {
    const auto comma = line.find(',', from);
    cells.push_back(line.substr(from, comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  ASSERT_EQ(cells.size(), 15u + otlp::kPartCount);
  EXPECT_EQ(cells[15 + c], fmt::format("{:.3f}", sum / n)) << line;
}

}  // namespace
}  // namespace llmload::report
