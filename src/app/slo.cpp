#include "llmload/app/slo.hpp"

#include "llmload/core/text.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/metrics/hdr_histogram.hpp"
#include "llmload/metrics/interval_recorder.hpp"
#include "llmload/otlp/breakdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace llmload::app {
namespace {

bool is_latency(const std::string& metric) {
  return metric == "ttft" || metric == "tpot" || metric == "itl" || metric == "e2el" ||
         otlp::part_of_slo_metric(metric).has_value();
}

/// The statistics of a latency metric: vLLM's, or a server-trace part (null when the run has none).
const metrics::SampleStats* latency_stats(const std::string& metric, const metrics::RunSummary& s) {
  if (metric == "ttft") return &s.ttft_ms;
  if (metric == "tpot") return &s.tpot_ms;
  if (metric == "itl") return &s.itl_ms;
  if (metric == "e2el") return &s.e2el_ms;
  for (const auto& [name, stats] : s.extra_latency_ms) {
    if (name == metric && stats.count > 0) return &stats;
  }
  return nullptr;
}

/// Limits in milliseconds: latencies and the recovery time.
bool in_ms(const std::string& metric) { return is_latency(metric) || metric == "recovery_time"; }

}  // namespace

std::string describe_slo(const config::ProfileSlo& s) {
  auto value = [&](double v) {
    if (in_ms(s.metric)) return fmt::format("{:g} ms", v);
    if (s.metric == "error_rate") return fmt::format("{:g}%", v * 100);
    if (s.metric == "accuracy") return fmt::format("{:g}", v);
    return fmt::format("{:g}/s", v);
  };
  std::string text = s.metric + (s.stat.empty() ? "" : " " + s.stat);
  if (s.max) text += " <= " + value(*s.max);
  if (s.min) text += " >= " + value(*s.min);
  return text;
}

std::optional<double> slo_value(const config::ProfileSlo& slo, const metrics::RunSummary& summary) {
  if (is_latency(slo.metric)) {
    const metrics::SampleStats* found = latency_stats(slo.metric, summary);
    if (found == nullptr) return std::nullopt;
    const metrics::SampleStats& stats = *found;
    if (slo.stat == "mean") return stats.mean;
    if (slo.stat == "median") return stats.median;
    const double q = std::strtod(slo.stat.c_str() + 1, nullptr);
    const double value = stats.percentile_or(q, NAN);
    return std::isnan(value) ? std::nullopt : std::optional<double>(value);
  }
  if (slo.metric == "error_rate") {
    const auto all = summary.completed + summary.failed;
    if (all == 0) return std::nullopt;
    return static_cast<double>(summary.failed) / static_cast<double>(all);
  }
  if (slo.metric == "request_throughput") return summary.request_throughput;
  if (slo.metric == "output_throughput") return summary.output_throughput;
  if (slo.metric == "goodput") return summary.request_goodput;
  if (slo.metric == "accuracy") {
    if (!summary.answers || summary.answers->score.empty() || summary.answers->overall.scored == 0) return std::nullopt;
    return summary.answers->overall.accuracy;
  }
  return std::nullopt;
}

bool depends_on_latency(const config::ProfileSlo& slo) {
  return is_latency(slo.metric) || slo.metric == "goodput";
}

SloVerdict distrust_if_saturated(SloVerdict verdict, const config::ProfileSlo& slo, const metrics::ClientCheck& check,
                                 bool allowed) {
  if (!check.saturated || allowed || !depends_on_latency(slo)) return verdict;
  std::string figures;
  for (const auto& f : check.findings) figures += (figures.empty() ? "" : "; ") + f.text;
  verdict.passed = false;
  verdict.detail = fmt::format("{}; not trusted: the client was saturated ({}); fix the client, or set "
                               "allow_saturated_client: true to judge these figures anyway",
                               verdict.detail, figures);
  return verdict;
}

SloVerdict check_slo(const config::ProfileSlo& slo, const metrics::RunSummary& summary) {
  return judge_slo(slo, slo_value(slo, summary));
}

std::string slo_key(const config::ProfileSlo& slo) {
  if (is_latency(slo.metric)) {
    if (slo.stat == "mean" || slo.stat == "median") return fmt::format("{}_{}_ms", slo.stat, slo.metric);
    return fmt::format("p{}_{}_ms", report::percentile_word(std::strtod(slo.stat.c_str() + 1, nullptr)), slo.metric);
  }
  return slo.metric == "goodput" ? "request_goodput" : slo.metric;
}

SloVerdict check_slo_aggregate(const config::ProfileSlo& slo, const Aggregate& aggregate) {
  const AggregateMetric* metric = aggregate.find(slo_key(slo));
  std::optional<double> measured;
  if (metric != nullptr) {
    measured = slo.on == "ci_upper"   ? metric->stat.ci_high
               : slo.on == "ci_lower" ? metric->stat.ci_low
                                      : metric->stat.mean;
  }
  SloVerdict v = judge_slo(slo, measured);
  v.slo += fmt::format(" on {} of {} runs", slo.on.empty() ? "mean" : slo.on, aggregate.runs);
  return v;
}

SloVerdict judge_slo(const config::ProfileSlo& slo, std::optional<double> measured) {
  SloVerdict v;
  v.slo = describe_slo(slo);
  const std::string unit = in_ms(slo.metric) ? " ms" : slo.metric == "error_rate" || slo.metric == "accuracy" ? "" : "/s";
  if (!measured) {
    v.detail = slo.metric == "accuracy" ? "no request was scored (the dataset needs reference answers, or set workload.score)"
                                        : "the result has no value for it";
    return v;
  }
  auto show = [&](double x) {
    if (slo.metric == "accuracy") return fmt::format("{:.4f}", x);
    return slo.metric == "error_rate" ? fmt::format("{:.3g}%", x * 100) : fmt::format("{:.2f}{}", x, unit);
  };
  v.measured = measured;
  v.passed = (!slo.max || *measured <= *slo.max) && (!slo.min || *measured >= *slo.min);
  std::optional<double> margin;
  // Relative to the limit; a limit of 0 (e.g. no errors allowed) has no relative margin.
  if (slo.max && *slo.max != 0) margin = (*slo.max - *measured) / std::abs(*slo.max);
  if (slo.min && *slo.min != 0) {
    const double m = (*measured - *slo.min) / std::abs(*slo.min);
    margin = margin ? std::min(*margin, m) : m;
  }
  v.margin = margin;
  if (slo.max && *measured > *slo.max) {
    v.detail = fmt::format("measured {}, {} over the limit", show(*measured), show(*measured - *slo.max));
  } else if (slo.min && *measured < *slo.min) {
    v.detail = fmt::format("measured {}, {} under the limit", show(*measured), show(*slo.min - *measured));
  } else {
    const double margin = slo.max ? *slo.max - *measured : *measured - slo.min.value_or(*measured);
    v.detail = fmt::format("measured {}, margin {}", show(*measured), show(margin));
  }
  return v;
}

std::optional<SloVerdict> stop_when_verdict(const config::StopWhen& rules, const std::optional<runtime::StoppedEarly>& stop) {
  if (!rules.any() && !stop) return std::nullopt;
  SloVerdict v;
  v.slo = "ran to its end (stop_when)";
  v.passed = !stop;
  v.detail = stop ? fmt::format("stopped early after {:.1f} s ({}): {}", core::ns_to_s(stop->at_ns), stop->reason,
                                stop->message)
                  : "no early-stop rule held";
  return v;
}

std::vector<SloVerdict> check_recovery(const config::ProfileSlo& slo, const std::vector<Disruption>& found) {
  std::vector<SloVerdict> verdicts;
  for (const auto& d : found) {
    SloVerdict v = judge_slo(slo, d.recovery_s ? std::optional<double>(*d.recovery_s * 1000) : std::nullopt);
    v.slo += fmt::format(" (event at {:.1f} s)", d.at_s);
    if (!d.recovery_s) v.detail = "it did not recover before the run ended";
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

std::string junit_xml(const std::string& suite, const std::vector<SloVerdict>& verdicts) {
  std::size_t failures = 0;
  for (const auto& v : verdicts) failures += v.passed ? 0 : 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\">\n", verdicts.size(), failures);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n", core::xml_escape(suite),
                     verdicts.size(), failures);
  for (const auto& v : verdicts) {
    const std::string where = v.point.empty() ? v.stage : v.stage + " [" + v.point + "]";
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", core::xml_escape(where), core::xml_escape(v.slo));
    if (v.passed) {
      out += fmt::format("<system-out>{}</system-out></testcase>\n", core::xml_escape(v.detail));
    } else {
      out += fmt::format("<failure message=\"{}\"/></testcase>\n", core::xml_escape(v.detail));
    }
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

SloVerdict check_drift(const config::ProfileSlo& slo, const std::vector<std::string>& intervals) {
  SloVerdict v;
  v.slo = fmt::format("{} {} drift <= {:g}%", slo.metric, slo.stat, slo.max_drift.value_or(0) * 100);
  std::vector<metrics::HdrHistogram> kept;
  for (const auto& text : intervals) {
    auto h = metrics::HdrHistogram::decode_compressed_base64(text);
    if (!h) {
      v.detail = "an interval histogram could not be decoded: " + h.error().message;
      return v;
    }
    if (h->total_count() > 0) kept.push_back(std::move(*h));
  }
  const std::size_t n = kept.size();
  if (n < 2) {
    v.detail = fmt::format("needs at least 2 intervals with samples, the stage had {}; run it longer or "
                           "shorten outputs.interval", n);
    return v;
  }
  const std::size_t k = std::max<std::size_t>(1, n / 4);
  metrics::HdrHistogram early(metrics::interval_histogram_config()), late(metrics::interval_histogram_config());
  for (std::size_t i = 0; i < k; ++i) {
    early.merge(kept[i]);
    late.merge(kept[n - k + i]);
  }
  auto stat_ms = [&](const metrics::HdrHistogram& h) {
    if (slo.stat == "mean") return h.mean() / 1000.0;
    const double q = slo.stat == "median" ? 50.0 : std::strtod(slo.stat.c_str() + 1, nullptr);
    return static_cast<double>(h.value_at_percentile(q)) / 1000.0;
  };
  const double e = stat_ms(early), l = stat_ms(late);
  const double drift = e > 0 ? (l - e) / e : (l > 0 ? INFINITY : 0.0);
  const double limit = slo.max_drift.value_or(0);
  v.measured = drift;
  v.margin = limit - drift;
  v.passed = drift <= limit;
  v.detail = fmt::format("early {:.2f} ms (intervals 1-{}), late {:.2f} ms (intervals {}-{}), drift {:+.1f}%, {} {:.1f} points",
                         e, k, l, n - k + 1, n, drift * 100, v.passed ? "margin" : "over the limit by",
                         std::abs(limit - drift) * 100);
  return v;
}

SloVerdict check_accuracy_drift(const config::ProfileSlo& slo, const std::vector<metrics::IntervalAnswers>& intervals) {
  SloVerdict v;
  v.slo = fmt::format("accuracy drop <= {:g}%", slo.max_drift.value_or(0) * 100);
  std::vector<const metrics::IntervalAnswers*> kept;
  const double length = intervals.empty() ? 0 : intervals.front().end_s - intervals.front().start_s;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const auto& a = intervals[i];
    // The drain at the end, shorter than half an interval, is left out (as for latency drift).
    const bool short_last = i + 1 == intervals.size() && i > 0 && a.end_s - a.start_s < length / 2;
    if (a.scored > 0 && a.accuracy && !short_last) kept.push_back(&a);
  }
  const std::size_t n = kept.size();
  if (n < 2) {
    v.detail = fmt::format("needs at least 2 intervals with scored requests, the stage had {}; run it longer, "
                           "shorten outputs.interval, or give the dataset reference answers", n);
    return v;
  }
  const std::size_t k = std::max<std::size_t>(1, n / 4);
  auto mean = [&](std::size_t from) {
    double sum = 0, scored = 0;
    for (std::size_t i = from; i < from + k; ++i) {
      sum += *kept[i]->accuracy * static_cast<double>(kept[i]->scored);
      scored += static_cast<double>(kept[i]->scored);
    }
    return sum / scored;
  };
  const double e = mean(0), l = mean(n - k);
  const double drop = e > 0 ? (e - l) / e : 0.0;
  const double limit = slo.max_drift.value_or(0);
  v.measured = drop;
  v.margin = limit - drop;
  v.passed = drop <= limit;
  v.detail = fmt::format("early {:.4f} (intervals 1-{}), late {:.4f} (intervals {}-{}), drop {:+.1f}%, {} {:.1f} points",
                         e, k, l, n - k + 1, n, drop * 100, v.passed ? "margin" : "over the limit by",
                         std::abs(limit - drop) * 100);
  return v;
}

}  // namespace llmload::app
