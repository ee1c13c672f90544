#pragma once
/// `llmload run PROFILE.yaml`: every sweep point × every stage of a validated profile, each as
/// one `llmload bench` run with the stage's load, then the SLOs checked against each measured
/// stage's result, with an exit code a pipeline can trust and, when asked, JUnit XML.

#include "llmload/config/profile.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace llmload::runtime {

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

/// Checks one SLO's max/min against a result file's JSON text (vLLM keys). Pure.
SloVerdict check_slo(const config::ProfileSlo& slo, const std::string& result_json);

/// Drift of a latency SLO's stat between the early and the late intervals of a stage.
/// `intervals` are the stage's interval histograms of the SLO's metric, in order, each in the
/// V2 compressed base64 encoding (microseconds, as written to the .hlog); intervals with no
/// sample are skipped. With n intervals left (n >= 2) and k = max(1, floor(n / 4)), early is
/// the merge of the first k, late the merge of the last k; the stat (pNN, median = p50, mean)
/// is taken on each and drift = (late − early) / early. It passes when drift <= max_drift
/// (only growth counts: a latency that falls has negative drift). Fewer than 2 intervals with
/// samples fail the check, saying so. Pure.
SloVerdict check_drift(const config::ProfileSlo& slo, const std::vector<std::string>& intervals);

/// JUnit XML: one test suite per profile, one test case per verdict (failures carry detail).
std::string junit_xml(const std::string& suite, const std::vector<SloVerdict>& verdicts);

/// Runs the profile at `path` with `overrides`. Every measured stage also writes, per interval
/// (outputs.interval): `<stage>.hlog` (HdrHistogram interval log, tags ttft, tpot, itl, e2el,
/// microseconds), `<stage>.intervals.csv`, a console line, and `<stage>.json` rewritten with
/// the cumulative figures so far (`"partial": true`) until the exact final result replaces it.
/// With a `search` section, it runs the capacity search instead of the stages once (see
/// README), writing `search.json`. Exit codes: 0 every SLO met, 1 an SLO failed
/// (each failure printed with its margin), 2 a usage or configuration error, 3 a stage could
/// not run. Human output on `out`, diagnostics on `err`.
int run_profile_command(const std::string& path, const std::vector<std::string>& overrides,
                        std::FILE* out, std::FILE* err);

}  // namespace llmload::runtime
