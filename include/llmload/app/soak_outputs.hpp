#pragma once
/// The soak outputs of one stage of `llmload run`, written as the stage runs: each interval
/// appends to `<base>.hlog` (HdrHistogram interval log: ttft, tpot, itl, e2el in
/// microseconds) and `<base>.intervals.csv` (flushed each interval), prints a console line and
/// rewrites `<base>.json` with the cumulative figures so far, atomically, until the exact
/// result replaces it. Keeps each interval's encoded histograms (a few KiB) for drift checks.

#include "llmload/core/clock.hpp"
#include "llmload/metrics/interval_recorder.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/runtime/runner.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace llmload::app {

class SoakOutputs {
 public:
  /// Files go to `dir` named `base`.*; console lines are labelled `label`. Nothing is opened
  /// before the first interval.
  SoakOutputs(std::filesystem::path dir, std::string base, std::string label,
              std::FILE* out, std::FILE* err);
  ~SoakOutputs();
  SoakOutputs(const SoakOutputs&) = delete;
  SoakOutputs& operator=(const SoakOutputs&) = delete;

  /// One interval of the stage (on the thread running the stage).
  void add(const runtime::IntervalReport& r);

  /// After the run: rewrites `<base>.intervals.csv` (atomically) with the figures filled in
  /// after the intervals were written (summary.interval_extra_fields: the server-trace
  /// breakdown's part means, empty where none) as more columns. Nothing without them.
  void fill_in(const metrics::RunSummary& summary);

  /// A file could not be written (said once on `err`).
  bool failed() const { return failed_; }

 private:
  bool open(const runtime::IntervalReport& r);
  void fail(const std::string& message);
  bool write_lines(const runtime::IntervalReport& r);
  std::string cumulative_json(const runtime::IntervalReport& r) const;

  std::filesystem::path dir_;
  std::string base_, label_;
  std::FILE* out_;
  std::FILE* err_;
  std::FILE* hlog_ = nullptr;
  std::FILE* csv_ = nullptr;
  bool failed_ = false;
  std::vector<std::string> csv_lines_;  ///< the CSV's rows as written, for fill_in
  metrics::IntervalRecorder cumulative_;
  std::int64_t intervals_ = 0;
};

}  // namespace llmload::app
