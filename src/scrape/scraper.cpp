#include "llmload/scrape/scraper.hpp"

#include "llmload/core/clock.hpp"
#include "llmload/net/simple_client.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::scrape {

namespace {
constexpr std::size_t kMaxNotes = 10;
}

Scraper::Scraper(std::vector<ScrapeSource> sources, std::chrono::milliseconds interval)
    : interval_(std::max(interval, std::chrono::milliseconds(1))) {
  std::vector<std::string> targets;
  for (auto& s : sources) {
    series_.sources.push_back(s.base.to_string() + s.path);
    if (s.target >= 0) {
      targets.resize(std::max(targets.size(), static_cast<std::size_t>(s.target) + 1));
      targets[static_cast<std::size_t>(s.target)] = series_.sources.back();
    }
    sources_.push_back(Active{std::move(s)});
  }
  if (targets.size() > 1) series_.targets = std::move(targets);  // one target: the sum is its own
  series_.interval_s = static_cast<double>(interval_.count()) / 1000.0;
}

Scraper::~Scraper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scraper::scrape_once(bool first) {
  const auto timeout = std::min<std::chrono::milliseconds>(interval_, std::chrono::seconds(5));
  std::vector<Exposition> expositions;
  std::vector<int> target_of;  // parallel to expositions
  for (auto& a : sources_) {
    if (a.dropped) continue;
    const auto& s = a.source;
    auto response = net::fetch(s.base, s.endpoints, "GET", s.path, s.headers, "", timeout,
                               s.tls.get(), s.verify);
    std::string failure;
    if (!response) failure = response.error().message;
    else if (response->status != 200) failure = fmt::format("answered HTTP {}", response->status);
    if (!failure.empty()) {
      const std::string where = s.base.to_string() + s.path;
      if (first) {
        a.dropped = true;
        series_.notes.push_back(fmt::format("{} not scraped: {}", where, failure));
      } else {
        if (series_.failed_scrapes == 0 && series_.notes.size() < kMaxNotes) {
          series_.notes.push_back(fmt::format("{} failed a scrape: {}", where, failure));
        }
        ++series_.failed_scrapes;
      }
      continue;
    }
    expositions.push_back(parse_exposition(response->body));
    target_of.push_back(s.target);
    const auto& e = expositions.back();
    if (e.bad_lines > 0 && !a.noted_parse_problem && series_.notes.size() < kMaxNotes) {
      a.noted_parse_problem = true;
      series_.notes.push_back(fmt::format("{}: {} lines skipped, first {}", s.base.to_string() + s.path,
                                          e.bad_lines, e.problems.front()));
    }
  }
  if (expositions.empty()) return;
  series_.points.push_back(extract_point(core::now_ns(), expositions));
  auto& point = series_.points.back();
  point.per_target.resize(series_.targets.size());
  for (std::size_t i = 0; i < expositions.size(); ++i) {
    const auto t = static_cast<std::size_t>(target_of[i]);
    if (target_of[i] >= 0 && t < point.per_target.size()) {
      point.per_target[t] = extract_point(point.t_ns, std::span(&expositions[i], 1)).values;
    }
  }
  constexpr std::string_view kOutOfRange = "server metrics: ignored values";
  if (series_.points.back().out_of_range > 0 && series_.notes.size() < kMaxNotes &&
      std::none_of(series_.notes.begin(), series_.notes.end(), [&](const std::string& n) { return n.starts_with(kOutOfRange); })) {
    series_.notes.push_back(fmt::format("{} that were not finite or beyond +-{:g} ({} in one scrape)", kOutOfRange,
                                        kMaxMetricValue, series_.points.back().out_of_range));
  }
}

void Scraper::loop() {
  auto next = std::chrono::steady_clock::now() + interval_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    scrape_once(false);
    next += interval_;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + interval_;  // a slow scrape skips ticks instead of bunching up
  }
}

void Scraper::start() {
  scrape_once(true);
  const bool any = std::any_of(sources_.begin(), sources_.end(), [](const Active& a) { return !a.dropped; });
  if (any) thread_ = std::thread([this] { loop(); });
}

ScrapeSeries Scraper::stop() {
  const bool was_running = thread_.joinable();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (was_running) scrape_once(false);
  return std::move(series_);
}

}  // namespace llmload::scrape
