// `llmload run` soak outputs against the built-in simulator: the interval log (decoded with our
// HdrHistogram decoder; tests/js decodes one with hdr-histogram-js), the interval CSV and
// console lines agreeing with the final result, drift and goodput SLO verdicts with their exit
// codes, and a shortened soak (about 30 s) whose resident memory stays flat.
#include "llmload/metrics/hdr_histogram.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using llmload::testing_support::slurp;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string field; std::getline(ss, field, sep);) out.push_back(field);
  return out;
}

/// Total counts per interval of the histograms tagged `tag` in an interval log (-1 for a
/// line that does not decode).
std::vector<std::int64_t> tagged_counts(const std::string& hlog, const std::string& tag) {
  std::vector<std::int64_t> counts;
  for (const auto& line : lines_of(hlog)) {
    if (!line.starts_with("Tag=" + tag + ",")) continue;
    const auto fields = split(line, ',');
    auto h = llmload::metrics::HdrHistogram::decode_compressed_base64(fields.back());
    counts.push_back(h ? h->total_count() : -1);
  }
  return counts;
}

class RunSoak : public llmload::testing_support::CliTest {
 protected:
  RunSoak() : CliTest("llmload-soak") {}

  fs::path profile(const std::string& body) {
    const auto path = dir_ / "p.yaml";
    std::ofstream(path) << body << "outputs: {dir: " << (dir_ / "out").string() << ", formats: [json, junit], interval: "
                        << interval_ << "}\n";
    return path;
  }
  std::string interval_ = "400ms";
};

TEST_F(RunSoak, IntervalLogCsvAndConsoleLinesAgreeWithTheResult) {
  const auto p = profile(R"(workload: {input_len: 8, output_len: 4}
load:
  stages:
    - {name: soak, rate: 50/s, duration: 2s}
allow_saturated_client: true  # a shared test machine; the self-check has its own tests
slo:
  - {metric: ttft, stat: p99, max: 5s, max_drift: 100%}
  - {metric: goodput, min: 1/s, ttft: 5s, e2el: 10s}
)");
  const auto r = run("run " + p.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto result = boost::json::parse(slurp(dir_ / "out" / "01-01-soak.json")).as_object();
  EXPECT_EQ(result.if_contains("partial"), nullptr);  // the exact result replaced the cumulative one
  const std::int64_t completed = result.at("completed").as_int64();
  EXPECT_EQ(completed, 100);

  const std::string hlog = slurp(dir_ / "out" / "01-01-soak.hlog");
  ASSERT_TRUE(hlog.starts_with("#[Histogram log format version 1.3]\n#[StartTime: ")) << hlog;
  const auto ttft = tagged_counts(hlog, "ttft");
  ASSERT_GE(ttft.size(), 5u) << hlog;  // 2 s in 400 ms intervals, then the drain
  EXPECT_EQ(tagged_counts(hlog, "tpot").size(), ttft.size());
  EXPECT_EQ(tagged_counts(hlog, "itl").size(), ttft.size());
  EXPECT_EQ(tagged_counts(hlog, "e2el").size(), ttft.size());

  const auto csv = lines_of(slurp(dir_ / "out" / "01-01-soak.intervals.csv"));
  ASSERT_EQ(csv.size(), ttft.size() + 1);
  EXPECT_EQ(csv[0].substr(0, 40), "interval_start_s,interval_end_s,complete");
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < ttft.size(); ++i) {
    const auto fields = split(csv[i + 1], ',');
    ASSERT_EQ(fields.size(), 18u) << csv[i + 1];  // answers (none scored here), then the token counts
    EXPECT_EQ(std::stoll(fields[2]), ttft[i]) << "interval " << i;  // completed == TTFT samples
    EXPECT_EQ(std::stoll(fields[3]), 0);
    sum += ttft[i];
  }
  EXPECT_EQ(sum, completed);
  std::size_t console = 0;
  for (const auto& line : lines_of(r.out)) console += line.starts_with("[soak] ") ? 1 : 0;
  EXPECT_EQ(console, ttft.size()) << r.out;
  EXPECT_NE(r.out.find("PASS soak: ttft p99 drift <= 100% (early "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS soak: goodput >= 1/s (measured"), std::string::npos) << r.out;
}

TEST_F(RunSoak, DriftWithTooFewIntervalsAndMissedGoodputExitOne) {
  interval_ = "1h";
  const auto p = profile(R"(workload: {input_len: 8, output_len: 4}
load:
  stages:
    - {name: short, rate: 100/s, requests: 20}
allow_saturated_client: true  # a shared test machine; the self-check has its own tests
slo:
  - {metric: ttft, stat: p99, max_drift: 20%}
  - {metric: goodput, min: 100000/s, tpot: 1s}
)");
  const auto r = run("run " + p.string());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL short: ttft p99 drift <= 20% (needs at least 2 intervals with samples, the stage had 1"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL short: goodput >= 100000/s (measured"), std::string::npos) << r.out;
  EXPECT_NE(slurp(dir_ / "out" / "junit.xml").find("failures=\"2\""), std::string::npos);
}

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

// A shortened soak sized for CI: 30 s at 40 requests/s, 1 s intervals. Resident memory of the
// llmload process at the end of the second interval and at the end of the run must be within
// 16 MiB (what grows is the per-request records vLLM's exact percentiles need: ~1200 requests
// of a few hundred bytes each, under 1 MiB; the interval histograms are swapped, not kept).
using SlowRunSoak = RunSoak;
TEST_F(SlowRunSoak, ThirtySecondsKeepMemoryFlatAndTheLogDecodes) {
  interval_ = "1s";
  const auto p = profile(R"(workload: {input_len: 16, output_len: 8}
load:
  stages:
    - {name: soak, rate: 40/s, duration: 30s}
allow_saturated_client: true  # a shared test machine; the self-check has its own tests
slo:
  - {metric: error_rate, max: 1%}
)");
  const auto out_file = dir_ / "stdout.txt";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(LLMLOAD_BINARY, LLMLOAD_BINARY, "run", p.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto csv = dir_ / "out" / "01-01-soak.intervals.csv";
  long start_rss = -1, end_rss = -1;
  int status = 0;
  while (::waitpid(child, &status, WNOHANG) == 0) {
    const long rss = rss_kib(child);
    if (start_rss < 0 && lines_of(slurp(csv)).size() >= 3) start_rss = rss;  // header + 2 intervals
    if (rss > 0) end_rss = rss;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << slurp(out_file);
  ASSERT_GT(start_rss, 0);
  ASSERT_GT(end_rss, 0);
  std::fprintf(stderr, "soak RSS: %ld KiB after 2 intervals, %ld KiB at the end\n", start_rss, end_rss);
  EXPECT_LE(end_rss - start_rss, 16 * 1024) << "RSS " << start_rss << " KiB after 2 intervals, " << end_rss
                                            << " KiB at the end";
  const std::string hlog = slurp(dir_ / "out" / "01-01-soak.hlog");
  const auto counts = tagged_counts(hlog, "ttft");
  ASSERT_GE(counts.size(), 30u);
  std::int64_t sum = 0;
  for (const auto c : counts) {
    EXPECT_GE(c, 0);
    sum += c;
  }
  const auto result = boost::json::parse(slurp(dir_ / "out" / "01-01-soak.json")).as_object();
  EXPECT_EQ(sum, result.at("completed").as_int64());
  EXPECT_EQ(result.at("completed").as_int64(), 1200);
}

}  // namespace
