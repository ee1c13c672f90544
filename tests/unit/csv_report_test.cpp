// CSV reports against golden files built from the fixed synthetic run.
#include "llmload/report/csv_report.hpp"

#include "report_fixture.hpp"

#include <gtest/gtest.h>

namespace llmload::report {
namespace {

ReportRun synthetic_run() {
  auto run = parse_report_run(testing::synthetic_result(1.0, 20, "baseline"), "synthetic_a.json");
  EXPECT_TRUE(run) << run.error().message;
  return *run;
}

TEST(CsvReport, RequestsGolden) {
  const std::string csv = requests_csv({synthetic_run()});
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 241);  // header + one row per request
  testing::expect_golden("requests_a.csv", csv);
}

TEST(CsvReport, IntervalsGolden) {
  testing::expect_golden("intervals_a.csv", intervals_csv({synthetic_run()}, 1.0));
}

TEST(CsvReport, CellsAreQuotedWhenNeeded) {
  EXPECT_EQ(csv_cell("plain"), "plain");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
}

TEST(CsvReport, CellsThatReadAsFormulasAreNeutralised) {
  // OWASP's CSV injection advice: a leading quote inside a quoted cell.
  EXPECT_EQ(csv_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_cell("+1+cmd|' /C calc'!A0"), "\"'+1+cmd|' /C calc'!A0\"");
  EXPECT_EQ(csv_cell("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(csv_cell("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(csv_cell("a=1"), "a=1");
}

}  // namespace
}  // namespace llmload::report
