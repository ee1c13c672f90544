// `llmload report`, `bench --report` and `compare --md/--html` as a user runs them: files
// written where promised, rows for every request, clear errors for files that are not results.
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace llmload {
namespace {

using testing_support::slurp;

class ReportCli : public testing_support::CliTest {
 protected:
  ReportCli() : CliTest("llmload-report") {}
  static std::string data(const char* name) { return std::string(LLMLOAD_TEST_DATA_DIR) + "/report/" + name; }
};

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST_F(ReportCli, BenchWritesReportsBesideTheResult) {
  const auto r = run("bench --num-prompts 30 --request-rate 50 --max-concurrency 4 --sim-ttft-ms 5 "
                     "--sim-itl-ms 2 --random-output-len 8 --save-result --save-detailed --result-dir " +
                     dir_.string() + " --result-filename run.json --report html,md,csv --disable-tqdm");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"run.json", "run.html", "run.md", "run.csv", "run.intervals.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ / f)) << f << "\n" << r.err;
    EXPECT_NE(r.err.find(f), std::string::npos) << f;
  }
  EXPECT_EQ(lines(slurp(dir_ / "run.csv")), 31u);  // header + 30 requests
  EXPECT_NE(slurp(dir_ / "run.md").find("| Successful requests | 30 |"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "run.html").find("data-name=\"timeline-0\""), std::string::npos);
  // The JSON rows say the client queue (max concurrency 4) happened.
  EXPECT_NE(slurp(dir_ / "run.json").find("\"request_fields\":[\"scheduled_ms\""), std::string::npos);
}

TEST_F(ReportCli, ReportAndCompareFromFiles) {
  const std::string a = data("synthetic_a.json"), b = data("synthetic_b.json");
  auto r = run("report " + a + " " + b + " --md " + (dir_ / "r.md").string() + " --csv " + (dir_ / "r.csv").string() +
               " --interval 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(slurp(dir_ / "r.csv")), 481u);  // header + 240 requests of each run
  EXPECT_NE(slurp(dir_ / "r.intervals.csv").find("baseline,2.000,4.000,"), std::string::npos);
  r = run("compare " + a + " " + b + " --md " + (dir_ / "c.md").string() + " --html " + (dir_ / "c.html").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(slurp(dir_ / "c.md"), slurp(data("compare_ab.md")));
  EXPECT_NE(slurp(dir_ / "c.html").find("class=\"worse\""), std::string::npos);
  r = run("compare --md " + a + " " + b);  // the old flag form: Markdown on stdout
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(data("compare_ab.md")));
}

TEST_F(ReportCli, RunWritesStageReportsAndOneOfAllStages) {
  std::ofstream(dir_ / "p.yaml") << R"(workload: {input_len: 8, output_len: 4}
load:
  stages:
    - {name: slow, rate: 100/s, requests: 6}
    - {name: fast, rate: 400/s, requests: 6}
outputs: {dir: )" << (dir_ / "out").string() << R"(, formats: [json, md, csv], interval: 1s}
)";
  const auto r = run("run " + (dir_ / "p.yaml").string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* f : {"01-01-slow.md", "01-02-fast.csv", "01-02-fast.intervals.csv", "report.md", "report.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / f)) << f;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out" / "report.html"));  // not asked for
  const auto md = slurp(dir_ / "out" / "report.md");
  EXPECT_NE(md.find("### 3.2 Scenarios"), std::string::npos) << md;
  EXPECT_NE(md.find("| slow | 6 / 0 | 100 |"), std::string::npos) << md;
  EXPECT_EQ(lines(slurp(dir_ / "out" / "report.csv")), 13u);  // header + 6 + 6
}

TEST_F(ReportCli, NotAResultIsAUsageErrorNamingTheFile) {
  const auto other = dir_ / "package.json";
  std::ofstream(other) << R"({"name":"x"})";
  auto r = run("report " + other.string() + " --html " + (dir_ / "x.html").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(other.string() + ": not a benchmark result"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x.html"));
  r = run("report " + data("synthetic_a.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("name at least one output"), std::string::npos) << r.err;
  r = run("bench --num-prompts 1 --report pdf");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--report pdf: unknown format 'pdf'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace llmload
