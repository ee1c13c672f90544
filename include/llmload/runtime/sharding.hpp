#pragma once
/// A sharded run's two runtime steps (config/shard.hpp; docs/scale-out.md): the shard's share
/// of the global workload, and the common start (--start-at, or the rendezvous in a shared
/// folder) converted into this host's steady clock, so that every shard's stamps count from
/// the same instant.

#include "llmload/config/shard.hpp"
#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/workload/request_spec.hpp"
#include "llmload/api/trace_context.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmload::runtime {

/// Keeps the share of `shard` of a workload built for the whole plan: send position p
/// (offsets[p], specs[p % specs.size()]) belongs to shard `unit mod size`, where the unit is
/// the conversation of a multi-turn spec and p otherwise; kept specs are copied in order
/// (previous_turn renumbered), and global_index[i] is the kept request's send position in
/// the whole plan. Pure.
struct ShareInput {
  std::vector<workload::RequestSpec>& specs;
  std::vector<core::Nanos>& offsets;
  std::vector<api::TraceParent>& trace_parents;
};
std::vector<std::uint32_t> take_shard_share(const config::Shard& shard, ShareInput workload);

/// How this shard started (written in its result as "llmload"."shard").
struct StartTiming {
  core::Nanos origin_ns = 0;           ///< the common start on this host's steady clock
  std::int64_t start_unix_ns = 0;      ///< the common start, Unix time
  std::string how;                     ///< "rendezvous", "start-at" or "local"
  /// This host's wall clock when it read rank 0's start file minus rank 0's wall clock when
  /// it wrote it: the clocks' offset plus the shared filesystem's delay (0 without rendezvous).
  double clock_offset_ms = 0;
  /// How late this shard reached the common start (> 0: its first requests were sent late).
  double late_ms = 0;
};

/// Waits for the plan's common start: with --start-at until that time; with --rendezvous,
/// writes DIR/ready-RANK, rank 0 waits for every rank's file and writes DIR/start (a margin
/// ahead), and every shard waits for it. Errors (a timeout naming the ranks that never came,
/// shards of a different size or plan) are usage errors. `plan_hash` is config::plan_hash.
/// Without a common start: origin 0 (the runner starts when ready).
core::Result<StartTiming> wait_for_common_start(const config::RunPlan& plan, const std::string& plan_hash);

/// The text of a ready file and of the start file (parsed back by the functions below).
std::string ready_file_text(const config::Shard& shard, const std::string& plan_hash, std::int64_t unix_ns);
std::string start_file_text(std::int64_t start_unix_ns, std::int64_t written_unix_ns, std::int32_t size,
                            const std::string& plan_hash);

/// The wall clock now, in Unix nanoseconds.
std::int64_t unix_now_ns();

}  // namespace llmload::runtime
