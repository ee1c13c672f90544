#pragma once
/// `llmload compare A.json B.json [...]`: result files side by side (vLLM's keys, so results
/// of `vllm bench serve` compare too), each metric with its absolute and relative change
/// against the first file, better or worse marked, and changes within run-to-run noise flagged.

#include "llmload/core/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace llmload::report {

/// One result file's numbers, by vLLM key. Plain value.
struct ComparedRun {
  std::string name;  ///< label shown in the header (the file's label, else its file name)
  std::vector<std::pair<std::string, double>> values;  ///< vLLM key → value, in file order
  /// An aggregate of repeated runs (llmload bench --num-runs, a profile's repeat): key → the
  /// 95% confidence interval of its mean (values then hold the means). Empty for one run.
  std::vector<std::pair<std::string, std::pair<double, double>>> intervals;
  std::optional<double> value(const std::string& key) const;
  std::optional<std::pair<double, double>> interval(const std::string& key) const;
};

/// True when the file is an aggregate of repeated runs (its top level has "llmload_aggregate").
bool is_aggregate_file(const std::string& path);

/// Reads an aggregate file: each metric's mean as its value and its 95% interval; named
/// "FILE (N runs)". Errors name the file.
core::Result<ComparedRun> read_aggregate_run(const std::string& path);

/// Reads a result file written by `llmload bench --save-result` or `vllm bench serve
/// --save-result`. Errors name the file and what is wrong.
core::Result<ComparedRun> read_compared_run(const std::string& path);

/// How a change is judged.
struct CompareOptions {
  /// Relative change below which a difference counts as noise when no standard error can be
  /// computed (medians, percentiles, throughputs of a single run).
  double noise_fraction = 0.05;
  /// Mark changes better or worse; false for runs that differ in more than one setting
  /// (different scenarios, report::classify_runs): the table then has no change columns.
  bool judge = true;
};

/// How a change is judged in the comparison.
enum class Verdict { kNone, kBetter, kWorse, kNoise };

/// One cell: its text (as the text form prints it) and the judgement behind it.
struct ComparisonCell {
  std::string text;
  Verdict verdict = Verdict::kNone;
};

/// The comparison as data, for the text, Markdown and HTML forms: header ("Metric", each run,
/// "B vs A" for each later run), one row per metric, and the sentence explaining the marks.
struct ComparisonTable {
  std::vector<std::string> header;
  std::vector<std::vector<ComparisonCell>> rows;
  std::string footnote;
};

/// Builds the table format_comparison prints (rules below). Pure; empty for no runs.
ComparisonTable comparison_table(const std::vector<ComparedRun>& runs, const CompareOptions& options);

/// The comparison as a text table (`markdown` false) or a Markdown table. Rows: the vLLM
/// summary metrics present in the first run, in vLLM's order. Columns: each run, then for
/// each later run the change against the first: "+12.3 (+5.1%) worse". Means use the runs'
/// std and sample counts (a two-sided 95% interval of the difference, Welch); other rows use
/// `noise_fraction`; between two aggregates of repeated runs, a change is noise when the
/// metric's 95% confidence intervals overlap. Pure; never fails.
std::string format_comparison(const std::vector<ComparedRun>& runs, const CompareOptions& options,
                              bool markdown);

}  // namespace llmload::report
