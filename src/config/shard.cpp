#include "llmload/config/shard.hpp"

#include "llmload/config/run_plan.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace llmload::config {
namespace {

/// A whole number of at most 9 digits (ranks and sizes), or nullopt.
std::optional<std::int64_t> small_number(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

core::Result<Shard> checked(std::int64_t rank, std::int64_t size, std::string source, std::string_view where) {
  if (size < 1 || size > kMaxShards) {
    return core::fail("{}: {} shards; expected 1 to {}", where, size, kMaxShards);
  }
  if (rank < 0 || rank >= size) {
    return core::fail("{}: rank {} is not below the size {} (ranks count from 0)", where, rank, size);
  }
  return Shard{static_cast<std::int32_t>(rank), static_cast<std::int32_t>(size), std::move(source)};
}

/// "R/N" as written after --shard.
core::Result<Shard> explicit_shard(std::string_view text, const ShardNames& names) {
  const auto slash = text.find('/');
  const auto rank = slash == std::string_view::npos ? std::nullopt : small_number(text.substr(0, slash));
  const auto size = slash == std::string_view::npos ? std::nullopt : small_number(text.substr(slash + 1));
  if (!rank || !size) {
    return core::fail("{} '{}': expected auto or RANK/SIZE, e.g. 0/4 (the first of four shards)", names.shard, text);
  }
  return checked(*rank, *size, "flag", fmt::format("{} {}", names.shard, text));
}

struct LauncherVars {
  std::string_view rank, size, source;
};

constexpr LauncherVars kLaunchers[] = {
    {"SLURM_PROCID", "SLURM_NTASKS", "slurm"},
    {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "open-mpi"},
    {"PMI_RANK", "PMI_SIZE", "pmi"},
};

/// The value of an environment variable as a number; an error names the variable.
core::Result<std::int64_t> env_number(const EnvLookup& env, std::string_view name, const ShardNames& names) {
  const auto value = env(name);
  if (!value) return core::fail("{} auto: {} is not set", names.shard, name);
  const auto number = small_number(*value);
  if (!number) return core::fail("{} auto: {}='{}' is not a whole number", names.shard, name, *value);
  return *number;
}

/// --shard auto: the first launcher whose rank variable is set.
core::Result<Shard> launcher_shard(std::int64_t shards, const EnvLookup& env, const ShardNames& names) {
  for (const auto& launcher : kLaunchers) {
    if (!env(launcher.rank)) continue;
    auto rank = env_number(env, launcher.rank, names);
    if (!rank) return rank.error();
    auto size = env_number(env, launcher.size, names);
    if (!size) {
      return core::fail("{} (the {} launcher sets {} with {})", size.error().message, launcher.source, launcher.size,
                        launcher.rank);
    }
    if (shards > 0 && shards != *size) {
      return core::fail("{} {} disagrees with {}={}", names.shards, shards, launcher.size, *size);
    }
    return checked(*rank, *size, std::string(launcher.source),
                   fmt::format("{} auto ({}={}, {}={})", names.shard, launcher.rank, *rank, launcher.size, *size));
  }
  if (env("JOB_COMPLETION_INDEX")) {
    auto rank = env_number(env, "JOB_COMPLETION_INDEX", names);
    if (!rank) return rank.error();
    if (shards <= 0) {
      return core::fail("{} auto: JOB_COMPLETION_INDEX={} gives the rank but not the size; add {} N "
                        "(the Indexed Job's completions)", names.shard, *rank, names.shards);
    }
    return checked(*rank, shards, "kubernetes", fmt::format("{} auto (JOB_COMPLETION_INDEX={}, {} {})", names.shard,
                                                            *rank, names.shards, shards));
  }
  return core::fail("{} auto: no launcher's rank found (SLURM_PROCID, OMPI_COMM_WORLD_RANK, PMI_RANK or "
                    "JOB_COMPLETION_INDEX with {} N); run under srun/mpirun/an Indexed Job or write "
                    "{} RANK/SIZE", names.shard, names.shards, names.shard);
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Exactly `n` digits at text[at], or nullopt.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

/// ".fff…" at text[at]: nanoseconds and the position after it.
std::int64_t fraction_ns(std::string_view text, std::size_t& at) {
  std::int64_t ns = 0, scale = 100'000'000;
  if (at >= text.size() || text[at] != '.') return 0;
  for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
    ns += (text[at] - '0') * scale;
    scale /= 10;
  }
  return ns;
}

std::optional<std::int64_t> rfc3339(std::string_view t) {
  const auto year = digits(t, 0, 4), month = digits(t, 5, 2), day = digits(t, 8, 2);
  const auto hour = digits(t, 11, 2), minute = digits(t, 14, 2), second = digits(t, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  const std::int64_t fraction = fraction_ns(t, at);
  std::int64_t offset_s = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    const auto oh = digits(t, at + 1, 2), om = digits(t, at + 4, 2);
    if (!oh || !om || at + 3 >= t.size() || t[at + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset_s = (t[at] == '+' ? 1 : -1) * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;  // RFC 3339 requires the offset
  }
  if (at != t.size()) return std::nullopt;
  const std::int64_t seconds = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400 +
                               *hour * 3600 + *minute * 60 + *second - offset_s;
  return seconds * 1'000'000'000 + fraction;
}

std::optional<std::int64_t> unix_seconds(std::string_view text) {
  const std::string_view head = text.substr(0, text.find('.'));
  if (head.empty() || head.size() > 12) return std::nullopt;  // 12 digits: beyond year 30000
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), seconds);
  if (ec != std::errc() || end != head.data() + head.size() || seconds < 0) return std::nullopt;
  std::size_t at = head.size();
  const std::int64_t fraction = fraction_ns(text, at);
  if (at != text.size()) return std::nullopt;
  return seconds * 1'000'000'000 + fraction;
}

/// Every shard must get at least one request (a conversation) and one stream.
void check_share(const Shard& shard, RunPlan& plan, std::vector<std::string>& problems, const ShardNames& names) {
  const std::int64_t units = plan.turns > 1 ? plan.num_prompts / plan.turns : plan.num_prompts;
  if (units < shard.size) {
    problems.push_back(fmt::format("{}: {} shards for {} {} ({}); every shard needs at least one", names.shard,
                                   shard.size, units, plan.turns > 1 ? "conversations" : "requests", names.requests));
  }
  if (plan.max_concurrency && *plan.max_concurrency < shard.size) {
    problems.push_back(fmt::format("{}: {} {} is split between {} shards; give at least {}", names.shard,
                                   names.concurrency, *plan.max_concurrency, shard.size, shard.size));
  }
  if (plan.turns > 1 && plan.duration.count() > 0) {
    problems.emplace_back("--shard with --turns > 1 and --duration: conversations sent in turn from a pool cannot be "
                          "split; give --num-prompts without --duration");
  }
  plan.results.save_result = true;  // the merge reads every shard's file
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

core::Result<Shard> resolve_shard(std::string_view text, std::int64_t shards, const EnvLookup& env,
                                  const ShardNames& names) {
  if (shards < 0 || shards > kMaxShards) return core::fail("{} {}: expected 1 to {}", names.shards, shards, kMaxShards);
  if (text == "auto") return launcher_shard(shards, env, names);
  auto shard = explicit_shard(text, names);
  if (shard && shards > 0 && shards != shard->size) {
    return core::fail("{} {} disagrees with {} {}", names.shards, shards, names.shard, text);
  }
  return shard;
}

core::Result<std::int64_t> parse_start_time(std::string_view text, std::string_view name) {
  const bool looks_rfc = text.size() >= 20 && text[4] == '-';
  const auto ns = looks_rfc ? rfc3339(text) : unix_seconds(text);
  if (!ns) {
    return core::fail("{} '{}': expected an RFC 3339 time (2026-12-07T06:00:00Z, an offset instead of Z "
                      "allowed) or Unix seconds (1796623200)", name, text);
  }
  return *ns;
}

void add_shard_flags(CLI::App& app, ShardOptions& o) {
  app.add_option("--shard", o.shard,
                 "Run one shard of the plan (not in vLLM): auto (Slurm, Open MPI, PMI, Kubernetes index) or RANK/SIZE; "
                 "request i goes to shard i mod SIZE; merge the shards' results with llmload merge")
      ->group("Sharding (not in vLLM)");
  app.add_option("--shards", o.shards, "With --shard auto under a Kubernetes Indexed Job: the number of shards")
      ->group("Sharding (not in vLLM)");
  app.add_option("--start-at", o.start_at, "Start the measured run at this time: RFC 3339 or Unix seconds")
      ->group("Sharding (not in vLLM)");
  app.add_option("--rendezvous", o.rendezvous,
                 "A folder every shard shares: each writes ready-RANK, rank 0 writes the common start")
      ->group("Sharding (not in vLLM)");
  app.add_option("--rendezvous-timeout", o.rendezvous_timeout_sec,
                 "Seconds to wait for every shard at the rendezvous")
      ->capture_default_str()->group("Sharding (not in vLLM)");
}

std::vector<std::string> resolve_sharding(const ShardOptions& o, const EnvLookup& env, RunPlan& plan,
                                          const ShardNames& names) {
  std::vector<std::string> problems;
  if (!o.shard.empty()) {
    auto shard = resolve_shard(o.shard, o.shards, env, names);
    if (shard) plan.shard = std::move(*shard);
    else problems.push_back(shard.error().message);
  } else if (o.shards != 0) {
    problems.push_back(fmt::format("{} needs {} auto (it gives the size to a Kubernetes JOB_COMPLETION_INDEX)",
                                   names.shards, names.shard));
  }
  if (plan.shard) check_share(*plan.shard, plan, problems, names);
  if (!o.start_at.empty()) {
    auto at = parse_start_time(o.start_at, names.start_at);
    if (at) plan.start.at_unix_ns = *at;
    else problems.push_back(at.error().message);
  }
  if (!o.rendezvous.empty()) {
    if (o.shard.empty()) {
      problems.push_back(fmt::format("{} needs {} (rank 0 waits for every rank)", names.rendezvous, names.shard));
    }
    if (!o.start_at.empty()) {
      problems.push_back(fmt::format("{} and {}: give one of them", names.rendezvous, names.start_at));
    }
    plan.start.rendezvous_dir = o.rendezvous;
  }
  if (!(o.rendezvous_timeout_sec >= 1 && o.rendezvous_timeout_sec <= 86400)) {
    problems.push_back(fmt::format("{} {}: expected 1 to 86400 seconds", names.rendezvous_timeout,
                                   o.rendezvous_timeout_sec));
  } else {
    plan.start.rendezvous_timeout = std::chrono::nanoseconds(std::llround(o.rendezvous_timeout_sec * 1e9));
  }
  return problems;
}

std::string plan_hash(const RunPlan& plan) {
  RunPlan common = plan;
  common.threads = 0;
  common.shard.reset();
  common.start = {};
  return fmt::format("{:016x}", fnv1a(plan_to_json(common)));
}

std::string shard_file_name(std::string_view name, const Shard& shard) {
  const std::string suffix = fmt::format(".shard-{}-of-{}", shard.rank, shard.size);
  if (name.ends_with(".json")) return fmt::format("{}{}.json", name.substr(0, name.size() - 5), suffix);
  return fmt::format("{}{}.json", name, suffix);
}

}  // namespace llmload::config
