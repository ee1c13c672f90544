#include "llmload/app/repeat.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/report/console_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

namespace llmload::app {
namespace {

constexpr std::pair<const char*, metrics::SampleStats metrics::RunSummary::*> kLatencies[] = {
    {"ttft", &metrics::RunSummary::ttft_ms},
    {"tpot", &metrics::RunSummary::tpot_ms},
    {"itl", &metrics::RunSummary::itl_ms},
    {"e2el", &metrics::RunSummary::e2el_ms}};

using Getter = std::function<double(const metrics::RunSummary&)>;

/// Every metric key and how to read it from a summary, in the result file's order.
std::vector<std::pair<std::string, Getter>> metric_getters(const metrics::RunSummary& first) {
  std::vector<std::pair<std::string, Getter>> out = {
      {"completed", [](const auto& s) { return static_cast<double>(s.completed); }},
      {"failed", [](const auto& s) { return static_cast<double>(s.failed); }},
      {"error_rate",
       [](const auto& s) {
         const auto all = s.completed + s.failed;
         return all > 0 ? static_cast<double>(s.failed) / static_cast<double>(all) : 0.0;
       }},
      {"duration", [](const auto& s) { return s.duration_s; }},
      {"request_throughput", [](const auto& s) { return s.request_throughput; }},
      {"output_throughput", [](const auto& s) { return s.output_throughput; }},
      {"total_token_throughput", [](const auto& s) { return s.total_token_throughput; }},
  };
  if (first.request_goodput) {
    out.emplace_back("request_goodput", [](const auto& s) { return s.request_goodput.value_or(0.0); });
  }
  for (const auto& [name, member] : kLatencies) {
    const metrics::SampleStats& stats = first.*member;
    if (stats.count == 0 && stats.percentiles.empty()) continue;
    const auto m = member;
    out.emplace_back(fmt::format("mean_{}_ms", name), [m](const auto& s) { return (s.*m).mean; });
    out.emplace_back(fmt::format("median_{}_ms", name), [m](const auto& s) { return (s.*m).median; });
    out.emplace_back(fmt::format("std_{}_ms", name), [m](const auto& s) { return (s.*m).stddev; });
    for (const auto& pv : stats.percentiles) {
      const double p = pv.percentile;
      out.emplace_back(fmt::format("p{}_{}_ms", report::percentile_word(p), name),
                       [m, p](const auto& s) { return (s.*m).percentile_or(p, NAN); });
    }
  }
  return out;
}

}  // namespace

const AggregateMetric* Aggregate::find(const std::string& key) const {
  for (const auto& m : metrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

Aggregate aggregate_runs(const std::vector<const metrics::RunSummary*>& summaries) {
  Aggregate a;
  a.runs = static_cast<std::int64_t>(summaries.size());
  if (summaries.empty()) return a;
  for (const auto& [key, get] : metric_getters(*summaries.front())) {
    std::vector<double> values;
    for (const auto* s : summaries) values.push_back(get(*s));
    if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) continue;
    a.metrics.push_back({key, metrics::repeat_stat(values)});
  }
  return a;
}

std::string aggregate_json(const Aggregate& a) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("llmload_aggregate").begin_object();
  w.field("version", std::int64_t{1});
  w.field("runs", a.runs);
  w.key("seeds").begin_array();
  for (const auto seed : a.seeds) w.value(static_cast<std::int64_t>(seed));
  w.end_array();
  w.key("results").begin_array();
  for (const auto& r : a.results) w.value(r);
  w.end_array();
  w.field("stopped_early", a.stopped_early);
  w.field("interval", "95% confidence interval of the mean, Student t with runs - 1 degrees of freedom");
  w.end_object();
  w.key("metrics").begin_object();
  for (const auto& m : a.metrics) {
    w.key(m.key).begin_object();
    w.field("mean", m.stat.mean);
    w.field("std", m.stat.std);
    w.field("cv", m.stat.cv);
    w.field("ci95_low", m.stat.ci_low);
    w.field("ci95_high", m.stat.ci_high);
    w.key("values").begin_array();
    for (const double v : m.stat.values) w.value(v);
    w.end_array();
    w.end_object();
  }
  w.end_object();
  w.end_object();
  out += "\n";
  return out;
}

std::string format_aggregate(const Aggregate& a, const std::string& title) {
  std::string out = fmt::format("{}\n", report::centered(fmt::format(" {} ({} runs) ", title, a.runs), '=', 78));
  out += fmt::format("{:<26} {:>12} {:>10} {:>7}  {}\n", "Metric", "Mean", "Std", "CV", "95% CI of the mean");
  for (const auto& m : a.metrics) {
    out += fmt::format("{:<26} {:>12.3f} {:>10.3f} {:>6.1f}%  [{:.3f}, {:.3f}]\n", m.key, m.stat.mean, m.stat.std,
                       m.stat.cv * 100, m.stat.ci_low, m.stat.ci_high);
  }
  if (a.stopped_early > 0) out += fmt::format("{} of the runs stopped early\n", a.stopped_early);
  out += std::string(78, '=') + "\n";
  return out;
}

std::string repeat_file_name(const std::string& base, const std::string& suffix) {
  std::string stem = base;
  if (stem.ends_with(".json")) stem.resize(stem.size() - 5);
  return fmt::format("{}-{}.json", stem, suffix);
}

}  // namespace llmload::app
