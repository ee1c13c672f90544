#include "llmload/sim/engine.hpp"
#include "llmload/core/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmload::sim {

namespace {

using core::mix64;

double to_s(core::Nanos ns) { return core::ns_to_s(ns); }

}  // namespace

// One request inside the engine.
struct Engine::Seq {
  std::uint64_t id = 0;
  std::vector<std::uint64_t> prompt;
  std::vector<std::uint64_t> block_hashes;  // chained hash of each full prompt block
  std::int64_t target_output = 0;
  FinishReason finish_reason = FinishReason::kLength;
  std::int64_t num_output = 0;
  std::int64_t num_computed = 0;     // tokens whose KV is in the cache
  std::vector<std::int32_t> blocks;  // block table
  std::size_t num_registered = 0;    // leading blocks whose hash is in the cache map
  bool running = false;
  core::Nanos arrival_ns = 0;
  core::Nanos scheduled_ns = -1;     // first admission
  core::Nanos first_token_ns = -1;
  core::Nanos last_token_ns = -1;

  std::int64_t num_tokens() const { return static_cast<std::int64_t>(prompt.size()) + num_output; }
};

// Fixed-size pool of KV blocks with an LRU free list; free blocks keep their hash (so a
// later request can still hit them) until they are reused.
struct Engine::BlockPool {
  struct Block {
    std::int32_t ref = 0;
    std::int32_t prev = -1;
    std::int32_t next = -1;
    bool has_hash = false;
    std::uint64_t hash = 0;
  };
  std::vector<Block> blocks;
  std::int32_t head = -1;
  std::int32_t tail = -1;
  std::int64_t free_count = 0;
  std::unordered_map<std::uint64_t, std::int32_t> cached;

  explicit BlockPool(std::int64_t n) : blocks(static_cast<std::size_t>(n)) {
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(n); ++i) push_back(i);
  }
  Block& at(std::int32_t b) { return blocks[static_cast<std::size_t>(b)]; }
  void push_back(std::int32_t b) {
    Block& k = at(b);
    k.prev = tail;
    k.next = -1;
    if (tail >= 0) at(tail).next = b; else head = b;
    tail = b;
    ++free_count;
  }
  void unlink(std::int32_t b) {
    Block& k = at(b);
    if (k.prev >= 0) at(k.prev).next = k.next; else head = k.next;
    if (k.next >= 0) at(k.next).prev = k.prev; else tail = k.prev;
    k.prev = k.next = -1;
    --free_count;
  }
  // Takes the least recently freed block, evicting its cached hash.
  std::int32_t take() {
    const std::int32_t b = head;
    unlink(b);
    Block& k = at(b);
    if (k.has_hash) {
      const auto it = cached.find(k.hash);
      if (it != cached.end() && it->second == b) cached.erase(it);
      k.has_hash = false;
    }
    k.ref = 1;
    return b;
  }
  void acquire(std::int32_t b) {
    if (at(b).ref++ == 0) unlink(b);
  }
  void release(std::int32_t b) {
    if (--at(b).ref == 0) push_back(b);
  }
  std::int32_t lookup(std::uint64_t hash) const {
    const auto it = cached.find(hash);
    return it == cached.end() ? -1 : it->second;
  }
};

core::Result<void> validate_engine_config(const EngineConfig& c) {
  std::vector<std::string> problems;
  if (c.max_num_seqs < 1) problems.push_back(fmt::format("--max-num-seqs must be >= 1, got {}", c.max_num_seqs));
  if (c.max_num_batched_tokens < 1) {
    problems.push_back(fmt::format("--max-num-batched-tokens must be >= 1, got {}", c.max_num_batched_tokens));
  }
  if (c.block_size < 1 || c.block_size > 4096) {
    problems.push_back(fmt::format("--block-size must be in 1..4096, got {}", c.block_size));
  }
  if (c.kv_cache_tokens < std::max<std::int64_t>(c.block_size, 1) || c.kv_cache_tokens > (std::int64_t{1} << 34)) {
    problems.push_back(fmt::format("--kv-cache-tokens must be at least one block and at most 2^34, got {}",
                                   c.kv_cache_tokens));
  }
  if (c.max_model_len < 2) problems.push_back(fmt::format("--max-model-len must be >= 2, got {}", c.max_model_len));
  if (c.max_waiting < 0) problems.push_back(fmt::format("--max-waiting must be >= 0, got {}", c.max_waiting));
  if (!(c.mean_output_tokens >= 1) || !std::isfinite(c.mean_output_tokens)) {
    problems.push_back(fmt::format("--mean-output-tokens must be >= 1, got {}", c.mean_output_tokens));
  }
  const CostModel& m = c.cost;
  for (const auto& [value, flag] : {std::pair{m.step_overhead_us, "--step-overhead-us"},
                                    std::pair{m.per_prefill_token_us, "--per-prefill-token-us"},
                                    std::pair{m.per_decode_seq_us, "--per-decode-seq-us"},
                                    std::pair{m.per_context_token_us, "--per-context-token-us"}}) {
    if (!(value >= 0) || !std::isfinite(value)) {
      problems.push_back(fmt::format("{} must be a finite number >= 0, got {}", flag, value));
    }
  }
  if (problems.empty()) return {};
  return core::fail("invalid engine settings: {}", fmt::join(problems, "; "));
}

namespace {

// Calibrated against the seed notes; docs/simulator.md shows the fit.
const EnginePreset kPresets[] = {
    {"default", "a mid-size model on one modern GPU",
     EngineConfig{.cost = CostModel{5000, 50, 100, 0.001}}},
    {"ascend-910b-qwen",
     "Qwen2.5-VL on vllm-ascend (200 requests at 16 RPS, ~100 in / ~100 out)",
     EngineConfig{.max_num_seqs = 256,
                  .max_num_batched_tokens = 320,
                  .kv_cache_tokens = 131072,
                  .block_size = 128,
                  .cost = CostModel{60000, 1200, 300, 0}}},
    {"h100-qwen2-vl-7b", "Qwen2-VL-7B-Instruct, bf16, on one H100 (one 1080x810 image chat request)",
     EngineConfig{.max_num_seqs = 256,
                  .max_num_batched_tokens = 8192,
                  .kv_cache_tokens = 400000,
                  .block_size = 16,
                  .max_model_len = 16384,
                  .mean_output_tokens = 97,
                  .cost = CostModel{15500, 57.5, 50, 0.6}}},
};

}  // namespace

std::span<const EnginePreset> engine_presets() { return kPresets; }

core::Result<EngineConfig> find_engine_preset(std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& p : kPresets) {
    if (p.name == name) return p.config;
    names.push_back(p.name);
  }
  return core::fail("unknown --preset '{}'; known presets: {}", name, fmt::join(names, ", "));
}

Engine::Engine(EngineConfig config)
    : config_(config), pool_(std::make_unique<BlockPool>(config.kv_cache_tokens / config.block_size)) {
  update_gauges();
}

Engine::~Engine() = default;

ApiResult<SubmitInfo> Engine::submit(EngineRequest request, core::Nanos now_ns) {
  const auto prompt_len = static_cast<std::int64_t>(request.prompt.size());
  if (prompt_len == 0) return ApiError{400, "The prompt must contain at least one token."};
  if (request.max_tokens < 1) return ApiError{400, "'max_tokens' must be at least 1."};
  if (auto error = context_length_error(prompt_len, request.max_tokens, config_.max_model_len)) return *error;
  const std::int64_t need_blocks = (prompt_len + request.max_tokens + config_.block_size - 1) / config_.block_size;
  if (need_blocks > num_blocks()) {
    return ApiError{400, fmt::format("The request needs {} tokens of KV cache but the simulated "
                                     "engine has only {} (--kv-cache-tokens).",
                                     prompt_len + request.max_tokens, num_blocks() * config_.block_size)};
  }
  if (seqs_.contains(request.id)) return ApiError{400, "Duplicate request id."};
  if (config_.max_waiting > 0 && static_cast<std::int64_t>(waiting_.size()) >= config_.max_waiting) {
    return ApiError{429, fmt::format("The server is overloaded: {} requests are already waiting "
                                     "(--max-waiting). Retry later.",
                                     waiting_.size())};
  }

  auto seq = std::make_unique<Seq>();
  seq->id = request.id;
  seq->arrival_ns = now_ns;
  std::uint64_t chain = 0x6c6c6d6c6f6164ULL;
  const auto bs = static_cast<std::size_t>(config_.block_size);
  for (std::size_t i = 0; i + bs <= request.prompt.size(); i += bs) {
    for (std::size_t k = i; k < i + bs; ++k) chain = mix64(chain ^ request.prompt[k]);
    seq->block_hashes.push_back(chain);
  }
  std::uint64_t content = chain;
  for (std::size_t k = seq->block_hashes.size() * bs; k < request.prompt.size(); ++k) {
    content = mix64(content ^ request.prompt[k]);
  }
  seq->prompt = std::move(request.prompt);

  if (request.ignore_eos) {
    seq->target_output = request.max_tokens;
    seq->finish_reason = FinishReason::kLength;
  } else {
    // Geometric length with the configured mean, seeded by the prompt's content so the same
    // prompt always gets the same answer length whatever the arrival order.
    const std::uint64_t r = mix64(content ^ mix64(config_.seed));
    const double u = (static_cast<double>(r >> 11) + 0.5) * 0x1.0p-53;
    const double p = 1.0 / config_.mean_output_tokens;
    const double draw = p >= 1.0 ? 1.0 : 1.0 + std::floor(std::log(u) / std::log1p(-p));
    if (draw >= static_cast<double>(request.max_tokens)) {
      seq->target_output = request.max_tokens;
      seq->finish_reason = FinishReason::kLength;
    } else {
      seq->target_output = static_cast<std::int64_t>(draw);
      seq->finish_reason = FinishReason::kStop;
    }
  }
  const SubmitInfo info{seq->target_output, seq->finish_reason};
  waiting_.push_back(seq.get());
  seqs_.emplace(seq->id, std::move(seq));
  update_gauges();
  return info;
}

void Engine::abort(std::uint64_t id, core::Nanos now_ns) {
  const auto it = seqs_.find(id);
  if (it == seqs_.end()) return;
  finish(*it->second, FinishReason::kAbort, now_ns);
  update_gauges();
}

bool Engine::has_work() const noexcept { return !running_.empty() || !waiting_.empty(); }

std::int64_t Engine::num_running() const noexcept { return static_cast<std::int64_t>(running_.size()); }
std::int64_t Engine::num_waiting() const noexcept { return static_cast<std::int64_t>(waiting_.size()); }
std::int64_t Engine::num_free_blocks() const noexcept { return pool_->free_count; }
std::int64_t Engine::num_blocks() const noexcept { return static_cast<std::int64_t>(pool_->blocks.size()); }

bool Engine::allocate_for(Seq& seq, std::int64_t tokens) {
  const std::int64_t want = (tokens + config_.block_size - 1) / config_.block_size;
  const std::int64_t more = want - static_cast<std::int64_t>(seq.blocks.size());
  if (more <= 0) return true;
  if (more > pool_->free_count) return false;
  for (std::int64_t i = 0; i < more; ++i) seq.blocks.push_back(pool_->take());
  return true;
}

void Engine::free_blocks(Seq& seq) {
  // Tail blocks go to the free list first, so they are evicted before the shared prefix.
  for (auto it = seq.blocks.rbegin(); it != seq.blocks.rend(); ++it) pool_->release(*it);
  seq.blocks.clear();
  seq.num_registered = 0;
}

void Engine::preempt(Seq& seq) {
  free_blocks(seq);
  seq.num_computed = 0;
  seq.running = false;
  ++metrics_.num_preemptions;
  ++step_.preempted;
  waiting_.push_front(&seq);
}

void Engine::finish(Seq& seq, FinishReason reason, core::Nanos now_ns) {
  free_blocks(seq);
  if (seq.running) {
    running_.erase(std::find(running_.begin(), running_.end(), &seq));
  } else {
    const auto w = std::find(waiting_.begin(), waiting_.end(), &seq);
    if (w != waiting_.end()) waiting_.erase(w);
  }
  ++metrics_.request_success[static_cast<std::size_t>(reason)];
  if (reason != FinishReason::kAbort) {
    metrics_.e2e_request_latency.observe(to_s(now_ns - seq.arrival_ns));
    if (seq.first_token_ns >= 0) metrics_.request_decode_time.observe(to_s(now_ns - seq.first_token_ns));
  }
  seqs_.erase(seq.id);
}

void Engine::update_gauges() {
  metrics_.num_requests_running = num_running();
  metrics_.num_requests_waiting = num_waiting();
  const auto total = num_blocks();
  metrics_.kv_cache_usage_perc =
      total == 0 ? 0.0 : static_cast<double>(total - pool_->free_count) / static_cast<double>(total);
}

const StepResult& Engine::step(core::Nanos now_ns) {
  step_.start_ns = step_.end_ns = now_ns;
  step_.num_seqs = step_.prefill_tokens = step_.decode_seqs = step_.context_tokens = step_.preempted = 0;
  step_.events.clear();
  batch_.clear();

  std::int64_t budget = schedule_running(config_.max_num_batched_tokens);
  admit_waiting(budget, now_ns);
  if (!batch_.empty()) advance_batch(price_batch(now_ns));
  update_gauges();
  return step_;
}

std::int64_t Engine::schedule_running(std::int64_t budget) {
  // Running sequences first, in admission order; a sequence that cannot get a block preempts
  // the latest admitted one that has not been scheduled yet (possibly itself).
  for (std::size_t i = 0; i < running_.size() && budget > 0;) {
    Seq& seq = *running_[i];
    const std::int64_t n = std::min(seq.num_tokens() - seq.num_computed, budget);
    bool self_preempted = false;
    while (!allocate_for(seq, seq.num_computed + n)) {
      Seq* victim = running_.back();
      running_.pop_back();
      preempt(*victim);
      if (victim == &seq) {
        self_preempted = true;
        break;
      }
    }
    if (self_preempted) break;
    batch_.push_back({&seq, n});
    budget -= n;
    ++i;
  }
  return budget;
}

std::vector<std::int32_t> Engine::cached_prefix(const Seq& seq) const {
  // Prefix-cache hits: leading full prompt blocks found by hash; at least one prompt token is
  // always computed (its logits give the first token).
  std::vector<std::int32_t> hits;
  if (!config_.prefix_caching) return hits;
  const auto max_hit = static_cast<std::size_t>((static_cast<std::int64_t>(seq.prompt.size()) - 1) /
                                                config_.block_size);
  for (std::size_t b = 0; b < std::min(max_hit, seq.block_hashes.size()); ++b) {
    const std::int32_t block = pool_->lookup(seq.block_hashes[b]);
    if (block < 0) break;
    hits.push_back(block);
  }
  return hits;
}

std::int64_t Engine::admit_waiting(std::int64_t budget, core::Nanos now_ns) {
  // Waiting requests, FCFS, unless this step had to preempt.
  while (step_.preempted == 0 && budget > 0 && !waiting_.empty() &&
         static_cast<std::int64_t>(running_.size()) < config_.max_num_seqs) {
    Seq& seq = *waiting_.front();
    std::vector<std::int32_t> hits = cached_prefix(seq);
    const std::int64_t cached = static_cast<std::int64_t>(hits.size()) * config_.block_size;
    const std::int64_t n = std::min(seq.num_tokens() - cached, budget);
    const std::int64_t want = (cached + n + config_.block_size - 1) / config_.block_size;
    std::int64_t hits_free = 0;
    for (const auto b : hits) hits_free += pool_->at(b).ref == 0 ? 1 : 0;
    if (want - static_cast<std::int64_t>(hits.size()) > pool_->free_count - hits_free) break;

    waiting_.pop_front();
    for (const auto b : hits) pool_->acquire(b);
    seq.blocks = std::move(hits);
    seq.num_registered = seq.blocks.size();
    seq.num_computed = cached;
    allocate_for(seq, cached + n);
    seq.running = true;
    running_.push_back(&seq);
    if (seq.scheduled_ns < 0) {
      seq.scheduled_ns = now_ns;
      metrics_.request_queue_time.observe(to_s(now_ns - seq.arrival_ns));
      metrics_.prompt_tokens += seq.prompt.size();
    }
    metrics_.prefix_cache_queries += seq.prompt.size();
    metrics_.prefix_cache_hits += static_cast<std::uint64_t>(cached);
    batch_.push_back({&seq, n});
    budget -= n;
  }
  return budget;
}

core::Nanos Engine::price_batch(core::Nanos now_ns) {
  for (const auto& s : batch_) {
    const bool decode = s.seq->num_output > 0 && s.tokens == 1;
    if (decode) {
      ++step_.decode_seqs;
    } else {
      step_.prefill_tokens += s.tokens;
    }
    step_.context_tokens += s.seq->num_computed;
  }
  step_.num_seqs = static_cast<std::int64_t>(batch_.size());
  const CostModel& m = config_.cost;
  const double us = m.step_overhead_us + m.per_prefill_token_us * static_cast<double>(step_.prefill_tokens) +
                    m.per_decode_seq_us * static_cast<double>(step_.decode_seqs) +
                    m.per_context_token_us * static_cast<double>(step_.context_tokens);
  step_.end_ns = now_ns + std::max<core::Nanos>(1000, static_cast<core::Nanos>(us * 1000.0));
  ++metrics_.engine_steps;
  return step_.end_ns;
}

void Engine::register_full_blocks(Seq& seq) {
  // Prompt blocks that just became full are registered so later requests can hit them.
  const auto bs = static_cast<std::size_t>(config_.block_size);
  const auto full_prompt_blocks =
      std::min(static_cast<std::size_t>(seq.num_computed) / bs, seq.block_hashes.size());
  for (; seq.num_registered < full_prompt_blocks; ++seq.num_registered) {
    const std::int32_t block = seq.blocks[seq.num_registered];
    const std::uint64_t hash = seq.block_hashes[seq.num_registered];
    if (pool_->cached.emplace(hash, block).second) {
      pool_->at(block).has_hash = true;
      pool_->at(block).hash = hash;
    }
  }
}

void Engine::advance_batch(core::Nanos end) {
  for (const auto& s : batch_) {
    Seq& seq = *s.seq;
    seq.num_computed += s.tokens;
    register_full_blocks(seq);
    if (seq.num_computed < seq.num_tokens()) continue;  // a prefill chunk, no token yet
    ++seq.num_output;
    ++metrics_.generation_tokens;
    if (seq.first_token_ns < 0) {
      seq.first_token_ns = end;
      metrics_.time_to_first_token.observe(to_s(end - seq.arrival_ns));
      metrics_.request_prefill_time.observe(to_s(end - seq.scheduled_ns));
    } else {
      metrics_.inter_token_latency.observe(to_s(end - seq.last_token_ns));
    }
    seq.last_token_ns = end;
    const bool last = seq.num_output >= seq.target_output;
    step_.events.push_back({seq.id, seq.num_output - 1, last});
    if (last) {
      step_.events.back().arrival_ns = seq.arrival_ns;
      step_.events.back().scheduled_ns = seq.scheduled_ns;
    }
    if (last) finish(seq, seq.finish_reason, end);
  }
}

}  // namespace llmload::sim
