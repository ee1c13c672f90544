#pragma once
/// SIGINT and SIGTERM while a run executes: counted, never fatal, so the run can stop
/// gracefully (the Runner polls the count) and still save what it measured.

#include <atomic>

namespace llmload::runtime {

/// Signals received since the current StopSignals was installed (0 when none is).
const std::atomic<int>& stop_signal_count();

/// Installs the counting handler for SIGINT and SIGTERM for its lifetime (one at a time).
/// Any number of signals is only counted, so the table and the result file are never lost;
/// SIGKILL still ends a process at once.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

}  // namespace llmload::runtime
