// The scraper's thread against the built-in simulator in this process, while the runner's
// threads load it: the baseline, the periodic scrapes and the last one, with the server's
// counters growing by exactly what the runner sent. In-process (no llmload binary), so that
// ThreadSanitizer (tools/sanitize.sh tsan) sees the scraper, the runner and the simulator at
// once.
#include "llmload/scrape/scraper.hpp"

#include "llmload/runtime/runner.hpp"
#include "llmload/scrape/server_metrics.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <gtest/gtest.h>

#include "sim_support.hpp"

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace llmload::scrape {
namespace {

using namespace std::chrono_literals;
using sim::testing_support::Started;

const metrics::MetricSummary* find_metric(const metrics::ServerMetricsSummary& summary, const std::string& key) {
  for (const auto& m : summary.metrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

TEST(ScraperSim, ScrapesWhileTheRunnerLoadsTheSimulator) {
  sim::SimOptions options;
  options.ttft = 20ms;
  options.itl = 5ms;
  Started sim(options);
  ScrapeSource source{sim.base, sim.endpoints, "/metrics", {}, nullptr, true};
  // Each fetch is bounded by the interval, and a source that fails one is dropped: 250 ms
  // leaves room for a sanitizer build on a busy host.
  Scraper scraper({source}, 250ms);
  scraper.start();

  workload::RandomDatasetOptions dataset;
  dataset.input_len = 16;
  dataset.output_len = 20;
  const auto requests = workload::make_random_dataset(24, dataset).value();
  std::vector<core::Nanos> offsets;
  for (int i = 0; i < 24; ++i) offsets.push_back(i * 60'000'000LL);
  runtime::RequestTemplate request;
  request.flavor = api::Flavor::kCompletions;
  request.body.model = "llmload-sim";
  request.body.ignore_eos = true;
  runtime::RunnerOptions runner_options;
  runner_options.threads = 2;
  runtime::Runner runner(sim.target(api::Flavor::kCompletions), request, runner_options);
  const auto out = runner.run(requests, offsets);
  const auto series = scraper.stop();

  ASSERT_EQ(out.records.size(), 24u);
  for (const auto& r : out.records) ASSERT_TRUE(r.ok()) << r.index << ": " << r.error;
  // The baseline, scrapes during the ~1.5 s of load, and the last one.
  ASSERT_GE(series.points.size(), 3u);
  EXPECT_EQ(series.failed_scrapes, 0u);
  EXPECT_TRUE(series.notes.empty());
  for (std::size_t i = 1; i < series.points.size(); ++i) EXPECT_GE(series.points[i].t_ns, series.points[i - 1].t_ns);
  const auto summary = summarize(series);
  const auto* generated = find_metric(summary, "generation_tokens");
  const auto* prompt = find_metric(summary, "prompt_tokens");
  ASSERT_NE(generated, nullptr);
  ASSERT_NE(prompt, nullptr);
  EXPECT_EQ(generated->increase, 24.0 * 20);
  EXPECT_EQ(prompt->increase, 24.0 * 16);  // the simulator counts one token per word
}

}  // namespace
}  // namespace llmload::scrape
