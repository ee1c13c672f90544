#pragma once
/// Sharded runs (llmload extension): one global plan run by N processes that a launcher
/// (Slurm, an MPI launcher, a Kubernetes Indexed Job) started, each taking its share of the
/// requests, all starting at one common time. This header holds the pure part: the shard's
/// rank and size from `--shard` and the launcher's environment, the common start's settings,
/// and the hash of the plan that every shard's result carries (docs/scale-out.md).

#include "llmload/core/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace llmload::config {

struct RunPlan;

/// The sharding flags as written (`llmload bench`).
struct ShardOptions {
  std::string shard;             ///< --shard auto|R/N; empty: not sharded
  std::int64_t shards = 0;       ///< --shards N: the size with a Kubernetes JOB_COMPLETION_INDEX
  std::string start_at;          ///< --start-at TIME: RFC 3339 or Unix seconds
  std::string rendezvous;        ///< --rendezvous DIR on a filesystem every shard shares
  double rendezvous_timeout_sec = 120;
};

/// This process's share of the plan: requests i with i mod size == rank.
struct Shard {
  std::int32_t rank = 0;
  std::int32_t size = 1;
  std::string source;  ///< where rank and size came from: flag, slurm, open-mpi, pmi, kubernetes
};

/// How the shards start together: at a given time, or at a time rank 0 chose once every shard
/// wrote its ready file in the rendezvous folder. Neither set: each starts when ready.
struct CommonStart {
  std::optional<std::int64_t> at_unix_ns;  ///< --start-at
  std::string rendezvous_dir;              ///< --rendezvous
  std::chrono::nanoseconds rendezvous_timeout = std::chrono::seconds(120);
  /// Rank 0 writes a start this far ahead of the moment the last shard was ready.
  std::chrono::nanoseconds margin = std::chrono::seconds(2);

  bool any() const { return at_unix_ns.has_value() || !rendezvous_dir.empty(); }
};

/// How messages name the sharding settings: bench's flags, or a profile's `shards:` keys.
struct ShardNames {
  std::string_view shard = "--shard";    ///< auto | R/N
  std::string_view shards = "--shards";  ///< the size given beside auto
  std::string_view start_at = "--start-at";
  std::string_view rendezvous = "--rendezvous";
  std::string_view rendezvous_timeout = "--rendezvous-timeout";
  std::string_view requests = "--num-prompts";
  std::string_view concurrency = "--max-concurrency";
};

/// How messages name a profile's `shards:` keys (config/profile.hpp).
inline constexpr ShardNames kProfileShardNames{.shard = "shards",
                                               .shards = "shards.size",
                                               .start_at = "shards.start_at",
                                               .rendezvous = "shards.rendezvous",
                                               .rendezvous_timeout = "shards.rendezvous_timeout",
                                               .requests = "the stage's requests",
                                               .concurrency = "the stage's concurrency"};

/// Reads one environment variable (std::getenv in the program; a map in tests).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment.
EnvLookup process_env();

/// `text` is "R/N" (0 <= R < N, 1 <= N <= kMaxShards) or "auto": the launcher's variables in
/// this order: SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE,
/// PMI_RANK/PMI_SIZE, JOB_COMPLETION_INDEX with `shards` (--shards N). `shards` given with
/// R/N must agree with N. Errors name the flag (or the profile key, `names`) or the variable.
core::Result<Shard> resolve_shard(std::string_view text, std::int64_t shards, const EnvLookup& env,
                                  const ShardNames& names = {});

/// The most shards of one plan.
inline constexpr std::int32_t kMaxShards = 4096;

/// A time as RFC 3339 ("2026-12-07T06:00:00Z", "…T08:00:00.5+02:00") or Unix seconds
/// ("1796623200", "1796623200.25"): Unix nanoseconds. Errors name `name`.
core::Result<std::int64_t> parse_start_time(std::string_view text, std::string_view name = "--start-at");

/// Registers --shard, --shards, --start-at, --rendezvous, --rendezvous-timeout.
void add_shard_flags(CLI::App& app, ShardOptions& options);

/// Resolves the sharding flags into the plan (shard, start); the problems, one line each
/// naming the flag (or the profile key, `names`), are returned (empty: none).
std::vector<std::string> resolve_sharding(const ShardOptions& options, const EnvLookup& env, RunPlan& plan,
                                          const ShardNames& names = {});

/// The hash of the resolved plan every shard runs: the plan as saved (config::plan_to_json)
/// without what may differ between the shards' hosts (worker threads) and without the shard
/// itself. 16 lowercase hex digits (FNV-1a, 64 bits).
std::string plan_hash(const RunPlan& plan);

/// `NAME.json` → `NAME.shard-R-of-N.json` (any other name gets the suffix appended).
std::string shard_file_name(std::string_view name, const Shard& shard);

}  // namespace llmload::config
