// Throughput over time as it streamed: streams several intervals long, so that the first
// intervals see tokens arrive and no request finish. The interval console line, the result's
// "intervals" series, the report's intervals CSV and the HTML chart's first point must all
// give the output tokens whose chunk stamps (the saved rows and itls) fall in the interval.
#include "cli_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace llmload {
namespace {

namespace fs = std::filesystem;
using testing_support::slurp;

class IntervalArrivals : public testing_support::CliTest {
 protected:
  IntervalArrivals() : CliTest("llmload-arrivals") {}
};

double number(const boost::json::value& v) { return v.is_double() ? v.as_double() : static_cast<double>(v.as_int64()); }

/// Output tokens whose chunks arrived in [from_ms, to_ms), from the result's rows (first token
/// offset) and vLLM's itls (the gaps after it): each chunk carries output tokens / chunks.
double tokens_by_stamps(const boost::json::object& result, double from_ms, double to_ms) {
  const auto& x = result.at("llmload").as_object();
  const auto& fields = x.at("request_fields").as_array();
  std::size_t first = fields.size(), output = fields.size(), outcome = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].as_string() == "first_token_ms") first = i;
    if (fields[i].as_string() == "output_tokens") output = i;
    if (fields[i].as_string() == "outcome") outcome = i;
  }
  const auto& rows = x.at("requests").as_array();
  const auto& itls = result.at("itls").as_array();
  EXPECT_EQ(rows.size(), itls.size());
  double tokens = 0;
  for (std::size_t r = 0; r < rows.size() && r < itls.size(); ++r) {
    const auto& row = rows[r].as_array();
    if (row.at(outcome).as_string() != "ok") continue;
    const auto& gaps = itls[r].as_array();
    const double per_chunk = number(row.at(output)) / static_cast<double>(gaps.size() + 1);
    double at = number(row.at(first));
    tokens += at >= from_ms && at < to_ms ? per_chunk : 0;
    for (const auto& gap : gaps) {
      at += number(gap) * 1000.0;
      tokens += at >= from_ms && at < to_ms ? per_chunk : 0;
    }
  }
  return tokens;
}

TEST_F(IntervalArrivals, FirstIntervalOfLongStreamsAgreesWithTheChunkStamps) {
  // 40 streams of 60 tokens 50 ms apart (3 s each, six 0.5 s intervals) arriving over 2 s.
  const auto r = run("bench --num-prompts 40 --request-rate 20 --seed 3 --random-input-len 8 "
                     "--random-output-len 60 --sim-ttft-ms 20 --sim-itl-ms 50 --interval 0.5 --disable-tqdm "
                     "--scrape-interval 0 --save-result --save-detailed --result-dir " + dir_.string() +
                     " --result-filename r.json --report html,csv --report-interval 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto result = boost::json::parse(slurp(dir_ / "r.json")).as_object();
  ASSERT_EQ(result.at("completed").as_int64(), 40);
  const double stamps = tokens_by_stamps(result, 0, 500);
  ASSERT_GT(stamps, 10) << "tokens must stream in the first interval";

  // The console's interval line: tokens/s as they arrived, beside the completion-based figure
  // (no request has finished yet: 0).
  std::smatch m;
  const std::regex line(R"(\[interval\]\s+0\.0s-0\.5s  ok 0 failed 0  0\.00 req/s  ([0-9.]+) tok/s \(0\.0 completed\))");
  ASSERT_TRUE(std::regex_search(r.err, m, line)) << r.err;
  const double console = std::stod(m[1].str()) * 0.5;
  EXPECT_NEAR(console, stamps, 0.01 * stamps) << r.err;

  // The result's interval series.
  const auto& intervals = result.at("llmload").at("intervals").as_object();
  EXPECT_EQ(number(intervals.at("interval_s")), 0.5);
  const auto& per = intervals.at("per_interval").as_array();
  ASSERT_GE(per.size(), 6u);
  const auto& i0 = per[0].as_object();
  EXPECT_EQ(i0.at("completed").as_int64(), 0);
  EXPECT_EQ(i0.at("completed_output_tokens").as_int64(), 0);
  EXPECT_NEAR(number(i0.at("output_tokens")), stamps, 0.01 * stamps);
  EXPECT_NEAR(number(i0.at("output_throughput")) * 0.5, stamps, 0.01 * stamps);
  // Every interval agrees with the stamps, and the series adds up to the run's output tokens.
  std::int64_t arrived = 0, completed = 0, checked = 0, degenerate = 0;
  for (const auto& v : per) {
    const auto& i = v.as_object();
    const double from = number(i.at("start_s")) * 1000, to = number(i.at("end_s")) * 1000;
    const double expected = tokens_by_stamps(result, from, &v == &per.back() ? 1e12 : to);
    EXPECT_NEAR(number(i.at("output_tokens")), expected, std::max(1.0, 0.01 * expected)) << from;
    arrived += i.at("output_tokens").as_int64();
    completed += i.at("completed_output_tokens").as_int64();
    checked += i.at("checked").as_int64();
    degenerate += i.at("degenerate").as_int64();
  }
  EXPECT_EQ(arrived, result.at("total_output_tokens").as_int64());
  EXPECT_EQ(completed, result.at("total_output_tokens").as_int64());
  // Degenerate answers per interval without any scoring (the texts are kept): every answer
  // was checked, and the per-interval counts add up to the run's.
  EXPECT_EQ(result.at("llmload").as_object().if_contains("accuracy"), nullptr);
  EXPECT_EQ(checked, 40);
  EXPECT_EQ(degenerate, result.at("llmload").at("degenerate").at("any").as_int64());

  // The report's intervals CSV takes the run's series (same width): its first row.
  std::stringstream csv(slurp(dir_ / "r.intervals.csv"));
  std::string header, row0;
  std::getline(csv, header);
  std::getline(csv, row0);
  ASSERT_TRUE(header.ends_with(",output_tokens_from")) << header;
  std::vector<std::string> cells;
  std::stringstream cs(row0);
  for (std::string c; std::getline(cs, c, ',');) cells.push_back(c);
  ASSERT_EQ(cells.size(), 15u) << row0;
  EXPECT_EQ(cells[14], "arrivals") << row0;
  EXPECT_NEAR(std::stod(cells[6]) * 0.5, stamps, 0.01 * stamps) << row0;

  // The HTML chart of output tokens/s draws the same series, its values in the markers.
  const std::string html = slurp(dir_ / "r.html");
  const auto chart = html.find("data-name=\"tokens-per-s-0\"");
  ASSERT_NE(chart, std::string::npos);
  EXPECT_NE(html.find("Output tokens per second (0.5 s intervals of the run)", chart), std::string::npos);
  const std::regex point(R"(<title>as chunks arrived: \(0, ([0-9.e+]+)\)</title>)");
  const std::string after = html.substr(chart);
  ASSERT_TRUE(std::regex_search(after, m, point)) << after.substr(0, 2000);
  EXPECT_NEAR(std::stod(m[1].str()) * 0.5, stamps, 0.01 * stamps);
  EXPECT_EQ(html.find("estimated: tokens spread evenly"), std::string::npos);
}

// Without per-chunk data and without the run's series (a vLLM result file), the charts are an
// estimate and their titles say so.
TEST_F(IntervalArrivals, AnEstimatedChartSaysSoInItsTitle) {
  const auto r = run("bench --num-prompts 4 --request-rate inf --random-input-len 8 --random-output-len 4 "
                     "--sim-ttft-ms 5 --sim-itl-ms 5 --disable-tqdm --scrape-interval 0 --save-result "
                     "--result-dir " + dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto result = boost::json::parse(slurp(dir_ / "r.json")).as_object();
  result.at("llmload").as_object().erase("intervals");  // as a file without the series
  std::ofstream(dir_ / "bare.json") << boost::json::serialize(result);
  const auto rep = run("report " + (dir_ / "bare.json").string() + " --html " + (dir_ / "bare.html").string());
  ASSERT_EQ(rep.exit_code, 0) << rep.out << rep.err;
  const std::string html = slurp(dir_ / "bare.html");
  EXPECT_NE(html.find("Output tokens per second (estimated: tokens spread evenly over each request)"),
            std::string::npos);
  EXPECT_NE(html.find("Cumulative generated tokens (estimated: tokens spread evenly over each request)"),
            std::string::npos);
}

}  // namespace
}  // namespace llmload
