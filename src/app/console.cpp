#include "llmload/app/console.hpp"

#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/net/tls.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace llmload::app {
namespace {

/// Without --interval or `llmload run`'s own, the progress line's live figures come from a
/// window of this length.
constexpr auto kLiveWindow = std::chrono::seconds(5);

}  // namespace

ConsoleObserver::ConsoleObserver(const config::RunPlan& plan, std::FILE* out, std::FILE* err, StageHooks hooks,
                                 std::vector<scrape::ScrapeSource> sources)
    : out_(out), err_(err), enabled_(plan.progress), tty_(isatty(fileno(err)) != 0),
      console_interval_(plan.interval), hooks_(std::move(hooks)), scrape_interval_(plan.scrape_interval),
      sources_(std::move(sources)) {
  if (!hooks_.events.empty()) events_ = std::make_unique<EventRunner>(hooks_.events, hooks_.simulator);
}

std::pair<std::vector<EventOutcome>, std::vector<Disruption>> ConsoleObserver::take_disruptions() {
  if (!events_) return {};
  auto outcomes = events_->finish();
  std::vector<Disruption> found;
  for (const auto& e : outcomes) found.push_back(analyse_disruption(rows_, e.at_s));
  return {std::move(outcomes), std::move(found)};
}

void ConsoleObserver::say(std::string_view line) {
  fmt::print(out_, "{}{}", line, line.ends_with('\n') ? "" : "\n");
  std::fflush(out_);
}

void ConsoleObserver::warn(std::string_view line) {
  fmt::print(err_, "{}\n", line);
  std::fflush(err_);
}

std::chrono::nanoseconds ConsoleObserver::interval_length() const {
  if (hooks_.on_interval && hooks_.interval.count() > 0) return hooks_.interval;
  if (console_interval_.count() > 0) return console_interval_;
  // Live metrics want their histograms fresh: a second, when nothing else asks for intervals.
  if (hooks_.live != nullptr) return std::chrono::seconds(1);
  return enabled_ ? std::chrono::nanoseconds(kLiveWindow) : std::chrono::nanoseconds(0);
}

void ConsoleObserver::interval(const runtime::IntervalReport& r) {
  if (hooks_.live != nullptr) hooks_.live->interval(r.recorded);
  const auto row = report::interval_row(r.recorded, r.start_ns, r.end_ns, r.in_flight);
  if (row.completed > 0) recent_ = row;
  if (events_) rows_.push_back(row);
  if (hooks_.on_interval && hooks_.interval.count() > 0) {
    interval_answers_.push_back(report::interval_answers(row));
    hooks_.on_interval(r);
  } else if (console_interval_.count() > 0) {
    interval_answers_.push_back(report::interval_answers(row));
    // An interval's own line, on a line of its own even on a terminal.
    fmt::print(err_, "{}{}", tty_ && enabled_ ? "\r\x1b[K" : "", report::interval_console_line(row, "interval"));
    std::fflush(err_);
  }
}

void ConsoleObserver::watch_spec_decode(scrape::ScrapeSource target_metrics) { spec_source_ = std::move(target_metrics); }

std::optional<scrape::SpecDecodeStats> ConsoleObserver::spec_decode() const {
  return scrape::spec_decode_stats(spec_before_, spec_after_);
}

/// The target's spec-decode counters now (vLLM's fetch_spec_decode_metrics); none when the
/// server does not answer 200 or has no such counter.
std::optional<scrape::SpecDecodeCounters> ConsoleObserver::read_spec_decode() const {
  if (!spec_source_) return std::nullopt;
  const auto& s = *spec_source_;
  auto response = net::fetch(s.base, s.endpoints, "GET", s.path, s.headers, "", std::chrono::seconds(5), s.tls.get(),
                             s.verify);
  if (!response || response->status != 200) return std::nullopt;
  return scrape::parse_spec_decode(response->body);
}

void ConsoleObserver::measuring(bool started) {
  // vLLM reads the spec-decode counters just before the first request and after the last.
  if (started) spec_before_ = read_spec_decode();
  else spec_after_ = read_spec_decode();
  if (started && !sources_.empty()) {
    scraper_.emplace(std::move(sources_), scrape_interval_);
    scraper_->start();
  } else if (!started && scraper_) {
    scraped_ = scraper_->stop();
    scraper_.reset();
  }
}

void ConsoleObserver::print_stop(const runtime::ProgressSnapshot& s) {
  stopping_ = s.stopping;
  if (tty_ && enabled_) fmt::print(err_, "\n");
  if (s.stopping == 1 && !s.stopped_early.empty()) {
    fmt::print(err_, "llmload bench: stopping early: {}; no new requests; {} in flight may finish within the "
                     "grace period\n", s.stopped_early, s.started - s.finished);
  } else if (s.stopping == 1 && s.duration_reached) {
    fmt::print(err_, "llmload bench: --duration reached: no new requests; {} in flight finish\n",
               s.started - s.finished);
  } else if (s.stopping == 1) {
    fmt::print(err_, "llmload bench: stopping: no new requests; {} in flight may finish within "
                     "the grace period (Ctrl-C again to cancel them now)\n", s.started - s.finished);
  } else {
    fmt::print(err_, "llmload bench: cancelling {} requests in flight\n", s.started - s.finished);
  }
  std::fflush(err_);
}

void ConsoleObserver::progress(const runtime::ProgressSnapshot& s) {
  if (hooks_.live != nullptr) hooks_.live->progress(s.started, s.finished, s.failed);
  if (events_ && s.stopping == 0) events_->tick(s.elapsed_ns);
  if (s.stopping != stopping_) print_stop(s);  // always said, even with --disable-tqdm
  if (!enabled_) return;
  const double elapsed = core::ns_to_s(std::max<core::Nanos>(s.elapsed_ns, 0));
  const bool final_line = s.finished == s.total;
  if (!tty_ && !final_line && elapsed < next_plain_s_) return;
  next_plain_s_ = elapsed + 10.0;
  progress_line(s, elapsed);
}

void ConsoleObserver::progress_line(const runtime::ProgressSnapshot& s, double elapsed) {
  const bool final_line = s.finished == s.total;
  const int pct = s.total > 0 ? static_cast<int>(100 * s.finished / s.total) : 100;
  const double rate = elapsed > 0 ? static_cast<double>(s.finished) / elapsed : 0.0;
  const std::string eta =
      rate > 0 && !final_line ? fmt::format("<{:.0f}s", static_cast<double>(s.total - s.finished) / rate) : "";
  std::string line = fmt::format(
      "{:3d}%| {}/{} [{:.1f}s{}, {:.2f} req/s, {:.0f} chunks/s] in flight {}, failed {}", pct, s.finished, s.total,
      elapsed, eta, rate, elapsed > 0 ? static_cast<double>(s.chunks) / elapsed : 0.0, s.started - s.finished,
      s.failed);
  if (recent_) {
    const auto& r = *recent_;
    line += fmt::format(" | last {:.0f}s: {:.0f} tok/s, TTFT p50 {:.1f} p99 {:.1f} ms, ITL p50 {:.1f} p99 {:.1f} ms",
                        r.end_s - r.start_s, r.output_token_rate, r.ttft_p50_ms, r.ttft_p99_ms, r.itl_p50_ms,
                        r.itl_p99_ms);
  }
  if (tty_) fmt::print(err_, "\r{}\x1b[K{}", line, final_line ? "\n" : "");
  else fmt::print(err_, "{}\n", line);
  std::fflush(err_);
}

scrape::ScrapeSource target_metrics_source(const runtime::ResolvedTarget& target, const runtime::Target& t) {
  scrape::ScrapeSource own{t.base, t.endpoints, t.base.path + "/metrics", target.headers, t.tls, t.tls_verify};
  own.base.path.clear();  // `path` is the whole path; the base only names the server
  return own;
}

scrape::ScrapeSource target_metrics_source(const runtime::ResolvedTarget& target) {
  return target_metrics_source(target, target.target);
}

std::vector<scrape::ScrapeSource> scrape_sources(const config::RunPlan& plan, const runtime::ResolvedTarget& target,
                                                 std::vector<std::string>& notes) {
  std::vector<scrape::ScrapeSource> sources;
  if (plan.scrape_interval.count() == 0) return sources;
  // Every replica's /metrics: the scraper adds their counters and gauges into the cluster's.
  // Each replica's own series is kept beside the sum (ScrapeSource::target).
  const auto all = target.all();
  for (std::size_t t = 0; t < all.size(); ++t) {
    sources.push_back(target_metrics_source(target, all[t]));
    sources.back().target = static_cast<int>(t);
  }
  for (const auto& url : plan.metrics_urls) {
    auto endpoints = net::resolve(url.host, url.port);
    if (!endpoints) {
      notes.push_back(fmt::format("{} not scraped: {}", url.to_string(), endpoints.error().message));
      continue;
    }
    scrape::ScrapeSource source{url, std::move(*endpoints), url.path, {}, nullptr, !plan.insecure};
    source.base.path.clear();
    if (url.tls()) {
      auto context = net::make_client_tls_context({plan.insecure, plan.ca_bundle});
      if (!context) {
        notes.push_back(fmt::format("{} not scraped: {}", url.to_string(), context.error().message));
        continue;
      }
      source.tls = std::move(*context);
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

}  // namespace llmload::app
