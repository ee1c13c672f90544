#pragma once
/// One stage of a profile as a RunPlan: the profile's target, workload and request settings,
/// the stage's load, and what its SLOs need (percentiles, goodput thresholds), set field by
/// field on typed values. No flag strings are built or parsed on this path.

#include "llmload/config/profile.hpp"
#include "llmload/config/run_plan.hpp"
#include "llmload/core/error.hpp"

#include <cstddef>
#include <string>

namespace llmload::config {

/// Where a stage's result goes and how it is labelled.
struct StageOutputs {
  std::string result_dir;       ///< the profile's outputs.dir
  std::string result_filename;  ///< e.g. "01-02-steady.json"
  std::string label;            ///< the result's label (the stage name as a slug)
};

/// Requests a closed-loop stage bounded only by its duration plans at most (the run stops
/// sending when the duration is over; the records of planned requests are allocated up front).
inline constexpr std::int64_t kClosedLoopMaxPlanned = 200000;

/// The plan of `stage` of `profile` (the profile already validated by load_profile). Errors
/// are the rare combinations only the resolver checks (e.g. images with a completions
/// backend), each naming the profile key.
core::Result<RunPlan> resolve_stage(const Profile& profile, const ProfileStage& stage, const StageOutputs& outputs);

/// Requests the stage sends: its `requests`, else its duration times its (mean) rate, else a
/// closed loop's budget for its duration (at most kClosedLoopMaxPlanned).
std::int64_t stage_requests(const ProfileStage& stage);

}  // namespace llmload::config
