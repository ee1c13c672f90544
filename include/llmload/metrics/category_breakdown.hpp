#pragma once
/// Per-category request counts (RunSummary::per_category) for datasets whose requests carry a
/// category label (custom JSONL `category`), e.g. an image chat set's OCR / captioning / diagram / code.

#include "llmload/metrics/request_record.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/workload/request_spec.hpp"

#include <span>
#include <vector>

namespace llmload::metrics {

/// Completed and failed requests, tokens and TTFT/E2EL statistics per category, sorted by
/// category name. `specs` is the
/// workload the records came from (record.index selects the spec; records with an index
/// outside it are ignored). Requests without a category are left out; no labels at all gives
/// an empty vector. Pure.
std::vector<CategoryCount> category_breakdown(std::span<const RequestRecord> records,
                                              std::span<const workload::RequestSpec> specs);

/// The same figures per turn of multi-turn conversations (RequestSpec::turn), named
/// "turn 1", "turn 2", ... and sorted by turn. Empty when no request is part of a conversation.
std::vector<CategoryCount> turn_breakdown(std::span<const RequestRecord> records,
                                          std::span<const workload::RequestSpec> specs);
/// The same figures per request model (RequestSpec::model: the --lora-modules adapter each
/// request named), sorted by name. Empty when no request named its own model.
std::vector<CategoryCount> model_breakdown(std::span<const RequestRecord> records,
                                           std::span<const workload::RequestSpec> specs);

/// Sets summary.timelines[i].category from the spec of records[i] (the records summarize()
/// was given, in the same order); records with an index outside `specs` keep "". Pure.
void label_timelines(RunSummary& summary, std::span<const RequestRecord> records,
                     std::span<const workload::RequestSpec> specs);

}  // namespace llmload::metrics
