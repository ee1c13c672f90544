#pragma once
/// `llmload run PROFILE.yaml`: every sweep point × every stage of a validated profile, each as
/// one `llmload bench` run with the stage's load, then the SLOs checked against each measured
/// stage's result, with an exit code a pipeline can trust and, when asked, JUnit XML.

#include "llmload/config/profile.hpp"

#include <cstdio>
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
};

/// Checks one SLO against a result file's JSON text (vLLM keys). Pure.
SloVerdict check_slo(const config::ProfileSlo& slo, const std::string& result_json);

/// JUnit XML: one test suite per profile, one test case per verdict (failures carry detail).
std::string junit_xml(const std::string& suite, const std::vector<SloVerdict>& verdicts);

/// Runs the profile at `path` with `overrides`. Exit codes: 0 every SLO met, 1 an SLO failed
/// (each failure printed with its margin), 2 a usage or configuration error, 3 a stage could
/// not run. Human output on `out`, diagnostics on `err`.
int run_profile_command(const std::string& path, const std::vector<std::string>& overrides,
                        std::FILE* out, std::FILE* err);

}  // namespace llmload::runtime
