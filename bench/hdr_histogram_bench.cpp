// Cost of the HdrHistogram operations a run performs: record() on every latency sample (per
// worker thread, the hot path), merge() of worker histograms on the aggregator, percentile
// queries for the summary, and the compressed encoding written to interval logs.
// All histograms use llmload's layout: 1 ns .. 1 h, 3 significant digits.
//   build-<you>/bench/llmload_micro_bench --benchmark_filter=Hdr --benchmark_min_time=1
#include "llmload/metrics/hdr_histogram.hpp"

#include "llmload/core/rng.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using llmload::metrics::HdrConfig;
using llmload::metrics::HdrHistogram;

// Latencies log-uniform between `lo_ns` and `hi_ns`: every bucket of the range gets traffic.
std::vector<std::int64_t> latencies(std::size_t n, double lo_ns, double hi_ns, std::uint64_t seed) {
  llmload::core::Rng rng(seed, "hdr-bench");
  std::vector<std::int64_t> v(n);
  for (auto& x : v) {
    x = static_cast<std::int64_t>(std::exp(std::log(lo_ns) + rng.uniform01() * std::log(hi_ns / lo_ns)));
  }
  return v;
}

constexpr double kHourNs = 3600e9;

HdrHistogram filled(std::size_t n, std::uint64_t seed, const HdrConfig& config = {}) {
  HdrHistogram h(config);
  for (const auto v : latencies(n, 1e3, kHourNs, seed)) h.record(v);
  return h;
}

// record() of pre-generated values (65536 of them, cycled): index computation, one counter
// increment, min/max. Range(0) selects the value spread: 0 = 1 µs..1 h (cache-unfriendly
// across the 270 KiB counts array), 1 = 10..100 ms (a typical TTFT band).
void BM_HdrRecord(benchmark::State& state) {
  const auto values = state.range(0) == 0 ? latencies(65536, 1e3, kHourNs, 1)
                                          : latencies(65536, 1e7, 1e8, 1);
  HdrHistogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i]);
    i = (i + 1) & 65535;
  }
  benchmark::DoNotOptimize(h.total_count());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_HdrRecord)->ArgName("narrow")->Arg(0)->Arg(1);

// The same loop with a std::vector push_back, for scale: what keeping raw samples costs.
void BM_HdrRecordBaselineVectorPush(benchmark::State& state) {
  const auto values = latencies(65536, 1e3, kHourNs, 1);
  std::vector<std::int64_t> samples;
  samples.reserve(1 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    samples.push_back(values[i]);
    i = (i + 1) & 65535;
    if (samples.size() == (1 << 20)) samples.clear();
  }
  benchmark::DoNotOptimize(samples.data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_HdrRecordBaselineVectorPush);

// merge() of one worker's histogram (100k samples over 1 µs..1 h) into the aggregate.
// Same layout: counts added slot by slot over the used range. Arg 1: the source has another
// layout (lowest discernible 1000 ns), so every non-empty slot is re-recorded.
void BM_HdrMerge(benchmark::State& state) {
  const bool other_layout = state.range(0) == 1;
  const HdrHistogram source =
      filled(100'000, 2, other_layout ? HdrConfig{1000, 3'600'000'000'000, 3} : HdrConfig{});
  HdrHistogram target = filled(100'000, 3);
  std::int64_t slots = 0;
  source.for_each_bucket([&](const auto&) { ++slots; });
  for (auto _ : state) {
    target.merge(source);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(target.total_count());
  state.counters["merges/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["nonempty_slots"] = static_cast<double>(slots);
  state.counters["counts_length"] = static_cast<double>(source.counts_length());
}
BENCHMARK(BM_HdrMerge)->ArgName("other_layout")->Arg(0)->Arg(1);

// value_at_percentile() on a 1M-sample histogram over 1 µs..1 h: a walk over the slots from
// the minimum, so higher percentiles walk further.
void BM_HdrValueAtPercentile(benchmark::State& state) {
  const HdrHistogram h = filled(1'000'000, 4);
  const double p = static_cast<double>(state.range(0)) / 10.0;
  for (auto _ : state) benchmark::DoNotOptimize(h.value_at_percentile(p));
  state.counters["queries/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HdrValueAtPercentile)->ArgName("p_x10")->Arg(500)->Arg(990)->Arg(999);

// The percentile spectrum (5 ticks per half distance) a report prints.
void BM_HdrPercentileSpectrum(benchmark::State& state) {
  const HdrHistogram h = filled(1'000'000, 5);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile_spectrum(5).size());
}
BENCHMARK(BM_HdrPercentileSpectrum);

// One interval log line's histogram: V2 compressed + base64, and back.
void BM_HdrEncodeCompressedBase64(benchmark::State& state) {
  const HdrHistogram h = filled(static_cast<std::size_t>(state.range(0)), 6);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto text = h.encode_compressed_base64();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["base64_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_HdrEncodeCompressedBase64)->ArgName("samples")->Arg(1000)->Arg(1'000'000);

void BM_HdrDecodeCompressedBase64(benchmark::State& state) {
  const auto text = filled(static_cast<std::size_t>(state.range(0)), 7).encode_compressed_base64();
  for (auto _ : state) {
    auto h = HdrHistogram::decode_compressed_base64(text);
    if (!h) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_HdrDecodeCompressedBase64)->ArgName("samples")->Arg(1000)->Arg(1'000'000);

}  // namespace
