#pragma once
// A fixed synthetic run for the report tests (golden files): 240 requests over about 12 s in
// three categories, a few failures, client queueing for some, and text that would break HTML
// and Markdown if it were not escaped. Deterministic: no clock, no randomness.

#include "llmload/metrics/category_breakdown.hpp"
#include "llmload/metrics/per_target.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/report/breakdown_report.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/report/markdown_report.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace llmload::report::testing {

inline constexpr core::Nanos kMs = 1'000'000;

/// The synthetic run's summary and settings, as a run in this process would have them.
struct SyntheticRun {
  metrics::RunSummary summary;
  RunInfo info;
};

/// The synthetic run; `slowdown` scales every latency, `rate` the arrivals. With `targets` > 1
/// request i goes to target i mod targets (two replicas without a router), and target 1 is
/// half as slow again as the others.
inline SyntheticRun synthetic_run(double slowdown, double rate, const std::string& label, std::uint16_t targets = 1) {
  constexpr std::uint32_t kRequests = 240;
  const char* categories[] = {"ocr", "captioning", "diagram"};
  std::vector<workload::RequestSpec> specs(kRequests);
  std::vector<metrics::RequestRecord> records(kRequests);
  const core::Nanos origin = 1'000'000'000;
  core::Nanos end = origin;
  double factor = slowdown;
  const auto scaled = [&](double ms) { return static_cast<core::Nanos>(ms * factor * static_cast<double>(kMs)); };
  for (std::uint32_t i = 0; i < kRequests; ++i) {
    specs[i].category = categories[i % 3];
    auto& r = records[i];
    r.index = i;
    r.target = static_cast<std::uint16_t>(i % targets);
    factor = slowdown * (r.target == 1 ? 1.5 : 1.0);
    r.scheduled_ns = origin + static_cast<core::Nanos>(1000.0 / rate * i * static_cast<double>(kMs));
    r.dispatch_ns = r.scheduled_ns + kMs / 5;
    r.start_ns = r.dispatch_ns + (i % 7 == 0 ? scaled(30) : 0);
    r.sent_ns = r.start_ns + kMs / 2;
    r.dataset_prompt_len = 100 + static_cast<std::int32_t>(i % 50);
    r.usage_prompt_tokens = r.dataset_prompt_len + 20;
    if (i % 37 == 5) {
      r.outcome = metrics::Outcome::kHttpStatus;
      r.http_status = 500;
      r.error = "HTTP 500: <b>overloaded</b>";
      r.end_ns = r.start_ns + scaled(10);
    } else {
      const int chunks = 20 + static_cast<int>(i % 30);
      core::Nanos t = r.start_ns + scaled(40 + (i % 13) * 5 + (i % 3 == 2 ? 60 : 0));
      for (int k = 0; k < chunks; ++k) {
        r.chunk_ns.push_back(t);
        t += scaled(15 + (i + k) % 5);
      }
      r.end_ns = r.chunk_ns.back() + kMs;
      r.usage_completion_tokens = chunks;
      r.saw_done = true;
      r.generated_text = i == 0 ? "<script>alert(\"x\")</script> | a pipe\n```\nnot a fence\n```"
                                : "Answer " + std::to_string(i) + ": the image shows a chart.";
    }
    end = std::max(end, r.chunk_ns.empty() ? r.end_ns : r.chunk_ns.back());
  }
  metrics::SummaryOptions options;
  options.percentiles = {50, 90, 99};
  options.percentile_metrics = {"ttft", "tpot", "itl", "e2el"};
  auto summary = metrics::summarize(records, origin, end, options);
  summary.per_category = metrics::category_breakdown(records, specs);
  metrics::label_timelines(summary, records, specs);
  std::vector<std::string> urls;
  for (std::uint16_t t = 0; t < targets && targets > 1; ++t) urls.push_back("http://10.0.0." + std::to_string(t + 1) + ":8000");
  summary.per_target = metrics::target_breakdown(records, urls, summary.duration_s);
  RunInfo info;
  info.date = "20260101-120000";
  info.backend = "openai-chat";
  info.label = label;
  info.model_id = "Qwen/Qwen2.5-VL-7B<img src=x onerror=alert(1)>";
  info.tokenizer_id = info.model_id;
  info.num_prompts = kRequests;
  info.request_rate = rate;
  info.target = "http://127.0.0.1:8000";
  if (!urls.empty()) info.target = urls[0] + ", " + urls[1];
  return {std::move(summary), std::move(info)};
}

/// Server-trace parts for the synthetic run, as the join would give them: every successful
/// request but one in ten joined, each part varying with the request (the first token's
/// wire time negative for some: clocks that disagree), per category, added to the run's rows,
/// SLO statistics and, when `intervals` > 0, to an interval series of that many 4 s intervals.
inline otlp::Breakdown synthetic_breakdown(SyntheticRun& run, int intervals = 0) {
  otlp::Breakdown b;
  const auto& rows = run.summary.timelines;
  b.requests_sent = static_cast<std::int64_t>(rows.size());
  b.spans_received = b.requests_sent + 3;
  b.spans_unmatched = 3;
  b.receiver_endpoint = "http://127.0.0.1:4317";
  b.per_request.resize(rows.size());
  std::array<std::vector<double>, otlp::kPartCount> samples;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].outcome != "ok" || i % 10 == 3) continue;
    const double d = static_cast<double>(i);
    otlp::PartValues p = {0.2 + std::fmod(d, 3) * 0.1, i % 4 == 0 ? 0.8 : 0.0, 0.125, std::fmod(d, 5) * 2.5,
                          20.0 + std::fmod(d, 7), i % 9 == 0 ? -0.25 : 1.5, 300.0 + d, 0.5, 2.0, 25.0, 330.0 + d};
    b.per_request[i] = p;
    ++b.requests_joined;
    for (std::size_t k = 0; k < otlp::kPartCount; ++k) samples[k].push_back(p[k]);
  }
  b.joined_by_trace_id = b.requests_joined;
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) b.stats[k] = metrics::compute_stats(samples[k], otlp::kPartPercentiles);
  std::vector<std::string> categories;
  for (const auto& t : rows) categories.push_back(t.category);
  otlp::add_categories(b, categories);
  for (int k = 0; k < intervals; ++k) {
    run.summary.per_interval.push_back({4.0 * k, 4.0 * (k + 1), 1, 0, 0, 10, 10, 0, 0, {}});
  }
  run.summary.interval_s = intervals > 0 ? 4.0 : 0.0;
  add_breakdown_columns(b, run.summary);
  return b;
}

/// Result JSON of the synthetic run (saved with --save-detailed).
inline std::string synthetic_result(double slowdown, double rate, const std::string& label) {
  const auto run = synthetic_run(slowdown, rate, label);
  return result_json(run.summary, run.info, true);
}

/// Fixed environment so the Markdown golden does not depend on the machine.
inline ReportEnvironment fixed_environment() {
  return {"bench-host", "Example CPU @ 3.0GHz", "16", "Linux 6.1.0 x86_64", "0.1.0"};
}

inline std::string golden_path(const std::string& name) {
  return std::string(LLMLOAD_TEST_DATA_DIR) + "/report/" + name;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Compares `actual` with the golden file; LLMLOAD_UPDATE_GOLDEN=1 rewrites the file instead.
inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  if (const char* update = std::getenv("LLMLOAD_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  const std::string expected = read_text(path);
  ASSERT_FALSE(expected.empty()) << path << " is missing; run with LLMLOAD_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(actual, expected) << "differs from " << path
                              << " (if the change is intended: LLMLOAD_UPDATE_GOLDEN=1)";
}

}  // namespace llmload::report::testing
