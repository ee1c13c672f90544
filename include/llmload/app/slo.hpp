#pragma once
/// SLO checks of `llmload run`, on a stage's result in memory: a limit on a latency
/// statistic, the error rate, a throughput or the answers' accuracy, and the drift of a
/// latency (or the drop of accuracy) between the early and the late intervals of a soak. Pure.

#include "llmload/app/disruption.hpp"
#include "llmload/app/repeat.hpp"
#include "llmload/config/profile.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/runtime/early_stop.hpp"

#include <optional>
#include <string>
#include <vector>

namespace llmload::app {

/// One SLO checked against one stage's result.
struct SloVerdict {
  std::string point;     ///< sweep point ("" without a sweep), e.g. "load.stages.0.rate=2"
  std::string stage;     ///< stage name
  std::string slo;       ///< e.g. "ttft p99 <= 500 ms"
  bool passed = false;
  std::string detail;    ///< measured value and margin, e.g. "measured 612.3 ms, 112.3 ms over"
  std::optional<double> measured;  ///< in the SLO's unit (ms, fraction, /s; drift: fraction)
  /// Distance to the limit relative to it: (limit − measured) / limit for a max, (measured −
  /// limit) / limit for a min; negative when failed; unset for a limit of 0. For drift:
  /// limit − drift (fractions).
  std::optional<double> margin;
};

/// The SLO as a short text, e.g. "ttft p99 <= 500 ms", "error_rate <= 1%".
std::string describe_slo(const config::ProfileSlo& slo);

/// The value an SLO limits, read from a summary in the SLO's unit (ms, fraction, /s); unset
/// when the summary has none (e.g. a percentile that was not computed, goodput without
/// thresholds).
std::optional<double> slo_value(const config::ProfileSlo& slo, const metrics::RunSummary& summary);

/// Checks one SLO's max/min against a stage's summary.
SloVerdict check_slo(const config::ProfileSlo& slo, const metrics::RunSummary& summary);

/// Checks one SLO's max/min against a measured value in its unit (none: failed, saying so).
SloVerdict judge_slo(const config::ProfileSlo& slo, std::optional<double> measured);

/// The key of the SLO's figure in result files and aggregates, e.g. p99_ttft_ms, error_rate.
std::string slo_key(const config::ProfileSlo& slo);

/// Checks one SLO against repeated runs: its figure's mean, or the bound of its 95% interval
/// that `slo.on` names (ci_upper, ci_lower).
SloVerdict check_slo_aggregate(const config::ProfileSlo& slo, const Aggregate& aggregate);

/// Drift of a latency SLO's stat between the early and the late intervals of a stage.
/// `intervals` are the stage's interval histograms of the SLO's metric, in order, each in the
/// V2 compressed base64 encoding (microseconds, as written to the .hlog); intervals with no
/// sample are skipped. With n intervals left (n >= 2) and k = max(1, floor(n / 4)), early is
/// the merge of the first k, late the merge of the last k; the stat (pNN, median = p50, mean)
/// is taken on each and drift = (late − early) / early. It passes when drift <= max_drift
/// (only growth counts: a latency that falls has negative drift). Fewer than 2 intervals with
/// samples fail the check, saying so.
SloVerdict check_drift(const config::ProfileSlo& slo, const std::vector<std::string>& intervals);

/// Whether an SLO's metric is measured by the client's own stamps (ttft, tpot, itl, e2el, and
/// goodput, which counts requests by them): a saturated client makes them describe itself.
bool depends_on_latency(const config::ProfileSlo& slo);

/// A verdict on a latency SLO of a run whose client was saturated fails, saying why, unless
/// the profile allows it (allow_saturated_client: true). Other verdicts are returned as given.
SloVerdict distrust_if_saturated(SloVerdict verdict, const config::ProfileSlo& slo, const metrics::ClientCheck& check,
                                 bool allowed);

/// Drop of accuracy between the early and the late intervals of a stage (its answers'
/// per_interval, metrics::IntervalAnswers). Intervals with no scored request are skipped, as
/// is a last one shorter than half the first (the drain). With n intervals left (n >= 2) and
/// k = max(1, floor(n / 4)): early = the scored-weighted mean accuracy of the first k, late
/// that of the last k, drop = (early − late) / early (relative, as latency drift; only a fall
/// counts: a rising accuracy has a negative drop). Passes when drop <= max_drift. Fewer than 2
/// intervals with scored requests fail the check, saying so.
SloVerdict check_accuracy_drift(const config::ProfileSlo& slo, const std::vector<metrics::IntervalAnswers>& intervals);

/// The verdict "ran to its end (stop_when)" of a stage with early-stop rules: failed when one
/// of them ended it (`stop`), passed otherwise; none without rules.
std::optional<SloVerdict> stop_when_verdict(const config::StopWhen& rules, const std::optional<runtime::StoppedEarly>& stop);

/// A recovery_time SLO on each disruption of a stage (in ms; no recovery fails).
std::vector<SloVerdict> check_recovery(const config::ProfileSlo& slo, const std::vector<Disruption>& found);

/// JUnit XML: one test suite per profile, one test case per verdict (failures carry detail).
std::string junit_xml(const std::string& suite, const std::vector<SloVerdict>& verdicts);

}  // namespace llmload::app
