// The engine simulator's scheduler on a virtual clock: admission, token budget, chunked
// prefill, preemption, prefix-cache hits, the queue limit, output lengths, the cost model,
// and the seed scenarios replayed without sockets.
#include "llmload/sim/engine.hpp"

#include "llmload/schedule/arrival_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

namespace llmload::sim {
namespace {

constexpr core::Nanos kMs = 1'000'000;

EngineConfig small_config() {
  EngineConfig c;
  c.max_num_seqs = 4;
  c.max_num_batched_tokens = 64;
  c.kv_cache_tokens = 1024;
  c.block_size = 16;
  c.cost = CostModel{1000, 10, 100, 0};  // 1 ms + 10 us/prefill token + 100 us/decode seq
  return c;
}

std::vector<std::uint64_t> prompt_of(std::size_t n, std::uint64_t salt = 0) {
  std::vector<std::uint64_t> p(n);
  std::iota(p.begin(), p.end(), 1000 + salt * 100000);
  return p;
}

EngineRequest request(std::uint64_t id, std::size_t prompt_len, std::int64_t max_tokens,
                      std::uint64_t salt = 0) {
  EngineRequest r;
  r.id = id;
  r.prompt = prompt_of(prompt_len, salt == 0 ? id : salt);
  r.max_tokens = max_tokens;
  r.ignore_eos = true;
  return r;
}

// Steps until idle, back to back; returns per-request token times.
std::map<std::uint64_t, std::vector<core::Nanos>> run_all(Engine& engine, core::Nanos start = 0) {
  std::map<std::uint64_t, std::vector<core::Nanos>> tokens;
  core::Nanos now = start;
  for (int guard = 0; engine.has_work() && guard < 1'000'000; ++guard) {
    const auto& step = engine.step(now);
    for (const auto& e : step.events) {
      auto& t = tokens[e.id];
      t.resize(static_cast<std::size_t>(e.index) + 1);
      t[static_cast<std::size_t>(e.index)] = step.end_ns;
    }
    now = step.end_ns;
  }
  return tokens;
}

TEST(SimEngine, ValidatesEveryField) {
  EngineConfig c;
  c.max_num_seqs = 0;
  c.block_size = 0;
  c.cost.per_decode_seq_us = -1;
  const auto r = validate_engine_config(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--max-num-seqs"), std::string::npos);
  EXPECT_NE(r.error().message.find("--block-size"), std::string::npos);
  EXPECT_NE(r.error().message.find("--per-decode-seq-us"), std::string::npos);
  EXPECT_TRUE(validate_engine_config(EngineConfig{}));
  for (const auto& p : engine_presets()) EXPECT_TRUE(validate_engine_config(p.config)) << p.name;
  EXPECT_TRUE(find_engine_preset("ascend-910b-qwen"));
  EXPECT_FALSE(find_engine_preset("nope"));
}

TEST(SimEngine, SingleRequestPrefillThenOneTokenPerStep) {
  Engine engine(small_config());
  ASSERT_TRUE(engine.submit(request(1, 32, 3), 0));
  const auto& s1 = engine.step(0);
  EXPECT_EQ(s1.num_seqs, 1);
  EXPECT_EQ(s1.prefill_tokens, 32);
  EXPECT_EQ(s1.end_ns, 1 * kMs + 32 * 10'000);  // overhead + 32 prefill tokens
  ASSERT_EQ(s1.events.size(), 1u);              // the first token comes with the prefill
  EXPECT_EQ(s1.events[0].index, 0);
  const auto& s2 = engine.step(s1.end_ns);
  EXPECT_EQ(s2.decode_seqs, 1);
  EXPECT_EQ(s2.prefill_tokens, 0);
  EXPECT_EQ(s2.end_ns - s2.start_ns, 1 * kMs + 100'000);
  const auto& s3 = engine.step(s2.end_ns);
  ASSERT_EQ(s3.events.size(), 1u);
  EXPECT_TRUE(s3.events[0].last);
  EXPECT_FALSE(engine.has_work());
  EXPECT_EQ(engine.num_free_blocks(), engine.num_blocks());
  EXPECT_EQ(engine.metrics().generation_tokens, 3u);
  EXPECT_EQ(engine.metrics().request_success[static_cast<int>(FinishReason::kLength)], 1u);
}

TEST(SimEngine, AdmitsFcfsWithinMaxNumSeqs) {
  auto c = small_config();
  c.max_num_batched_tokens = 1000;
  Engine engine(c);
  for (std::uint64_t id = 1; id <= 6; ++id) ASSERT_TRUE(engine.submit(request(id, 8, 4), 0));
  const auto& s = engine.step(0);
  EXPECT_EQ(s.num_seqs, 4);
  EXPECT_EQ(engine.num_running(), 4);
  EXPECT_EQ(engine.num_waiting(), 2);
  std::vector<std::uint64_t> ids;
  for (const auto& e : s.events) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  // 5 and 6 start only when a seat frees up, and in order.
  const auto tokens = run_all(engine, s.end_ns);
  EXPECT_LT(tokens.at(5).front(), tokens.at(6).front() + 1);
  EXPECT_GT(tokens.at(5).front(), tokens.at(4).back() - 1);
}

TEST(SimEngine, TokenBudgetChunksPrefillAndSharesStepsWithDecodes) {
  Engine engine(small_config());  // budget 64
  ASSERT_TRUE(engine.submit(request(1, 10, 50), 0));
  const auto& s1 = engine.step(0);
  EXPECT_EQ(s1.prefill_tokens, 10);
  ASSERT_TRUE(engine.submit(request(2, 150, 5), s1.end_ns));
  // Step 2: one decode for request 1 and a 63-token chunk of request 2, no token for it yet.
  const auto& s2 = engine.step(s1.end_ns);
  EXPECT_EQ(s2.decode_seqs, 1);
  EXPECT_EQ(s2.prefill_tokens, 63);
  ASSERT_EQ(s2.events.size(), 1u);
  EXPECT_EQ(s2.events[0].id, 1u);
  const auto& s3 = engine.step(s2.end_ns);
  EXPECT_EQ(s3.prefill_tokens, 63);
  EXPECT_EQ(s3.events.size(), 1u);
  const auto& s4 = engine.step(s3.end_ns);
  EXPECT_EQ(s4.prefill_tokens, 24);  // the rest: 150 - 126
  ASSERT_EQ(s4.events.size(), 2u);   // request 2's first token with the last chunk
  EXPECT_EQ(s4.events[1].id, 2u);
  EXPECT_EQ(s4.events[1].index, 0);
  EXPECT_EQ(s4.context_tokens, 12 + 126);
}

TEST(SimEngine, PreemptsTheLatestAdmittedWhenTheCacheIsFull) {
  auto c = small_config();
  c.kv_cache_tokens = 64;  // 4 blocks of 16
  c.max_num_batched_tokens = 1000;
  Engine engine(c);
  // Each needs 2 blocks for its prompt (20 tokens) and a third once it passes 32 tokens.
  ASSERT_TRUE(engine.submit(request(1, 20, 20), 0));
  ASSERT_TRUE(engine.submit(request(2, 20, 20), 0));
  core::Nanos now = 0;
  std::int64_t preempted = 0;
  std::map<std::uint64_t, std::int64_t> tokens;
  while (engine.has_work()) {
    const auto& s = engine.step(now);
    preempted += s.preempted;
    for (const auto& e : s.events) ++tokens[e.id];
    now = s.end_ns;
  }
  EXPECT_GE(preempted, 1);
  EXPECT_EQ(engine.metrics().num_preemptions, static_cast<std::uint64_t>(preempted));
  // Both finish with all their tokens; the preempted one recomputed its prompt and outputs.
  EXPECT_EQ(tokens[1], 20);
  EXPECT_EQ(tokens[2], 20);
  EXPECT_EQ(engine.num_free_blocks(), 4);
}

TEST(SimEngine, RejectsWhatCanNeverFit) {
  auto c = small_config();
  c.max_model_len = 100;
  Engine engine(c);
  const auto too_long = engine.submit(request(1, 90, 20), 0);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().status, 400);
  EXPECT_NE(too_long.error().message.find("maximum context length is 100"), std::string::npos);
  EXPECT_EQ(engine.submit(request(2, 0, 20), 0).error().status, 400);
  c.max_model_len = 100000;
  Engine small(c);
  EXPECT_EQ(small.submit(request(3, 1000, 100), 0).error().status, 400);  // > 1024-token cache
}

TEST(SimEngine, PrefixCacheHitsFullBlocksByHash) {
  Engine engine(small_config());
  ASSERT_TRUE(engine.submit(request(1, 40, 2, /*salt=*/7), 0));
  run_all(engine);
  EXPECT_EQ(engine.metrics().prefix_cache_hits, 0u);
  EXPECT_EQ(engine.metrics().prefix_cache_queries, 40u);
  // Same 40-token prompt: the two full blocks (32 tokens) hit, the last 8 are computed.
  ASSERT_TRUE(engine.submit(request(2, 40, 2, 7), 0));
  const auto& s = engine.step(1'000'000'000);
  EXPECT_EQ(s.prefill_tokens, 8);
  EXPECT_EQ(s.context_tokens, 32);
  EXPECT_EQ(engine.metrics().prefix_cache_hits, 32u);
  EXPECT_EQ(engine.metrics().prefix_cache_queries, 80u);
  run_all(engine, s.end_ns);
  // A prompt that differs in its first token shares nothing (hashes are chained).
  auto other = request(3, 40, 2, 7);
  other.prompt[0] = 1;
  ASSERT_TRUE(engine.submit(std::move(other), 0));
  EXPECT_EQ(engine.step(2'000'000'000).prefill_tokens, 40);
  // A fully cached prompt still computes its last block's tokens (at least one token).
  run_all(engine, 3'000'000'000);
  ASSERT_TRUE(engine.submit(request(4, 32, 2, 7), 0));
  EXPECT_EQ(engine.step(4'000'000'000).prefill_tokens, 16);
}

TEST(SimEngine, WithoutPrefixCachingNothingHits) {
  auto c = small_config();
  c.prefix_caching = false;
  Engine engine(c);
  ASSERT_TRUE(engine.submit(request(1, 40, 2, 7), 0));
  run_all(engine);
  ASSERT_TRUE(engine.submit(request(2, 40, 2, 7), 0));
  EXPECT_EQ(engine.step(0).prefill_tokens, 40);
  EXPECT_EQ(engine.metrics().prefix_cache_hits, 0u);
}

TEST(SimEngine, QueueLimitAnswers429) {
  auto c = small_config();
  c.max_waiting = 2;
  Engine engine(c);
  ASSERT_TRUE(engine.submit(request(1, 8, 4), 0));
  ASSERT_TRUE(engine.submit(request(2, 8, 4), 0));
  const auto third = engine.submit(request(3, 8, 4), 0);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().status, 429);
  engine.step(0);  // both admitted: the queue is empty again
  EXPECT_TRUE(engine.submit(request(3, 8, 4), 0));
}

TEST(SimEngine, AbortFreesBlocksAndCountsAnAbort) {
  Engine engine(small_config());
  ASSERT_TRUE(engine.submit(request(1, 40, 100), 0));
  ASSERT_TRUE(engine.submit(request(2, 40, 100), 0));
  engine.step(0);
  engine.abort(1, kMs);
  engine.abort(2, kMs);
  engine.abort(99, kMs);  // unknown: ignored
  EXPECT_FALSE(engine.has_work());
  EXPECT_EQ(engine.num_free_blocks(), engine.num_blocks());
  EXPECT_EQ(engine.metrics().request_success[static_cast<int>(FinishReason::kAbort)], 2u);
}

TEST(SimEngine, OutputLengthsAreSeededAndEndWithStop) {
  auto c = small_config();
  c.mean_output_tokens = 20;
  Engine a(c), b(c);
  double total = 0;
  int stops = 0;
  for (std::uint64_t id = 1; id <= 200; ++id) {
    auto r = request(id, 8, 500);
    r.ignore_eos = false;
    const auto ia = a.submit(r, 0).value();
    const auto ib = b.submit(r, 0).value();
    EXPECT_EQ(ia.output_tokens, ib.output_tokens);  // same prompt, same length
    EXPECT_GE(ia.output_tokens, 1);
    total += static_cast<double>(ia.output_tokens);
    stops += ia.finish_reason == FinishReason::kStop ? 1 : 0;
  }
  EXPECT_NEAR(total / 200, 20, 5);
  EXPECT_EQ(stops, 200);
  auto capped = request(500, 8, 1);
  capped.ignore_eos = false;
  const auto info = a.submit(capped, 0).value();
  EXPECT_EQ(info.output_tokens, 1);
  EXPECT_EQ(info.finish_reason, FinishReason::kLength);
}

TEST(SimEngine, TokensOfAllRunningStreamsShareTheStepBoundary) {
  auto c = small_config();
  c.max_num_batched_tokens = 1000;
  Engine engine(c);
  for (std::uint64_t id = 1; id <= 3; ++id) ASSERT_TRUE(engine.submit(request(id, 8, 10), 0));
  const auto tokens = run_all(engine);
  EXPECT_EQ(tokens.at(1), tokens.at(2));
  EXPECT_EQ(tokens.at(2), tokens.at(3));
}

TEST(SimEngine, MetricsTrackQueuePrefillDecodeAndGauges) {
  Engine engine(small_config());
  ASSERT_TRUE(engine.submit(request(1, 16, 4), 0));
  EXPECT_EQ(engine.metrics().num_requests_waiting, 1);
  engine.step(5 * kMs);
  EXPECT_EQ(engine.metrics().num_requests_running, 1);
  EXPECT_GT(engine.metrics().kv_cache_usage_perc, 0.0);
  run_all(engine, 10 * kMs);
  const auto& m = engine.metrics();
  EXPECT_EQ(m.request_queue_time.count(), 1u);
  EXPECT_NEAR(m.request_queue_time.sum(), 0.005, 1e-9);
  EXPECT_EQ(m.time_to_first_token.count(), 1u);
  EXPECT_EQ(m.inter_token_latency.count(), 3u);
  EXPECT_EQ(m.e2e_request_latency.count(), 1u);
  EXPECT_EQ(m.request_decode_time.count(), 1u);
  EXPECT_EQ(m.prompt_tokens, 16u);
  EXPECT_EQ(m.kv_cache_usage_perc, 0.0);
}

// ---- the seed scenarios on the virtual clock ----------------------------------------------

struct ScenarioFigures {
  double duration_s = 0;
  double mean_ttft_ms = 0;
  double mean_tpot_ms = 0;
  std::int64_t peak_concurrency = 0;
};

// Replays `count` requests arriving at `offsets` against the engine, as the load engine would
// see them with zero network time (vLLM's definitions: TTFT from arrival, TPOT over the rest).
ScenarioFigures replay(const EngineConfig& config, const std::vector<core::Nanos>& offsets,
                       std::size_t prompt_len, std::int64_t output_len) {
  Engine engine(config);
  const std::size_t n = offsets.size();
  std::vector<core::Nanos> first(n, -1), last(n, -1);
  std::size_t next = 0;
  core::Nanos now = 0;
  while (next < n || engine.has_work()) {
    while (next < n && offsets[next] <= now) {
      auto r = request(next + 1, prompt_len, output_len);
      EXPECT_TRUE(engine.submit(std::move(r), offsets[next]));
      ++next;
    }
    if (!engine.has_work()) {
      now = offsets[next];
      continue;
    }
    const auto& step = engine.step(now);
    for (const auto& e : step.events) {
      if (e.index == 0) first[e.id - 1] = step.end_ns;
      if (e.last) last[e.id - 1] = step.end_ns;
    }
    now = step.end_ns;
  }
  ScenarioFigures f;
  f.duration_s = core::ns_to_s(*std::max_element(last.begin(), last.end()));
  std::vector<std::pair<core::Nanos, int>> sweep;
  for (std::size_t i = 0; i < n; ++i) {
    f.mean_ttft_ms += core::ns_to_ms(first[i] - offsets[i]) / static_cast<double>(n);
    f.mean_tpot_ms += core::ns_to_ms(last[i] - first[i]) / static_cast<double>(output_len - 1) /
                      static_cast<double>(n);
    sweep.emplace_back(offsets[i], 1);
    sweep.emplace_back(last[i], -1);
  }
  std::sort(sweep.begin(), sweep.end());  // departures (-1) before arrivals at ties
  std::int64_t live = 0;
  for (const auto& [t, d] : sweep) f.peak_concurrency = std::max(f.peak_concurrency, live += d);
  return f;
}

TEST(SimEngineCalibration, Seed001AscendScenarioWithin20Percent) {
  // 200 requests at 16 RPS (Poisson, vLLM's schedule), 100 tokens in and 100 out.
  schedule::ArrivalOptions arrivals;
  arrivals.request_rate = 16;
  const auto offsets = schedule::make_arrival_offsets(200, arrivals).value();
  const auto f = replay(find_engine_preset("ascend-910b-qwen").value(), offsets, 100, 100);
  RecordProperty("duration_s", std::to_string(f.duration_s));
  RecordProperty("mean_ttft_ms", std::to_string(f.mean_ttft_ms));
  RecordProperty("mean_tpot_ms", std::to_string(f.mean_tpot_ms));
  std::printf("seed 001 replay: duration %.2f s, mean TTFT %.0f ms, mean TPOT %.1f ms, peak %lld\n",
              f.duration_s, f.mean_ttft_ms, f.mean_tpot_ms, static_cast<long long>(f.peak_concurrency));
  // The seed's four runs: duration 36.5-45.4 s, TTFT 7.7-11.3 s, TPOT 193-244 ms, peak 191-194.
  EXPECT_NEAR(f.duration_s, 41.0, 0.2 * 41.0);
  EXPECT_NEAR(f.mean_ttft_ms, 9500, 0.2 * 9500);
  EXPECT_NEAR(f.mean_tpot_ms, 220, 0.2 * 220);
  EXPECT_NEAR(static_cast<double>(f.peak_concurrency), 194, 0.2 * 194);
}

TEST(SimEngineCalibration, Seed002SingleImageRequest) {
  // One request of 1145 prompt tokens (1131 image tokens + 14 text), 512 tokens out.
  const auto f = replay(find_engine_preset("h100-qwen2-vl-7b").value(), {0}, 1145, 512);
  std::printf("seed 002 replay: TTFT %.2f ms, TPOT %.2f ms\n", f.mean_ttft_ms, f.mean_tpot_ms);
  EXPECT_NEAR(f.mean_ttft_ms, 81.17, 0.2 * 81.17);
  EXPECT_NEAR(f.mean_tpot_ms, 16.42, 0.2 * 16.42);
}

}  // namespace
}  // namespace llmload::sim
