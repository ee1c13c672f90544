// The reports' view of a run built in memory (report_run_of) equals the view read back from the
// run's saved file (parse_report_run of result_json): same names, numbers, figures, rows, chunk
// gaps, categories, server series and notes — with and without --save-detailed, with metadata
// keys that overwrite standard ones, and with a scraped server.
#include "llmload/report/report_run.hpp"

#include "report_fixture.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace llmload::report {
namespace {

using testing::synthetic_run;

void expect_same_doubles(double a, double b, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_EQ(std::isnan(a), std::isnan(b)) << what;
  } else {
    EXPECT_EQ(a, b) << what;
  }
}

void expect_same_figures(const MetricFigures& a, const MetricFigures& b, const std::string& what) {
  EXPECT_EQ(a.mean, b.mean) << what;
  EXPECT_EQ(a.median, b.median) << what;
  EXPECT_EQ(a.stddev, b.stddev) << what;
  EXPECT_EQ(a.percentiles, b.percentiles) << what;
}

void expect_same_rows(const ReportRun& a, const ReportRun& b) {
  ASSERT_EQ(a.requests.size(), b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    const auto& x = a.requests[i];
    const auto& y = b.requests[i];
    const std::string at = "request " + std::to_string(i);
    expect_same_doubles(x.scheduled_ms, y.scheduled_ms, at + " scheduled");
    expect_same_doubles(x.dispatch_ms, y.dispatch_ms, at + " dispatch");
    expect_same_doubles(x.start_ms, y.start_ms, at + " start");
    expect_same_doubles(x.sent_ms, y.sent_ms, at + " sent");
    expect_same_doubles(x.first_token_ms, y.first_token_ms, at + " first token");
    expect_same_doubles(x.end_ms, y.end_ms, at + " end");
    EXPECT_EQ(x.outcome, y.outcome) << at;
    EXPECT_EQ(x.category, y.category) << at;
    EXPECT_EQ(x.input_tokens, y.input_tokens) << at;
    EXPECT_EQ(x.output_tokens, y.output_tokens) << at;
    EXPECT_EQ(x.chunks, y.chunks) << at;
    ASSERT_EQ(x.extra.size(), y.extra.size()) << at;
    for (std::size_t k = 0; k < x.extra.size(); ++k) expect_same_doubles(x.extra[k], y.extra[k], at + " extra");
  }
  EXPECT_EQ(a.request_extra_fields, b.request_extra_fields);
}

void expect_same_parts(const std::vector<BreakdownPart>& a, const std::vector<BreakdownPart>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(std::tie(a[k].name, a[k].count, a[k].mean, a[k].median, a[k].p99),
              std::tie(b[k].name, b[k].count, b[k].mean, b[k].median, b[k].p99))
        << what << " " << a[k].name;
  }
}

void expect_same_breakdown(const ReportRun& a, const ReportRun& b) {
  ASSERT_EQ(a.breakdown.has_value(), b.breakdown.has_value());
  if (a.breakdown) {
    const auto& x = *a.breakdown;
    const auto& y = *b.breakdown;
    EXPECT_EQ(std::tie(x.requests_sent, x.requests_joined, x.spans_unmatched),
              std::tie(y.requests_sent, y.requests_joined, y.spans_unmatched));
    expect_same_parts(x.parts, y.parts, "parts");
    ASSERT_EQ(x.per_category.size(), y.per_category.size());
    for (std::size_t i = 0; i < x.per_category.size(); ++i) {
      EXPECT_EQ(x.per_category[i].category, y.per_category[i].category);
      EXPECT_EQ(x.per_category[i].requests_joined, y.per_category[i].requests_joined);
      expect_same_parts(x.per_category[i].parts, y.per_category[i].parts, x.per_category[i].category);
    }
  }
  EXPECT_EQ(a.interval_extra_fields, b.interval_extra_fields);
  ASSERT_EQ(a.per_interval.size(), b.per_interval.size());
  for (std::size_t i = 0; i < a.per_interval.size(); ++i) {
    const auto& x = a.per_interval[i];
    const auto& y = b.per_interval[i];
    EXPECT_EQ(std::tie(x.start_s, x.end_s, x.completed, x.failed, x.in_flight, x.output_tokens),
              std::tie(y.start_s, y.end_s, y.completed, y.failed, y.in_flight, y.output_tokens));
    ASSERT_EQ(x.extra.size(), y.extra.size());
    for (std::size_t k = 0; k < x.extra.size(); ++k) expect_same_doubles(x.extra[k], y.extra[k], "interval extra");
  }
}

void expect_same_run(const ReportRun& a, const ReportRun& b) {
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.name(), b.name());
  EXPECT_EQ(a.numbers.values, b.numbers.values);
  EXPECT_EQ(a.model_id, b.model_id);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.date, b.date);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.simulator, b.simulator);
  EXPECT_EQ(a.request_rate, b.request_rate);
  for (const char* m : {"ttft", "tpot", "itl", "e2el"}) expect_same_figures(*a.metric(m), *b.metric(m), m);
  expect_same_rows(a, b);
  EXPECT_EQ(a.has_queue_times, b.has_queue_times);
  EXPECT_EQ(a.itls_ms, b.itls_ms);
  EXPECT_EQ(a.generated_texts, b.generated_texts);
  ASSERT_EQ(a.categories.size(), b.categories.size());
  for (std::size_t i = 0; i < a.categories.size(); ++i) {
    const auto& x = a.categories[i];
    const auto& y = b.categories[i];
    EXPECT_EQ(x.category, y.category);
    EXPECT_EQ(std::tie(x.completed, x.failed, x.input_tokens, x.output_tokens),
              std::tie(y.completed, y.failed, y.input_tokens, y.output_tokens));
    EXPECT_EQ(std::tie(x.ttft_p50, x.ttft_p99, x.e2el_p50, x.e2el_p99),
              std::tie(y.ttft_p50, y.ttft_p99, y.e2el_p50, y.e2el_p99));
  }
  ASSERT_EQ(a.targets.size(), b.targets.size());
  for (std::size_t i = 0; i < a.targets.size(); ++i) {
    const auto& x = a.targets[i];
    const auto& y = b.targets[i];
    EXPECT_EQ(x.url, y.url);
    EXPECT_EQ(std::tie(x.requests, x.completed, x.failed, x.output_tokens, x.output_throughput, x.failures),
              std::tie(y.requests, y.completed, y.failed, y.output_tokens, y.output_throughput, y.failures));
    EXPECT_EQ(std::tie(x.ttft_p50, x.ttft_p99, x.itl_p50, x.itl_p99, x.e2el_p50, x.e2el_p99),
              std::tie(y.ttft_p50, y.ttft_p99, y.itl_p50, y.itl_p99, y.e2el_p50, y.e2el_p99));
  }
  ASSERT_EQ(a.server_metrics.size(), b.server_metrics.size());
  for (std::size_t i = 0; i < a.server_metrics.size(); ++i) {
    EXPECT_EQ(a.server_metrics[i].name, b.server_metrics[i].name);
    EXPECT_EQ(a.server_metrics[i].points, b.server_metrics[i].points);
  }
  EXPECT_EQ(a.notes, b.notes);
  expect_same_breakdown(a, b);
  ASSERT_EQ(a.answers.has_value(), b.answers.has_value());
  if (a.answers) {
    EXPECT_EQ(a.answers->score, b.answers->score);
    EXPECT_EQ(a.answers->scored, b.answers->scored);
    EXPECT_EQ(a.answers->accuracy, b.answers->accuracy);
    EXPECT_EQ(a.answers->per_category, b.answers->per_category);
    EXPECT_EQ(std::tie(a.answers->checked, a.answers->degenerate), std::tie(b.answers->checked, b.answers->degenerate));
    ASSERT_EQ(a.answers->per_interval.size(), b.answers->per_interval.size());
    for (std::size_t i = 0; i < a.answers->per_interval.size(); ++i) {
      const auto& x = a.answers->per_interval[i];
      const auto& y = b.answers->per_interval[i];
      EXPECT_EQ(std::tie(x.start_s, x.end_s, x.checked, x.degenerate, x.scored, x.accuracy),
                std::tie(y.start_s, y.end_s, y.checked, y.degenerate, y.scored, y.accuracy));
    }
  }
}

/// Both views of one run: from its values, and from its result text.
void expect_views_agree(const metrics::RunSummary& summary, const RunInfo& info, bool save_detailed,
                        std::vector<ServerSeries> series = {}, const otlp::Breakdown* breakdown = nullptr) {
  const std::string path = "results/run.json";
  const ReportRun in_memory = report_run_of({.summary = summary,
                                             .info = info,
                                             .server_metrics = std::move(series),
                                             .breakdown = breakdown,
                                             .save_detailed = save_detailed,
                                             .path = path});
  auto from_file = parse_report_run(result_json(summary, info, save_detailed), path);
  ASSERT_TRUE(from_file) << from_file.error().message;
  expect_same_run(in_memory, *from_file);
}

TEST(ReportRunOf, EqualsTheSavedFileWithDetail) {
  const auto run = synthetic_run(1.0, 20, "baseline");
  expect_views_agree(run.summary, run.info, true);
  const ReportRun view = report_run_of({.summary = run.summary, .info = run.info, .save_detailed = true, .path = "x.json"});
  EXPECT_EQ(view.requests.size(), 240u);  // not vacuous: rows, gaps and texts are there
  EXPECT_EQ(view.itls_ms.size(), 240u);
  EXPECT_EQ(view.generated_texts.size(), 240u);
  EXPECT_EQ(view.categories.size(), 3u);
}

TEST(ReportRunOf, PerTargetRowsMatchTheSavedFile) {
  auto run = synthetic_run(1.0, 20, "two replicas", 2);
  expect_views_agree(run.summary, run.info, false);
  expect_views_agree(run.summary, run.info, true);
  const ReportRun view = report_run_of({.summary = run.summary, .info = run.info, .path = "x.json"});
  ASSERT_EQ(view.targets.size(), 2u);  // not vacuous
  EXPECT_EQ(view.targets[1].url, "http://10.0.0.2:8000");
  EXPECT_EQ(view.targets[0].requests + view.targets[1].requests, 240);
  // A target that completed nothing (a dead replica): zeros on both sides, not NaN against null.
  run.summary.per_target[1] = metrics::TargetFigures{.url = "http://10.0.0.2:8000", .requests = 5, .failed = 5,
                                                     .failures = {{"connect_error", 5}}};
  expect_views_agree(run.summary, run.info, false);
}

TEST(ReportRunOf, EqualsTheSavedFileWithoutDetail) {
  const auto run = synthetic_run(1.25, 30, "");
  expect_views_agree(run.summary, run.info, false);
  const ReportRun view = report_run_of({.summary = run.summary, .info = run.info, .path = "dir/stem.json"});
  EXPECT_EQ(view.name(), "stem");  // an empty label: the file's stem, as the reader names it
  EXPECT_TRUE(view.itls_ms.empty());
  EXPECT_EQ(view.notes.size(), 1u);  // no per-chunk gaps
}

TEST(ReportRunOf, MetadataThatOverwritesStandardKeysReadsTheSame) {
  auto run = synthetic_run(1.0, 20, "baseline");
  run.info.metadata = {{"backend", "from-metadata"}, {"label", "renamed"}, {"owner", "team"}};
  run.info.request_rate = INFINITY;  // written as the string "inf": no number
  expect_views_agree(run.summary, run.info, false);
  const ReportRun view = report_run_of({.summary = run.summary, .info = run.info, .path = "x.json"});
  EXPECT_EQ(view.backend, "from-metadata");  // as in vLLM's dict: metadata replaces the value
  EXPECT_EQ(view.name(), "renamed");
  EXPECT_FALSE(view.request_rate);
}

TEST(ReportRunOf, AnswersMatchTheSavedObject) {
  auto run = synthetic_run(1.0, 20, "scored");
  metrics::AnswerQuality q;
  q.score = "vqa";
  q.overall.scored = 10;
  q.overall.accuracy = 0.7;
  q.per_category = {{"ocr", 4, 0.5}, {"diagram", 6, 5.0 / 6.0}};
  q.scores = {1.0, 0.0, NAN};
  q.per_interval = {{0, 1, 5, 1, 5, 0.8}, {1, 2, 5, 0, 5, 0.6}, {2, 2.5, 1, 0, 0, std::nullopt}};
  q.checked = 11;
  q.degenerate = 1;
  run.summary.answers = q;
  expect_views_agree(run.summary, run.info, false);
  const ReportRun view = report_run_of({.summary = run.summary, .info = run.info, .path = "x.json"});
  ASSERT_TRUE(view.answers && view.answers->accuracy);
  EXPECT_EQ(*view.answers->accuracy, 0.7);
  EXPECT_EQ(view.numbers.value("accuracy_scored"), 10.0);
  run.summary.answers->score.clear();  // only degenerate checks: no "accuracy" object
  expect_views_agree(run.summary, run.info, false);
}

TEST(ReportRunOf, ServerSeriesMatchTheSavedObject) {
  auto run = synthetic_run(1.0, 20, "baseline");
  const auto watched = scrape::watched_metrics();
  scrape::ScrapeSeries scraped;
  scraped.sources = {"http://127.0.0.1:8000/metrics"};
  scraped.interval_s = 1.0;
  const core::Nanos origin = 1'000'000'000;
  for (int k = 0; k < 4; ++k) {
    scrape::ScrapePoint p;
    p.t_ns = origin + (k - 1) * 1'000'000'000LL;  // the first scrape is taken before the load
    p.values.assign(watched.size(), NAN);
    p.values[0] = 3.0 + k;           // present every time
    if (k != 2) p.values[1] = 0.25;  // one scrape lacked it
    scraped.points.push_back(std::move(p));
  }
  const auto summary = scrape::summarize(scraped);
  run.info.server_metrics_json = scrape::server_metrics_json(scraped, summary, origin);
  auto series = server_series(scraped, summary, origin);
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].name, std::string(watched[0].label));
  EXPECT_EQ(series[0].points.front(), std::make_pair(-1.0, 3.0));
  EXPECT_EQ(series[1].points.size(), 3u);
  expect_views_agree(run.summary, run.info, true, std::move(series));
}

TEST(ReportRunOf, ServerTraceBreakdownMatchesTheSavedObject) {
  for (const bool detailed : {true, false}) {
    auto run = synthetic_run(1.0, 20, "traced");
    const auto breakdown = testing::synthetic_breakdown(run, 3);
    run.info.server_breakdown_json = breakdown_json(breakdown);
    expect_views_agree(run.summary, run.info, detailed, {}, &breakdown);
    const ReportRun view = report_run_of(
        {.summary = run.summary, .info = run.info, .breakdown = &breakdown, .save_detailed = detailed, .path = "x.json"});
    // Not vacuous: the figures, categories, row columns and interval means are there.
    ASSERT_TRUE(view.breakdown);
    EXPECT_EQ(view.breakdown->requests_joined, breakdown.requests_joined);
    EXPECT_EQ(view.breakdown->parts.size(), otlp::kPartCount);
    EXPECT_EQ(view.breakdown->per_category.size(), 3u);
    EXPECT_EQ(view.request_extra_fields.size(), otlp::kPartCount);
    EXPECT_EQ(view.requests.front().extra.size(), otlp::kPartCount);
    EXPECT_EQ(view.interval_extra_fields.front(), "mean_client_queue_ms");
    EXPECT_EQ(view.per_interval.size(), 3u);
    EXPECT_EQ(view.numbers.value("breakdown_mean_server_queue_ms"),
              breakdown.stats[static_cast<std::size_t>(otlp::Part::kServerQueue)].mean);
  }
}

}  // namespace
}  // namespace llmload::report
