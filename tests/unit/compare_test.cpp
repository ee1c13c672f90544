// llmload compare: rows in vLLM's order, changes against the first run, better/worse by the
// metric's direction, noise from the runs' std (means) or a relative threshold (others).
#include "llmload/report/compare.hpp"

#include "report_fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace llmload::report {
namespace {

ComparedRun run(std::string name, std::vector<std::pair<std::string, double>> values) {
  return ComparedRun{std::move(name), std::move(values)};
}

const ComparedRun kBefore = run("before", {{"completed", 200}, {"failed", 0}, {"duration", 45.2},
                                           {"total_output_tokens", 20000}, {"request_throughput", 4.42},
                                           {"output_throughput", 442.5}, {"mean_ttft_ms", 9000},
                                           {"median_ttft_ms", 8800}, {"std_ttft_ms", 3000},
                                           {"p99_ttft_ms", 15000}, {"mean_itl_ms", 220},
                                           {"std_itl_ms", 40}, {"p99_itl_ms", 400}});
const ComparedRun kAfter = run("after", {{"completed", 200}, {"failed", 0}, {"duration", 30.1},
                                         {"total_output_tokens", 20000}, {"request_throughput", 6.64},
                                         {"output_throughput", 664.5}, {"mean_ttft_ms", 8700},
                                         {"median_ttft_ms", 4000}, {"std_ttft_ms", 3100},
                                         {"p99_ttft_ms", 15300}, {"mean_itl_ms", 150},
                                         {"std_itl_ms", 35}, {"p99_itl_ms", 260}});

TEST(Compare, TextTableGolden) {
  EXPECT_EQ(format_comparison({kBefore, kAfter}, {}, false),
            "Metric                           before   after        after vs before\n"
            "Successful requests                 200     200             +0 (+0.0%)\n"
            "Failed requests                       0       0                     +0\n"
            "Benchmark duration (s)            45.20   30.10        -15.10 (-33.4%)\n"
            "Total generated tokens            20000   20000             +0 (+0.0%)\n"
            "Request throughput (req/s)         4.42    6.64  +2.22 (+50.2%) better\n"
            "Output token throughput (tok/s)  442.50  664.50   +222 (+50.2%) better\n"
            "Mean TTFT (ms)                     9000    8700    -300 (-3.3%) ~noise\n"
            "Median TTFT (ms)                   8800    4000  -4800 (-54.5%) better\n"
            "Std TTFT (ms)                      3000    3100           +100 (+3.3%)\n"
            "P99 TTFT (ms)                     15000   15300    +300 (+2.0%) ~noise\n"
            "Mean ITL (ms)                       220     150    -70 (-31.8%) better\n"
            "Std ITL (ms)                         40      35            -5 (-12.5%)\n"
            "P99 ITL (ms)                        400     260   -140 (-35.0%) better\n"
            "\nChanges are against before. \"~noise\": within run-to-run noise (means: inside the 95% "
            "interval from the runs' std and sample counts; other rows: under 5%).\n");
}

// Accuracy (llmload extension): higher is better, noise from the binomial standard errors;
// degenerate outputs: fewer is better, an exact count.
TEST(Compare, AccuracyAndDegenerateRows) {
  const auto a = run("a", {{"completed", 1000}, {"accuracy", 0.70}, {"accuracy_scored", 1000}, {"degenerate", 3}});
  const auto same = run("b", {{"completed", 1000}, {"accuracy", 0.72}, {"accuracy_scored", 1000}, {"degenerate", 3}});
  const auto worse = run("c", {{"completed", 1000}, {"accuracy", 0.60}, {"accuracy_scored", 1000}, {"degenerate", 9}});
  const auto text = format_comparison({a, same, worse}, {}, false);
  // SE of the difference at 0.70/0.72 over 1000 each: 0.0203; 0.02 < 1.96 SE is noise.
  EXPECT_NE(text.find("Accuracy (not in vLLM)            0.7000  0.7200  0.6000  +0.0200 (+2.9%) ~noise  -0.1000 (-14.3%) worse"),
            std::string::npos) << text;
  EXPECT_NE(text.find("Degenerate outputs (not in vLLM)"), std::string::npos) << text;
  EXPECT_NE(text.find("+6 (+200.0%) worse"), std::string::npos) << text;
  EXPECT_NE(text.find("accuracy: inside the 95% interval from the binomial standard errors"), std::string::npos) << text;
}

TEST(Compare, MarkdownAndWorse) {
  const auto md = format_comparison({kAfter, kBefore}, {}, true);
  EXPECT_TRUE(md.starts_with("| Metric | after | before | before vs after |\n|---|---:|---:|---:|\n")) << md;
  EXPECT_NE(md.find("| Mean ITL (ms) | 150 | 220 | +70 (+46.7%) worse |"), std::string::npos) << md;
}

TEST(Compare, MarkdownEscapesLabelsOfHostileFiles) {
  const auto md = format_comparison({run("a|b\nc", {{"completed", 1}}), run("<img src=x onerror=alert(1)>", {{"completed", 2}})},
                                    {}, true);
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos) << md;
  EXPECT_NE(md.find("a\\|b c"), std::string::npos) << md;
  // Every table line still has as many columns as the header.
  const auto header = md.substr(0, md.find('\n'));
  const auto columns = [](const std::string& line) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < line.size(); ++i) n += line[i] == '|' && (i == 0 || line[i - 1] != '\\') ? 1 : 0;
    return n;
  };
  std::size_t at = 0;
  for (std::size_t nl; (nl = md.find('\n', at)) != std::string::npos && md[at] == '|'; at = nl + 1) {
    EXPECT_EQ(columns(md.substr(at, nl - at)), columns(header)) << md.substr(at, nl - at);
  }
}

TEST(Compare, ReadsResultFilesAndRejectsOthers) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmload-compare-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.json") << R"({"date":"x","label":"run-a","completed":3,"duration":1.5,"request_rate":"inf","mean_ttft_ms":10.5})";
  std::ofstream(dir / "appended.json") << R"({"completed":1,"duration":1})" << "\n" << R"({"completed":2,"duration":2})";
  std::ofstream(dir / "other.json") << R"({"hello":1})";
  auto a = read_compared_run((dir / "a.json").string());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->name, "run-a");
  EXPECT_EQ(a->value("mean_ttft_ms"), 10.5);
  EXPECT_FALSE(a->value("request_rate"));  // strings are not compared
  auto appended = read_compared_run((dir / "appended.json").string());
  ASSERT_TRUE(appended) << appended.error().message;
  EXPECT_EQ(appended->value("completed"), 2.0);  // the last run of an --append-result file
  auto other = read_compared_run((dir / "other.json").string());
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("not a benchmark result"), std::string::npos);
  EXPECT_FALSE(read_compared_run((dir / "missing.json").string()));
  std::filesystem::remove_all(dir);
}

TEST(Compare, MarkdownOfSyntheticRunsGolden) {
  auto a = read_compared_run(testing::golden_path("synthetic_a.json"));
  auto b = read_compared_run(testing::golden_path("synthetic_b.json"));
  ASSERT_TRUE(a && b);
  testing::expect_golden("compare_ab.md", format_comparison({*a, *b}, {}, true));
}

TEST(Compare, TableCarriesTheVerdictOfEachChange) {
  const auto t = comparison_table({kBefore, kAfter}, {});
  ASSERT_EQ(t.header.size(), 4u);
  const auto row = [&](const std::string& label) {
    for (const auto& r : t.rows) {
      if (r[0].text == label) return r;
    }
    return std::vector<ComparisonCell>{};
  };
  EXPECT_EQ(row("Median TTFT (ms)")[3].verdict, Verdict::kBetter);
  EXPECT_EQ(row("Mean TTFT (ms)")[3].verdict, Verdict::kNoise);
  EXPECT_EQ(row("Std TTFT (ms)")[3].verdict, Verdict::kNone);
  EXPECT_EQ(comparison_table({kAfter, kBefore}, {}).rows.back()[3].verdict, Verdict::kWorse);
}

}  // namespace
}  // namespace llmload::report
