// A sharded run's share of the workload and its common start (runtime/sharding.hpp).

#include "llmload/runtime/sharding.hpp"

#include "llmload/config/run_plan.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/core/input_file.hpp"
#include "llmload/runtime/stop_signals.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <thread>

namespace llmload::runtime {
namespace {

namespace fs = std::filesystem;

constexpr auto kPoll = std::chrono::milliseconds(50);

/// "key value" lines of a rendezvous file.
std::map<std::string, std::string> fields_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, end - at);
    const auto space = line.find(' ');
    if (space != std::string_view::npos) out.emplace(line.substr(0, space), line.substr(space + 1));
    at = end + 1;
  }
  return out;
}

std::optional<std::int64_t> number_of(const std::map<std::string, std::string>& f, const std::string& key) {
  const auto it = f.find(key);
  if (it == f.end()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) return std::nullopt;
  return value;
}

/// A rendezvous file's fields, or nullopt while it is not there (or not readable yet).
std::optional<std::map<std::string, std::string>> read_fields(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  auto text = core::read_input_file(path.string(), 4096, "rendezvous file");
  if (!text) return std::nullopt;
  return fields_of(*text);
}

std::string rank_list(const std::vector<std::int32_t>& ranks) {
  std::string out;
  for (std::size_t i = 0; i < ranks.size() && i < 20; ++i) out += fmt::format("{}{}", i ? ", " : "", ranks[i]);
  if (ranks.size() > 20) out += fmt::format(" and {} more", ranks.size() - 20);
  return out;
}

/// Rank 0: every ready file present and of this plan; the latest ready time.
core::Result<std::int64_t> wait_for_ranks(const config::RunPlan& plan, const std::string& hash) {
  const auto& start = plan.start;
  const fs::path dir(start.rendezvous_dir);
  const auto give_up = core::Clock::now() + start.rendezvous_timeout;
  while (true) {
    std::vector<std::int32_t> missing;
    std::int64_t latest = 0;
    for (std::int32_t r = 0; r < plan.shard->size; ++r) {
      const fs::path file = dir / fmt::format("ready-{}", r);
      const auto f = read_fields(file);
      if (!f) {
        missing.push_back(r);
        continue;
      }
      const auto size = number_of(*f, "size");
      if (size != plan.shard->size) {
        return core::fail("--rendezvous {}: {} says {} shards, this shard {}; every shard must be started with the "
                          "same size", start.rendezvous_dir, file.string(), size.value_or(-1), plan.shard->size);
      }
      if (f->count("plan") == 0 || f->at("plan") != hash) {
        return core::fail("--rendezvous {}: {} runs another plan (hash {}, here {}); every shard needs the same flags",
                          start.rendezvous_dir, file.string(), f->count("plan") ? f->at("plan") : "none", hash);
      }
      latest = std::max(latest, number_of(*f, "unix_ns").value_or(0));
    }
    if (missing.empty()) return latest;
    if (stop_signal_count() > 0) return core::fail("interrupted at the rendezvous");
    if (core::Clock::now() >= give_up) {
      return core::fail("--rendezvous {}: after {} s, rank(s) {} of {} never wrote a ready file; is the folder shared "
                        "by every shard, and did every rank start?", start.rendezvous_dir,
                        std::chrono::duration_cast<std::chrono::seconds>(start.rendezvous_timeout).count(),
                        rank_list(missing), plan.shard->size);
    }
    std::this_thread::sleep_for(kPoll);
  }
}

struct StartFile {
  std::int64_t start_unix_ns = 0, written_unix_ns = 0;
};

/// Every shard: rank 0's start file for this plan.
core::Result<StartFile> wait_for_start_file(const config::RunPlan& plan, const std::string& hash) {
  const auto& start = plan.start;
  const fs::path file = fs::path(start.rendezvous_dir) / "start";
  const auto give_up = core::Clock::now() + start.rendezvous_timeout;
  while (true) {
    if (const auto f = read_fields(file)) {
      const auto at = number_of(*f, "start_unix_ns"), written = number_of(*f, "written_unix_ns");
      const auto size = number_of(*f, "size");
      const bool ours = f->count("plan") != 0 && f->at("plan") == hash;
      if (at && written && ours && size == plan.shard->size) return StartFile{*at, *written};
      if (!ours || size != plan.shard->size) {
        return core::fail("--rendezvous {}: {} is from another run (plan or size differ); give every run a fresh "
                          "folder (e.g. one named after the job id)", start.rendezvous_dir, file.string());
      }
    }
    if (stop_signal_count() > 0) return core::fail("interrupted at the rendezvous");
    if (core::Clock::now() >= give_up) {
      return core::fail("--rendezvous {}: after {} s, rank 0 wrote no start file ({}); is the folder shared by "
                        "every shard, and did rank 0 start?", start.rendezvous_dir,
                        std::chrono::duration_cast<std::chrono::seconds>(start.rendezvous_timeout).count(),
                        file.string());
    }
    std::this_thread::sleep_for(kPoll);
  }
}

core::Result<StartTiming> rendezvous(const config::RunPlan& plan, const std::string& hash) {
  const fs::path dir(plan.start.rendezvous_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  const auto& shard = *plan.shard;
  const fs::path ready = dir / fmt::format("ready-{}", shard.rank);
  if (auto written = core::write_file_atomic(ready, ready_file_text(shard, hash, unix_now_ns())); !written) {
    return core::fail("--rendezvous {}: {}", plan.start.rendezvous_dir, written.error().message);
  }
  if (shard.rank == 0) {
    auto latest = wait_for_ranks(plan, hash);
    if (!latest) return latest.error();
    const std::int64_t now = unix_now_ns();
    const std::int64_t at = std::max(now, *latest) + plan.start.margin.count();
    auto written = core::write_file_atomic(dir / "start", start_file_text(at, now, shard.size, hash));
    if (!written) return core::fail("--rendezvous {}: {}", plan.start.rendezvous_dir, written.error().message);
  }
  auto file = wait_for_start_file(plan, hash);
  if (!file) return file.error();
  StartTiming timing;
  timing.how = "rendezvous";
  timing.start_unix_ns = file->start_unix_ns;
  timing.clock_offset_ms = shard.rank == 0 ? 0.0 : static_cast<double>(unix_now_ns() - file->written_unix_ns) / 1e6;
  return timing;
}

}  // namespace

std::vector<std::uint32_t> take_shard_share(const config::Shard& shard, ShareInput w) {
  std::vector<workload::RequestSpec> specs;
  std::vector<core::Nanos> offsets;
  std::vector<api::TraceParent> parents;
  std::vector<std::uint32_t> global;
  const bool pool = w.offsets.size() > w.specs.size();  // --duration: specs sent in turn
  std::vector<std::int32_t> local_of(w.specs.size(), -1);
  for (std::size_t p = 0; p < w.offsets.size() && !w.specs.empty(); ++p) {
    const auto& spec = w.specs[p % w.specs.size()];
    const std::int64_t unit = !pool && spec.conversation >= 0 ? spec.conversation : static_cast<std::int64_t>(p);
    if (unit % shard.size != shard.rank) continue;
    if (!pool) local_of[p] = static_cast<std::int32_t>(specs.size());
    specs.push_back(spec);
    if (!pool && spec.previous_turn >= 0) specs.back().previous_turn = local_of[static_cast<std::size_t>(spec.previous_turn)];
    offsets.push_back(w.offsets[p]);
    if (p < w.trace_parents.size()) parents.push_back(w.trace_parents[p]);
    global.push_back(static_cast<std::uint32_t>(p));
  }
  w.specs = std::move(specs);
  w.offsets = std::move(offsets);
  w.trace_parents = std::move(parents);
  return global;
}

std::string ready_file_text(const config::Shard& shard, const std::string& plan_hash, std::int64_t unix_ns) {
  return fmt::format("rank {}\nsize {}\nplan {}\nunix_ns {}\n", shard.rank, shard.size, plan_hash, unix_ns);
}

std::string start_file_text(std::int64_t start_unix_ns, std::int64_t written_unix_ns, std::int32_t size,
                            const std::string& plan_hash) {
  return fmt::format("start_unix_ns {}\nwritten_unix_ns {}\nsize {}\nplan {}\n", start_unix_ns, written_unix_ns, size,
                     plan_hash);
}

std::int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

core::Result<StartTiming> wait_for_common_start(const config::RunPlan& plan, const std::string& plan_hash) {
  StartTiming timing;
  timing.how = "local";
  if (!plan.start.rendezvous_dir.empty()) {
    auto met = rendezvous(plan, plan_hash);
    if (!met) return met.error();
    timing = *met;
  } else if (plan.start.at_unix_ns) {
    timing.how = "start-at";
    timing.start_unix_ns = *plan.start.at_unix_ns;
    if (timing.start_unix_ns - unix_now_ns() > std::int64_t{86400} * 1'000'000'000) {
      return core::fail("--start-at: the time is more than a day ahead; check the date and the time zone");
    }
  } else {
    return timing;
  }
  // The common start on this host's steady clock; sleep until shortly before it.
  const std::int64_t wall = unix_now_ns();
  const core::Nanos steady = core::now_ns();
  timing.origin_ns = steady + (timing.start_unix_ns - wall);
  timing.late_ms = std::max<double>(0.0, static_cast<double>(wall - timing.start_unix_ns) / 1e6);
  constexpr core::Nanos kWake = 100'000'000;
  while (core::now_ns() < timing.origin_ns - kWake && stop_signal_count() == 0) {
    std::this_thread::sleep_for(std::min(std::chrono::nanoseconds(timing.origin_ns - kWake - core::now_ns()),
                                         std::chrono::nanoseconds(std::chrono::milliseconds(200))));
  }
  return timing;
}

}  // namespace llmload::runtime
