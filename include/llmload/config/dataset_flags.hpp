#pragma once
/// The flags of vLLM's trace, Hub and Spec-Bench datasets (`timed_trace`, `hf`, `spec_bench`).

#include "llmload/workload/dataset_options.hpp"

namespace CLI {
class App;
}

namespace llmload::config {

/// Registers --timed-trace-*, --hf-*, --spec-bench-* and --blazedit-* on `app`, bound to the
/// two option sets.
void add_dataset_source_flags(CLI::App& app, workload::TimedTraceOptions& trace, workload::HubDatasetOptions& hub);

}  // namespace llmload::config
