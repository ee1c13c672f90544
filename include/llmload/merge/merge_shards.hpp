#pragma once
/// `llmload merge` (llmload extension): the result files of a sharded run's N shards
/// (`NAME.shard-R-of-N.json`, written with --shard) into one result of the single-host form.
/// The shards' records are placed on one timeline (each counts from the common start), then
/// summarized as one run by the code a single run uses (metrics::summarize and the
/// breakdowns), so every percentile is exact over the union of the samples; counts and token
/// totals are sums by construction; peak throughput and concurrency come from the merged
/// timeline; duration runs from the common start to the last completion; the client's
/// loop-delay histograms are added. Refuses (naming the files) shards of different plans or
/// sizes, a missing rank and a rank given twice.

#include "llmload/core/error.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/report/json_result.hpp"

#include <string>
#include <vector>

namespace llmload::merge {

/// One shard as merged (the "merge"."shards" rows of the merged result).
struct ShardSummary {
  std::string file;
  std::int32_t rank = 0;
  std::int64_t requests = 0;
  std::string start;            ///< how it started: rendezvous, start-at, local
  double clock_offset_ms = 0;   ///< its wall clock against rank 0's start file
  double late_ms = 0;           ///< how late it reached the common start
  double start_shift_ms = 0;    ///< its start after the earliest shard's (0 with a common start)
};

/// The merged run, ready to write with report::result_json.
struct MergedRun {
  metrics::RunSummary summary;
  report::RunInfo info;  ///< from rank 0's file; merge_json and plan_hash set
  bool save_detailed = false;
  std::vector<ShardSummary> shards;
  double max_clock_skew_ms = 0;  ///< the largest |clock_offset_ms| and start shift
  bool common_start = true;      ///< every shard started at one common time
};

/// Reads and checks the files, then merges them. Errors are the user's (exit 2): a file
/// that cannot be read or is not a shard's result, shards that do not belong together.
core::Result<MergedRun> merge_shard_files(const std::vector<std::string>& files);

/// The merged result's "merge" object: shards, files, the common start, the largest skew.
std::string merge_json(const MergedRun& run);

}  // namespace llmload::merge
