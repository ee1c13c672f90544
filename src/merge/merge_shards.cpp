#include "llmload/merge/merge_shards.hpp"

#include "llmload/core/input_file.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/metrics/category_breakdown.hpp"
#include "llmload/metrics/client_check.hpp"
#include "llmload/metrics/hdr_histogram.hpp"
#include "llmload/metrics/interval_recorder.hpp"
#include "llmload/metrics/per_target.hpp"
#include "llmload/report/shard_records.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace llmload::merge {
namespace {

/// The merged timeline's origin: any positive steady-clock value (0 means "did not happen").
constexpr core::Nanos kBase = 1'000'000'000'000'000;

/// One shard's file, parsed.
struct ShardFile {
  std::string path;
  boost::json::object top;
  const boost::json::object* llmload = nullptr;
  const boost::json::object* shard = nullptr;
  std::int32_t rank = 0, size = 0;
  std::string plan_hash;
  std::int64_t start_unix_ns = 0;
};

const boost::json::object* object_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

std::optional<std::int64_t> int_at(const boost::json::object* o, std::string_view key) {
  const auto* v = o != nullptr ? o->if_contains(key) : nullptr;
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

double number_at(const boost::json::object* o, std::string_view key, double otherwise = 0) {
  const auto* v = o != nullptr ? o->if_contains(key) : nullptr;
  if (v == nullptr) return otherwise;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  return otherwise;
}

std::string string_at(const boost::json::object* o, std::string_view key) {
  const auto* v = o != nullptr ? o->if_contains(key) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

core::Result<ShardFile> read_shard_file(const std::string& path) {
  auto text = core::read_input_file(path, core::kMaxResultFileBytes, "shard result");
  if (!text) return text.error();
  boost::system::error_code ec;
  auto doc = boost::json::parse(*text, ec);
  if (ec || !doc.is_object()) return core::fail("{}: not a JSON object ({})", path, ec ? ec.message() : "other value");
  ShardFile f;
  f.path = path;
  f.top = std::move(doc.as_object());
  f.llmload = object_at(f.top, "llmload");
  f.shard = f.llmload != nullptr ? object_at(*f.llmload, "shard") : nullptr;
  const auto rank = int_at(f.shard, "rank"), size = int_at(f.shard, "size");
  const auto* start = f.shard != nullptr ? object_at(*f.shard, "start") : nullptr;
  const auto at = int_at(start, "start_unix_ns");
  if (f.shard == nullptr || !rank || !size || !at || string_at(f.shard, "plan_hash").empty()) {
    return core::fail("{}: not a shard's result (no complete \"llmload\".\"shard\"); run llmload bench with --shard "
                      "and merge the NAME.shard-R-of-N.json files it writes", path);
  }
  if (*size < 1 || *size > 4096 || *rank < 0 || *rank >= *size) {
    return core::fail("{}: rank {} of {} shards is out of range", path, *rank, *size);
  }
  f.rank = static_cast<std::int32_t>(*rank);
  f.size = static_cast<std::int32_t>(*size);
  f.plan_hash = string_at(f.shard, "plan_hash");
  f.start_unix_ns = *at;
  return f;
}

/// Same plan, same size, every rank once; sorted by rank.
core::Result<void> check_together(std::vector<ShardFile>& shards) {
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.rank < b.rank; });
  const ShardFile& first = shards.front();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardFile& s = shards[i];
    if (s.size != first.size) {
      return core::fail("{} is one of {} shards but {} is one of {}: merge the shards of one run", s.path, s.size,
                        first.path, first.size);
    }
    if (s.plan_hash != first.plan_hash) {
      return core::fail("{} and {} ran different plans (hash {} and {}): merge the shards of one run", first.path,
                        s.path, first.plan_hash, s.plan_hash);
    }
    if (i > 0 && shards[i - 1].rank == s.rank) {
      return core::fail("{} and {} are both rank {}: each shard once", shards[i - 1].path, s.path, s.rank);
    }
  }
  std::vector<std::int32_t> have(static_cast<std::size_t>(first.size), 0);
  for (const auto& s : shards) have[static_cast<std::size_t>(s.rank)] = 1;
  std::string missing;
  for (std::size_t r = 0; r < have.size(); ++r) {
    if (!have[r]) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", r);
  }
  if (!missing.empty()) {
    std::string given;
    for (const auto& s : shards) given += (given.empty() ? "" : ", ") + s.path;
    return core::fail("rank(s) {} of {} missing: give every shard's file (given: {})", missing, first.size, given);
  }
  return {};
}

metrics::SummaryOptions summary_options(const boost::json::object* shard) {
  metrics::SummaryOptions o;
  const auto* so = shard != nullptr ? object_at(*shard, "summary_options") : nullptr;
  if (so == nullptr) return o;
  if (const auto* p = so->if_contains("percentiles"); p != nullptr && p->is_array()) {
    o.percentiles.clear();
    for (const auto& v : p->as_array()) o.percentiles.push_back(v.is_double() ? v.as_double() : static_cast<double>(v.as_int64()));
  }
  if (const auto* m = so->if_contains("percentile_metrics"); m != nullptr && m->is_array()) {
    o.percentile_metrics.clear();
    for (const auto& v : m->as_array()) {
      if (v.is_string()) o.percentile_metrics.emplace_back(v.as_string());
    }
  }
  if (so->contains("goodput_ttft_ms")) o.goodput_ttft_ms = number_at(so, "goodput_ttft_ms");
  if (so->contains("goodput_tpot_ms")) o.goodput_tpot_ms = number_at(so, "goodput_tpot_ms");
  if (so->contains("goodput_e2el_ms")) o.goodput_e2el_ms = number_at(so, "goodput_e2el_ms");
  if (const auto* d = so->if_contains("input_tokens_from_dataset"); d != nullptr && d->is_bool()) {
    o.input_tokens_from_dataset = d->as_bool();
  }
  return o;
}

/// A rate as vLLM writes it: a number, or "inf".
double rate_of(const boost::json::object& top, std::string_view key) {
  const auto* v = top.if_contains(key);
  if (v != nullptr && v->is_string() && v->as_string() == "inf") return INFINITY;
  return number_at(&top, key, INFINITY);
}

/// The run's settings as rank 0's file recorded them.
report::RunInfo info_of(const ShardFile& rank0) {
  const auto& t = rank0.top;
  report::RunInfo info;
  info.date = string_at(&t, "date");
  info.backend = string_at(&t, "backend");
  if (const auto* l = t.if_contains("label"); l != nullptr && l->is_string()) info.label = std::string(l->as_string());
  info.model_id = string_at(&t, "model_id");
  if (const auto* k = t.if_contains("tokenizer_id"); k != nullptr && k->is_string()) info.tokenizer_id = std::string(k->as_string());
  info.tokenizer = info.tokenizer_id.has_value();
  info.num_prompts = int_at(&t, "num_prompts").value_or(0);
  info.request_rate = rate_of(t, "request_rate");
  info.burstiness = rate_of(t, "burstiness");
  info.max_concurrency = int_at(&t, "max_concurrency");
  if (t.contains("ramp_up_strategy")) {
    info.ramp_up_strategy = string_at(&t, "ramp_up_strategy");
    info.ramp_up_start_rps = int_at(&t, "ramp_up_start_rps").value_or(0);
    info.ramp_up_end_rps = int_at(&t, "ramp_up_end_rps").value_or(0);
  }
  info.target = string_at(rank0.llmload, "target");
  const auto* sim = rank0.llmload->if_contains("simulator");
  info.simulator = sim != nullptr && sim->is_bool() && sim->as_bool();
  if (const auto* plan = rank0.llmload->if_contains("plan")) info.plan_json = boost::json::serialize(*plan);
  if (const auto* server = rank0.llmload->if_contains("server_metrics")) {
    info.server_metrics_json = boost::json::serialize(*server);
  }
  info.plan_hash = rank0.plan_hash;
  return info;
}

struct Union {
  std::vector<metrics::RequestRecord> records;
  std::vector<workload::RequestSpec> specs;  ///< labels at each record's index
  metrics::HdrHistogram loop_delay_us{metrics::interval_histogram_config()};
};

/// Every shard's records on one timeline: each shard's stamps count from its start, placed
/// at that start's distance from the earliest one (0 with a common start).
core::Result<Union> union_of(const std::vector<ShardFile>& shards, std::int64_t earliest, MergedRun& run) {
  Union u;
  for (const auto& s : shards) {
    const core::Nanos shift = s.start_unix_ns - earliest;
    const auto* records = s.shard->if_contains("records");
    if (records == nullptr) return core::fail("{}: \"llmload\".\"shard\" has no records", s.path);
    auto rows = report::read_shard_records(*records, kBase + shift, s.path);
    if (!rows) return rows.error();
    for (std::size_t i = 0; i < rows->records.size(); ++i) {
      const auto index = rows->records[i].index;
      if (index >= u.specs.size()) u.specs.resize(static_cast<std::size_t>(index) + 1);
      u.specs[index] = std::move(rows->labels[i]);
      u.records.push_back(std::move(rows->records[i]));
    }
    auto loop = metrics::HdrHistogram::decode_compressed_base64(string_at(s.shard, "loop_delay_us"));
    if (loop) u.loop_delay_us.merge(*loop);
    const auto* start = object_at(*s.shard, "start");
    run.shards.push_back({.file = s.path,
                          .rank = s.rank,
                          .requests = static_cast<std::int64_t>(rows->records.size()),
                          .start = string_at(start, "how"),
                          .clock_offset_ms = number_at(start, "clock_offset_ms"),
                          .late_ms = number_at(start, "late_ms"),
                          .start_shift_ms = static_cast<double>(shift) / 1e6});
  }
  std::sort(u.records.begin(), u.records.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  for (std::size_t i = 1; i < u.records.size(); ++i) {
    if (u.records[i].index == u.records[i - 1].index) {
      return core::fail("request {} appears in two shards: the files are not one run's shards", u.records[i].index);
    }
  }
  return u;
}

/// The replicas of a run over several --base-url, in their order (rank 0's llmload.per_target;
/// every shard has them all); empty with one target.
std::vector<std::string> target_urls(const ShardFile& rank0) {
  std::vector<std::string> urls;
  const auto* targets = rank0.llmload->if_contains("per_target");
  if (targets == nullptr || !targets->is_array()) return urls;
  for (const auto& t : targets->as_array()) urls.push_back(t.is_object() ? string_at(&t.as_object(), "url") : "");
  return urls;
}

/// vLLM's figures and the breakdowns of the union, as runtime's summarize does for one run.
metrics::RunSummary summarize_union(Union& u, const std::vector<ShardFile>& shards) {
  core::Nanos end = kBase;
  for (const auto& r : u.records) end = std::max(end, r.end_ns);
  auto summary = metrics::summarize(u.records, kBase, end, summary_options(shards.front().shard));
  const std::string source = string_at(shards.front().llmload, "chunk_tokens_source");
  if (!source.empty()) summary.chunk_tokens_source = source;
  summary.per_category = metrics::category_breakdown(u.records, u.specs);
  summary.per_turn = metrics::turn_breakdown(u.records, u.specs);
  summary.per_adapter = metrics::model_breakdown(u.records, u.specs);
  summary.per_target = metrics::target_breakdown(u.records, target_urls(shards.front()), summary.duration_s);
  metrics::label_timelines(summary, u.records, u.specs);
  summary.loop_delay_ms = metrics::stats_ms_of_us(u.loop_delay_us, metrics::kExtensionPercentiles);
  summary.client_check = metrics::check_client(summary.schedule_lag_ms, summary.loop_delay_ms, summary.receive_delay_ms);
  return summary;
}

}  // namespace

core::Result<MergedRun> merge_shard_files(const std::vector<std::string>& files) {
  if (files.empty()) return core::fail("give the shards' result files");
  std::vector<ShardFile> shards;
  for (const auto& file : files) {
    auto shard = read_shard_file(file);
    if (!shard) return shard.error();
    shards.push_back(std::move(*shard));
  }
  if (auto together = check_together(shards); !together) return together.error();
  MergedRun run;
  std::int64_t earliest = shards.front().start_unix_ns;
  for (const auto& s : shards) earliest = std::min(earliest, s.start_unix_ns);
  auto u = union_of(shards, earliest, run);
  if (!u) return u.error();
  run.summary = summarize_union(*u, shards);
  run.info = info_of(shards.front());
  run.info.goodput_configured = run.summary.options.goodput_configured();
  for (const auto& s : shards) {
    const auto* interrupted = s.llmload->if_contains("interrupted");
    run.info.interrupted = run.info.interrupted || (interrupted != nullptr && interrupted->is_bool() && interrupted->as_bool());
    run.info.requests_not_sent += int_at(s.llmload, "requests_not_sent").value_or(0);
    const auto* detailed = s.shard->if_contains("save_detailed");
    run.save_detailed = run.save_detailed || (detailed != nullptr && detailed->is_bool() && detailed->as_bool());
  }
  for (const auto& s : run.shards) {
    run.common_start = run.common_start && s.start != "local";
    run.max_clock_skew_ms = std::max({run.max_clock_skew_ms, std::abs(s.clock_offset_ms), s.start_shift_ms});
  }
  run.info.merge_json = merge_json(run);
  return run;
}

std::string merge_json(const MergedRun& run) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.field("shards", static_cast<std::int64_t>(run.shards.size()));
  w.field("common_start", run.common_start);
  w.field("max_clock_skew_ms", run.max_clock_skew_ms);
  w.key("per_shard").begin_array();
  for (const auto& s : run.shards) {
    w.begin_object();
    w.field("rank", s.rank);
    w.field("file", s.file);
    w.field("requests", s.requests);
    w.field("start", s.start);
    w.field("clock_offset_ms", s.clock_offset_ms);
    w.field("late_ms", s.late_ms);
    w.field("start_shift_ms", s.start_shift_ms);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace llmload::merge
