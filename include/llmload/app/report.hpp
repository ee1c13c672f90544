#pragma once
/// `llmload report` (HTML, Markdown, CSV from result files), `llmload compare` (result files
/// side by side) and `llmload validate` (a profile checked without running it).

#include "llmload/report/report_writer.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}

namespace llmload::app {

/// The arguments of `llmload report`.
struct ReportArgs {
  std::vector<std::string> files;
  std::string html, md, csv;
  double interval_s = 1;
};

/// The arguments of `llmload compare`.
struct CompareArgs {
  std::vector<std::string> files;
  std::string md, html;
  bool md_to_stdout = false;  ///< --md given without a file (set after parsing)
  double noise_pct = 5;
  CLI::Option* md_option = nullptr;
};

/// The arguments of `llmload validate`.
struct ValidateArgs {
  std::string profile;
  std::vector<std::string> overrides;
};

CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);
CLI::App* add_validate_command(CLI::App& app, ValidateArgs& args);

/// Each returns an ExitCode; output on stdout, errors on stderr.
int run_report(const ReportArgs& args);
int run_compare(CompareArgs args);
int run_validate(const ValidateArgs& args);

}  // namespace llmload::app
