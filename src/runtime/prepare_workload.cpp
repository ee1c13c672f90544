// Phases 1 and 2 of a run (runtime/execute.hpp): the workload from the plan, then made ready
// against the target.

#include "llmload/api/request_builder.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/core/rng.hpp"
#include "llmload/net/port_budget.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/runtime/execute.hpp"

#include "llmload/api/request_builder.hpp"

#include "llmload/runtime/stop_signals.hpp"
#include "llmload/schedule/arrival_schedule.hpp"
#include "llmload/workload/conversations.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <sys/resource.h>

namespace llmload::runtime {
namespace {

/// The target's own token count of a prompt, from vLLM's `POST /tokenize` ({"model", "prompt"}
/// → {"count", "tokens"}), every count on one kept-alive connection. `target` must outlive
/// the counter.
workload::TokenCounter server_token_counter(const ResolvedTarget& target) {
  const Target& t = target.target;
  auto client = std::make_shared<net::KeepAliveClient>(t.base, t.endpoints, t.tls.get(), t.tls_verify);
  return [&target, client](std::string_view text) -> core::Result<std::int64_t> {
    if (stop_signal_count() > 0) return core::fail("interrupted");
    std::string body = "{\"model\":";
    core::append_json_string(body, target.body_model);
    body += ",\"prompt\":";
    core::append_json_string(body, text);
    body += '}';
    auto response = client->request("POST", target.target.base.path + "/tokenize", target.headers, body,
                                    std::chrono::seconds(30));
    if (!response) return response.error();
    if (response->status != 200) return core::fail("POST /tokenize answered HTTP {}", response->status);
    boost::system::error_code ec;
    const auto doc = boost::json::parse(response->body, ec);
    const auto* obj = doc.if_object();
    const auto* count = obj != nullptr ? obj->if_contains("count") : nullptr;
    const auto* tokens = obj != nullptr ? obj->if_contains("tokens") : nullptr;
    if (!ec && count != nullptr && count->is_int64()) return count->as_int64();
    if (!ec && tokens != nullptr && tokens->is_array()) return static_cast<std::int64_t>(tokens->as_array().size());
    return core::fail("POST /tokenize answered without a 'count' or 'tokens' array");
  };
}

/// Every stream holds a socket (two with the in-process simulator): raise the soft limit on
/// open files as far as the hard limit allows, and refuse a run that cannot fit.
core::Result<void> ensure_file_limit(std::int64_t streams, Observer& observer) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  const auto needed = static_cast<rlim_t>(streams + 64);
  if (limit.rlim_cur >= needed) return {};
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(limit.rlim_max, std::max(needed, limit.rlim_cur));
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != before) {
    observer.warn(fmt::format("llmload bench: raised the open-file limit from {} to {} for {} concurrent streams",
                              before, limit.rlim_cur, streams));
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < needed) {
    return core::fail("{} concurrent streams need about {} open files, but the limit is {} (hard "
                      "limit {}); raise it (ulimit -n {}) or lower --max-concurrency / --num-prompts",
                      streams, needed, limit.rlim_cur, limit.rlim_max, needed);
  }
  return {};
}

/// The random dataset's word prompts made exact by the server's /tokenize, when it answers.
void count_on_server(const config::RunPlan& plan, const ResolvedTarget& target, LoadedWorkload& loaded) {
  auto counted = workload::make_random_dataset(plan.dataset.num_prompts, plan.dataset.random,
                                               server_token_counter(target));
  if (counted) {
    loaded.specs = std::move(counted->specs);
    loaded.notes.insert(loaded.notes.end(), counted->notes.begin(), counted->notes.end());
    return;
  }
  loaded.notes.push_back(fmt::format(
      "random dataset: no tokenizer loaded and the server's /tokenize did not answer ({}), so input "
      "lengths are APPROXIMATE (prompts are words from a built-in list); give --tokenizer PATH for "
      "exact token counts", counted.error().message));
}

/// --lora-modules: each request's model is one adapter, in turn (round-robin) or drawn with
/// the run's seed (random), as vLLM chooses one per request.
void assign_lora_modules(const config::RunPlan& plan, std::vector<workload::RequestSpec>& specs) {
  const auto& modules = plan.vllm.lora_modules;
  if (modules.empty()) return;
  core::Rng rng(plan.dataset.seed, "lora");
  const auto n = static_cast<std::int64_t>(modules.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto pick = plan.vllm.lora_round_robin ? static_cast<std::int64_t>(i) % n : rng.uniform_int(0, n - 1);
    specs[i].model = modules[static_cast<std::size_t>(pick)];
  }
}

/// A trace carries its own send times; every other dataset follows the arrival schedule,
/// which for multi-turn conversations releases first turns (later turns follow answers).
core::Result<std::vector<core::Nanos>> schedule_offsets(const config::RunPlan& plan, const Workload& w,
                                                        std::vector<core::Nanos> trace_offsets) {
  if (!trace_offsets.empty()) return trace_offsets;
  const std::size_t starts = plan.duration.count() > 0 ? static_cast<std::size_t>(w.requests)
                                                       : workload::conversation_count(w.specs);
  auto offsets = schedule::make_arrival_offsets(starts, plan.arrivals);
  if (!offsets || plan.turns <= 1) return offsets;
  return workload::conversation_offsets(w.specs, *offsets);
}

/// The plan's --score, checked against the dataset (references where the scorer needs them),
/// or vqa when the dataset carries reference answers.
core::Result<void> choose_score(const config::RunPlan& plan, Workload& w) {
  const bool references = std::any_of(w.specs.begin(), w.specs.end(), [](const auto& s) { return !s.answers.empty(); });
  if (plan.score && workload::needs_references(*plan.score) && !references) {
    return core::fail("--score {}: the {} dataset has no reference answers (the 'answers' field of each line); "
                      "use a dataset with answers, or --score regex:PATTERN",
                      workload::score_spec_text(*plan.score), plan.dataset.name);
  }
  if (plan.score) w.score = plan.score;
  else if (references) w.score = workload::parse_score_spec("vqa").value();
  return {};
}

}  // namespace

core::Result<LoadedWorkload> load_workload(const config::RunPlan& plan) {
  LoadedWorkload loaded;
  if (!plan.tokenizer_path.empty()) {
    auto tokenizer = tokenizer::Tokenizer::load(plan.tokenizer_path);
    if (!tokenizer) return core::fail("--tokenizer: {}", tokenizer.error().message);
    loaded.tokenizer = std::move(*tokenizer);
    loaded.notes.push_back(fmt::format("tokenizer loaded from {} ({} tokens)", plan.tokenizer_path,
                                       loaded.tokenizer->vocab_size()));
  } else if (!plan.tokenizer_id.empty()) {
    loaded.notes.push_back(fmt::format(
        "note: --tokenizer {} is not a file or folder here, so it is only recorded in the results "
        "and no tokenizer is loaded (llmload does not download from the Hugging Face Hub; pass the "
        "path of a tokenizer.json or its folder for exact token counts)", plan.tokenizer_id));
  }
  auto dataset = workload::make_dataset(plan.dataset, loaded.tokenizer ? &*loaded.tokenizer : nullptr);
  if (!dataset) return dataset.error();
  if (plan.turns > 1 && !dataset->send_offsets_ns.empty()) {
    return core::fail("--turns {}: a trace ({}) gives every request its own send time; multi-turn "
                      "conversations need --turns 1 with it", plan.turns, plan.dataset.name);
  }
  // Without a tokenizer the random dataset's word prompts are made exact by the server's
  // /tokenize once the target is known; these word prompts are the fallback.
  loaded.count_on_server = !loaded.tokenizer && workload::find_dataset(plan.dataset.name)->kind == workload::DatasetKind::kRandom;
  loaded.specs = std::move(dataset->specs);
  loaded.trace_offsets = std::move(dataset->send_offsets_ns);
  if (!plan.vllm.self_timed) loaded.trace_offsets.clear();  // --no-self-timed: --request-rate decides
  if (!loaded.count_on_server) loaded.notes.insert(loaded.notes.end(), dataset->notes.begin(), dataset->notes.end());
  return loaded;
}

boost::system::result<Workload, PrepareError> prepare_workload(const config::RunPlan& plan,
                                                               const ResolvedTarget& target, LoadedWorkload loaded,
                                                               Observer& observer) {
  if (loaded.count_on_server) count_on_server(plan, target, loaded);
  if (stop_signal_count() > 0) {
    return PrepareError{"interrupted while preparing the workload (counting prompt tokens with the server's "
                        "/tokenize); nothing was measured", true};
  }
  Workload w;
  w.notes = std::move(loaded.notes);
  w.tokenizer = std::move(loaded.tokenizer);
  workload::link_conversations(loaded.specs, plan.turns, plan.think_time.count());
  assign_lora_modules(plan, loaded.specs);
  for (std::size_t i = 0; i < loaded.specs.size(); ++i) api::adapt_to_backend(plan.flavor, loaded.specs[i], i);
  w.specs = std::move(loaded.specs);
  // With --duration the dataset is a pool of at most kDurationPool prompts, sent in turn.
  w.requests = plan.duration.count() > 0 ? plan.num_prompts : static_cast<std::int64_t>(w.specs.size());
  const std::int64_t streams = std::min(w.requests, plan.max_concurrency.value_or(w.requests));
  if (const auto ports = net::read_local_port_range()) {
    if (auto fits = net::check_local_ports(streams, *ports); !fits) return PrepareError{fits.error().message};
  }
  if (auto fits = ensure_file_limit(target.simulator ? 2 * streams : streams, observer); !fits) {
    return PrepareError{fits.error().message};
  }
  auto offsets = schedule_offsets(plan, w, std::move(loaded.trace_offsets));
  if (!offsets) return PrepareError{offsets.error().message};
  w.offsets = std::move(*offsets);
  w.trace_parents = api::make_trace_parents(plan.arrivals.seed, kTraceStream, std::max(w.offsets.size(), w.specs.size()));
  w.warmup_trace_parents = api::make_trace_parents(plan.arrivals.seed, kWarmupTraceStream,
                                                   static_cast<std::size_t>(std::max<std::int64_t>(1, plan.num_warmups)));
  if (plan.shard) {
    w.global_index = take_shard_share(*plan.shard, {w.specs, w.offsets, w.trace_parents});
    w.requests = static_cast<std::int64_t>(w.offsets.size());
  }
  if (auto scored = choose_score(plan, w); !scored) return PrepareError{scored.error().message};
  w.keep_text = plan.results.save_detailed || w.score || plan.show_answers > 0;
  return w;
}

}  // namespace llmload::runtime
