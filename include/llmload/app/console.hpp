#pragma once
/// What a user sees while a run executes: vLLM's phase lines on stdout, a progress line on
/// stderr (redrawn on a terminal, every 10 s otherwise) with the latest interval's rates and
/// percentiles, interval lines (--interval), and the server's /metrics scraped meanwhile.

#include "llmload/app/disruption.hpp"
#include "llmload/config/run_plan.hpp"
#include "llmload/live/live_metrics.hpp"
#include "llmload/report/interval_report.hpp"
#include "llmload/runtime/execute.hpp"
#include "llmload/scrape/scraper.hpp"
#include "llmload/scrape/spec_decode.hpp"

#include <cstdio>
#include <functional>
#include <memory>
#include <utility>
#include <optional>
#include <string>
#include <vector>

namespace llmload::app {

/// What `llmload run` adds to a stage: its own interval reports (the soak outputs) instead of
/// --interval's console lines. Empty: nothing.
struct StageHooks {
  std::chrono::nanoseconds interval{};
  std::function<void(const runtime::IntervalReport&)> on_interval;
  /// --metrics-port: live figures fed from the progress snapshots and interval reports, under
  /// this stage label (null: none).
  live::LiveMetrics* live = nullptr;
  std::string live_stage = "bench";
  /// A profile stage's `events:`, run at their times during the measured run.
  std::vector<config::ProfileEvent> events;
  /// The built-in simulator that `sim:` events disrupt (null: none; set by run_stage).
  sim::SimServer* simulator = nullptr;
  /// A profile's run: its series (profile file and stage) and its point's swept values
  /// (path, value), written to its result as llmload.run so that reports compare runs by them.
  std::string series;
  std::vector<std::pair<std::string, std::string>> sweep;
};

/// The Observer of `llmload bench` and of each stage of `llmload run`.
class ConsoleObserver final : public runtime::Observer {
 public:
  /// `sources` are scraped every plan.scrape_interval while the measured run lasts.
  ConsoleObserver(const config::RunPlan& plan, std::FILE* out, std::FILE* err, StageHooks hooks,
                  std::vector<scrape::ScrapeSource> sources);

  void say(std::string_view line) override;
  void warn(std::string_view line) override;
  void progress(const runtime::ProgressSnapshot& s) override;
  std::chrono::nanoseconds interval_length() const override;
  void interval(const runtime::IntervalReport& report) override;
  void measuring(bool started) override;

  /// What the scraper collected (empty when nothing was scraped).
  std::optional<scrape::ScrapeSeries> take_scraped() { return std::move(scraped_); }
  /// The answers of each reported interval (--interval, or the stage's own), in order; empty
  /// without interval reports.
  std::vector<metrics::IntervalAnswers> take_interval_answers() { return std::move(interval_answers_); }
  /// Read the target's spec-decode counters when the measured run starts and ends, as vLLM does.
  void watch_spec_decode(scrape::ScrapeSource target_metrics);
  /// vLLM's speculative-decoding figures of the run (none when the server has no such counter).
  std::optional<scrape::SpecDecodeStats> spec_decode() const;
  /// The events' outcomes (waiting for their commands) and what each did to the load.
  std::pair<std::vector<EventOutcome>, std::vector<Disruption>> take_disruptions();

 private:
  std::optional<scrape::SpecDecodeCounters> read_spec_decode() const;
  void progress_line(const runtime::ProgressSnapshot& s, double elapsed);
  void print_stop(const runtime::ProgressSnapshot& s);

  std::FILE* out_;
  std::FILE* err_;
  bool enabled_, tty_;
  std::chrono::nanoseconds console_interval_;
  StageHooks hooks_;
  std::chrono::milliseconds scrape_interval_;
  std::vector<scrape::ScrapeSource> sources_;
  std::optional<scrape::Scraper> scraper_;
  std::optional<scrape::ScrapeSeries> scraped_;
  std::optional<scrape::ScrapeSource> spec_source_;
  std::optional<scrape::SpecDecodeCounters> spec_before_, spec_after_;
  std::optional<report::IntervalRow> recent_;
  std::vector<metrics::IntervalAnswers> interval_answers_;
  double next_plain_s_ = 0;
  int stopping_ = 0;
  std::unique_ptr<EventRunner> events_;      // with events: runs them
  std::vector<report::IntervalRow> rows_;    // with events: every interval, for the analysis
};

/// What the scraper reads during the load: the target's /metrics (the built-in simulator's
/// too) and every --metrics-url. Unresolvable extras become notes.
/// The target's own /metrics (its base path + "/metrics"), with the run's headers and TLS.
scrape::ScrapeSource target_metrics_source(const runtime::ResolvedTarget& target);
/// The same for one of the targets (a replica of several).
scrape::ScrapeSource target_metrics_source(const runtime::ResolvedTarget& target, const runtime::Target& replica);

std::vector<scrape::ScrapeSource> scrape_sources(const config::RunPlan& plan, const runtime::ResolvedTarget& target,
                                                 std::vector<std::string>& notes);

}  // namespace llmload::app
