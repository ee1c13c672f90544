#pragma once
/// The Markdown report, shaped like a scenario suite's report: environment, resources,
/// summary table, per-scenario table, example outputs, known limits.

#include "llmload/report/result_reader.hpp"

#include <string>
#include <vector>

namespace llmload::report {

/// Where the report is generated (injected so golden tests are deterministic).
struct ReportEnvironment {
  std::string host;             ///< host name
  std::string cpu;              ///< CPU model ("model name" of /proc/cpuinfo)
  std::string cpu_cores;        ///< logical CPUs, as text
  std::string os;               ///< "Linux 6.1.0-18-amd64 x86_64" (uname)
  std::string llmload_version;  ///< this build's version
};

/// This machine's environment (gethostname, /proc/cpuinfo, uname); unknown parts are "unknown".
ReportEnvironment local_environment();

/// The report of `runs` (one or more results; several are shown as scenarios side by side).
/// Text from the files is put in code spans/fences that cannot be broken out of. Pure.
std::string markdown_report(const std::vector<ReportRun>& runs, const ReportEnvironment& env);

/// Text shortened to at most `max_bytes` bytes at a UTF-8 character boundary, with "…" added
/// when cut. Exposed for the HTML report and tests.
std::string shorten_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace llmload::report
