#include "llmload/report/run_set.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace llmload::report {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kSeries = "series";
constexpr const char* kWorkload = "workload (from the plan)";
constexpr const char* kRate = "request rate";

std::string number_text(std::optional<double> v) {
  if (!v) return "none";
  return std::isfinite(*v) ? fmt::format("{:g}", *v) : "inf";
}

Settings settings_of(const ReportRun& r) {
  if (!r.series.empty()) {
    Settings s{{kSeries, r.series}};
    s.insert(s.end(), r.sweep.begin(), r.sweep.end());
    return s;
  }
  return {{kWorkload, r.workload},
          {kRate, number_text(r.request_rate.value_or(INFINITY))},
          {"max concurrency", number_text(r.numbers.value("max_concurrency"))}};
}

const std::string* find(const Settings& s, const std::string& key) {
  for (const auto& [k, v] : s) {
    if (k == key) return &v;
  }
  return nullptr;
}

/// The settings whose values are not the same in every run (a missing one differs).
std::vector<std::string> differing(const std::vector<Settings>& all) {
  std::vector<std::string> keys;
  for (const auto& s : all) {
    for (const auto& [k, v] : s) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  }
  std::vector<std::string> out;
  for (const auto& key : keys) {
    const std::string* first = find(all.front(), key);
    const bool same = std::all_of(all.begin(), all.end(), [&](const Settings& s) {
      const std::string* v = find(s, key);
      return first != nullptr && v != nullptr && *v == *first;
    });
    if (!same) out.push_back(key);
  }
  return out;
}

bool is_section(const std::string& value) { return value.starts_with('{') || value.starts_with('['); }

std::string side_by_side_reason(const std::string& key, const std::vector<std::string>& keys) {
  if (keys.size() > 1) return fmt::format("the runs differ in {} settings ({})", keys.size(), fmt::join(keys, ", "));
  if (key == kSeries) return "the runs are different stages or profiles";
  if (key == kWorkload) return "the runs sent different workloads";
  return fmt::format("the runs are different scenarios ({})", key);
}

/// The runs of a rate sweep by offered rate (finite rates only).
std::vector<const ReportRun*> by_offered_rate(const std::vector<ReportRun>& runs) {
  std::vector<const ReportRun*> out;
  for (const auto& r : runs) {
    if (r.request_rate && std::isfinite(*r.request_rate)) out.push_back(&r);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return *a->request_rate < *b->request_rate; });
  return out;
}

/// Why a rate sweep's points cannot tell a knee, or "".
std::string points_too_small(const std::vector<const ReportRun*>& points) {
  std::set<double> rates;
  for (const auto* r : points) rates.insert(*r->request_rate);
  if (rates.size() < kKneeMinRates) {
    return fmt::format("No capacity knee is named: the sweep offered {} distinct finite rate{} (at least {} are needed).",
                       rates.size(), rates.size() == 1 ? "" : "s", kKneeMinRates);
  }
  for (const auto* r : points) {
    const double completed = r->numbers.value("completed").value_or(0);
    const double seconds = r->numbers.value("duration").value_or(0);
    if (completed < kKneeMinCompleted || seconds < kKneeMinSeconds) {
      return fmt::format("No capacity knee is named: point {} completed {:.0f} requests in {:.1f} s (each point needs "
                         "at least {:.0f} completions and {:.0f} s measured to tell).",
                         r->name(), completed, seconds, kKneeMinCompleted, kKneeMinSeconds);
    }
  }
  return {};
}

}  // namespace

RunSet classify_runs(const std::vector<ReportRun>& runs) {
  RunSet set;
  if (runs.size() < 2) return set;
  std::vector<Settings> all;
  for (const auto& r : runs) all.push_back(settings_of(r));
  const auto keys = differing(all);
  if (keys.empty()) {
    set.kind = RunSetKind::kSame;
    return set;
  }
  const std::string& key = keys.front();
  const bool sections = std::any_of(all.begin(), all.end(), [&](const Settings& s) {
    const std::string* v = find(s, key);
    return v == nullptr || is_section(*v);
  });
  if (keys.size() > 1 || key == kSeries || key == kWorkload || sections) {
    set.kind = RunSetKind::kSideBySide;
    set.why = side_by_side_reason(key, keys);
    return set;
  }
  set.kind = RunSetKind::kSweep;
  set.axis = key;
  set.rate_axis = key == kRate || key == "rate" || key.ends_with(".rate");
  return set;
}

std::string CapacityKnee::sentence() const {
  std::string out = fmt::format(
      "Capacity knee between {:g} and {:g} req/s offered: at {} the server completed {:.2f} req/s of {:g} offered "
      "({:.0f}%), at {} {:.2f} of {:g} ({:.0f}%)",
      before_offered, offered, name, achieved, offered, 100 * achieved / offered, before_name, before_achieved,
      before_offered, 100 * before_achieved / before_offered);
  if (ttft_p99_ms && before_ttft_p99_ms) {
    out += fmt::format("; P99 TTFT {:.1f} ms → {:.1f} ms", *before_ttft_p99_ms, *ttft_p99_ms);
  }
  if (e2el_median_ms && before_e2el_median_ms) {
    out += fmt::format(", median E2EL {:.1f} ms → {:.1f} ms", *before_e2el_median_ms, *e2el_median_ms);
  }
  return out + ".";
}

std::optional<CapacityKnee> capacity_knee(const std::vector<ReportRun>& runs, const RunSet& set) {
  if (set.kind != RunSetKind::kSweep || !set.rate_axis) return std::nullopt;
  const auto points = by_offered_rate(runs);
  if (!points_too_small(points).empty()) return std::nullopt;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const ReportRun& r = *points[i];
    const double achieved = r.numbers.value("request_throughput").value_or(0);
    if (achieved >= kKneeAchievedShare * *r.request_rate) continue;
    const ReportRun& b = *points[i - 1];
    if (b.numbers.value("request_throughput").value_or(0) < kKneeAchievedShare * *b.request_rate) return std::nullopt;
    CapacityKnee k;
    k.name = r.name();
    k.before_name = b.name();
    k.offered = *r.request_rate;
    k.achieved = achieved;
    k.before_offered = *b.request_rate;
    k.before_achieved = b.numbers.value("request_throughput").value_or(0);
    k.ttft_p99_ms = r.numbers.value("p99_ttft_ms");
    k.before_ttft_p99_ms = b.numbers.value("p99_ttft_ms");
    k.e2el_median_ms = r.numbers.value("median_e2el_ms");
    k.before_e2el_median_ms = b.numbers.value("median_e2el_ms");
    return k;
  }
  return std::nullopt;
}

std::string no_knee_reason(const std::vector<ReportRun>& runs, const RunSet& set) {
  if (set.kind != RunSetKind::kSweep || !set.rate_axis) return {};
  const auto points = by_offered_rate(runs);
  if (auto small = points_too_small(points); !small.empty()) return small;
  if (capacity_knee(runs, set)) return {};
  const ReportRun& lowest = *points.front();
  if (lowest.numbers.value("request_throughput").value_or(0) < kKneeAchievedShare * *lowest.request_rate) {
    return fmt::format("No capacity knee is named: already the lowest offered rate ({:g} req/s) completed under {:.0f}% "
                       "of it; the knee lies below the sweep.",
                       *lowest.request_rate, kKneeAchievedShare * 100);
  }
  return fmt::format("No capacity knee: every point completed at least {:.0f}% of its offered rate (up to {:g} req/s).",
                     kKneeAchievedShare * 100, *points.back()->request_rate);
}

}  // namespace llmload::report
