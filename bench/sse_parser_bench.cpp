// Throughput of the SSE parser on the shapes the HTTP client feeds it: a vLLM completions
// stream in one-event reads, in 16-event reads (a backlog drained at once), in seeded random
// reads that split events, one byte at a time, and a single 1 MiB event.
//   build-<you>/bench/llmload_micro_bench --benchmark_filter=Sse --benchmark_min_time=1
#include "llmload/sse/sse_parser.hpp"

#include "llmload/core/rng.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <vector>

namespace {

using llmload::sse::Event;
using llmload::sse::Parser;

constexpr int kStreamTokens = 256;

// One vLLM /v1/completions stream (include_usage): kStreamTokens chunks of one token each, the
// usage chunk and [DONE]; chunk bodies are ~210-240 bytes, as vLLM sends them.
std::vector<std::string> vllm_events() {
  static const char* const kWords[] = {" the", " of", " Paris",  ",",   " and",  " capital", ".",
                                       " is",  " a",  " France", "\\n", " city", " largest", " in"};
  std::vector<std::string> events;
  for (int i = 0; i < kStreamTokens; ++i) {
    const bool last = i + 1 == kStreamTokens;
    events.push_back(fmt::format(
        "data: {{\"id\":\"cmpl-8f6b0b1e6c0a4a43a4b6d3c1b2a9e7f5\",\"object\":\"text_completion\","
        "\"created\":1718030712,\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{{"
        "\"index\":0,\"text\":\"{}\",\"logprobs\":null,\"finish_reason\":{},\"stop_reason\":null}}]"
        ","
        "\"usage\":null}}\n\n",
        kWords[i % std::size(kWords)], last ? "\"length\"" : "null"));
  }
  events.push_back(fmt::format(
      "data: {{\"id\":\"cmpl-8f6b0b1e6c0a4a43a4b6d3c1b2a9e7f5\",\"object\":\"text_completion\","
      "\"created\":1718030712,\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[],"
      "\"usage\":{{\"prompt_tokens\":6,\"total_tokens\":{},\"completion_tokens\":{},"
      "\"prompt_tokens_details\":null}}}}\n\n",
      6 + kStreamTokens, kStreamTokens));
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::vector<std::string> group(const std::vector<std::string>& events, std::size_t per_read) {
  std::vector<std::string> reads;
  for (std::size_t i = 0; i < events.size(); i += per_read) {
    std::string read;
    for (std::size_t j = i; j < std::min(events.size(), i + per_read); ++j) read += events[j];
    reads.push_back(std::move(read));
  }
  return reads;
}

std::vector<std::string> slice(const std::string& bytes, std::size_t min_read, std::size_t max_read,
                               std::uint64_t seed) {
  llmload::core::Rng rng(seed, "sse-bench-reads");
  std::vector<std::string> reads;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto n = static_cast<std::size_t>(
        rng.uniform_int(static_cast<std::int64_t>(min_read), static_cast<std::int64_t>(max_read)));
    reads.push_back(bytes.substr(i, n));
    i += n;
  }
  return reads;
}

std::string concat(const std::vector<std::string>& parts) {
  std::string all;
  for (const auto& p : parts) all += p;
  return all;
}

// How a stream's parser is obtained. kFresh: a new Parser per stream, as the HTTP client does
// (one per request). kReset: one Parser reset() between streams (keeps buffers up to 64 KiB).
// kWarm: one Parser, finish() between streams, so even a 1 MiB buffer is reused: the parsing
// cost alone, without the allocator and first-touch page faults.
enum class Reuse { kFresh, kReset, kWarm };

// Feeds the reads of one stream per iteration and reports bytes/s and events/s.
void run_stream(benchmark::State& state, const std::vector<std::string>& reads,
                std::int64_t expected_events, Reuse reuse) {
  std::int64_t bytes = 0;
  for (const auto& r : reads) bytes += static_cast<std::int64_t>(r.size());
  Parser parser;
  std::int64_t events = 0;
  std::size_t checksum = 0;
  auto on_event = [&](const Event& e) {
    checksum += e.data.size();
    ++events;
  };
  for (auto _ : state) {
    if (reuse == Reuse::kFresh) {
      Parser fresh;
      for (const auto& r : reads) {
        if (!fresh.feed(r, on_event)) state.SkipWithError("feed failed");
      }
      benchmark::DoNotOptimize(fresh.finish());
      continue;
    }
    if (reuse == Reuse::kReset) parser.reset();
    for (const auto& r : reads) {
      if (!parser.feed(r, on_event)) state.SkipWithError("feed failed");
    }
    benchmark::DoNotOptimize(parser.finish());
  }
  benchmark::DoNotOptimize(checksum);
  if (events != expected_events * static_cast<std::int64_t>(state.iterations())) {
    state.SkipWithError("wrong number of events");
  }
  state.SetBytesProcessed(bytes * static_cast<std::int64_t>(state.iterations()));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["bytes/event"] = static_cast<double>(bytes) / static_cast<double>(expected_events);
}

void BM_SseVllmOneEventPerRead(benchmark::State& state) {
  const auto events = vllm_events();
  run_stream(state, events, static_cast<std::int64_t>(events.size()), Reuse::kReset);
}
BENCHMARK(BM_SseVllmOneEventPerRead);

void BM_SseVllmOneEventPerReadFreshParser(benchmark::State& state) {
  const auto events = vllm_events();
  run_stream(state, events, static_cast<std::int64_t>(events.size()), Reuse::kFresh);
}
BENCHMARK(BM_SseVllmOneEventPerReadFreshParser);

void BM_SseVllm16EventsPerRead(benchmark::State& state) {
  const auto events = vllm_events();
  run_stream(state, group(events, 16), static_cast<std::int64_t>(events.size()), Reuse::kReset);
}
BENCHMARK(BM_SseVllm16EventsPerRead);

// Read boundaries anywhere, 64..1024 bytes: most events straddle two reads and are copied.
void BM_SseVllmRandomReads(benchmark::State& state) {
  const auto events = vllm_events();
  run_stream(state, slice(concat(events), 64, 1024, 42), static_cast<std::int64_t>(events.size()),
             Reuse::kReset);
}
BENCHMARK(BM_SseVllmRandomReads);

void BM_SseVllmOneBytePerRead(benchmark::State& state) {
  const auto events = vllm_events();
  run_stream(state, slice(concat(events), 1, 1, 0), static_cast<std::int64_t>(events.size()),
             Reuse::kReset);
}
BENCHMARK(BM_SseVllmOneBytePerRead);

// A single 1 MiB data line (a large tool call or base64 payload), fed whole (read size 0) or in
// reads of the given size; with a fresh parser per stream (allocation and page faults
// included) and with a warm one (parsing and copying only).
std::vector<std::string> one_mib_event_reads(std::size_t read) {
  std::string payload(1024 * 1024, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  const std::string stream = "data: " + payload + "\n\n";
  return read == 0 ? std::vector<std::string>{stream} : slice(stream, read, read, 0);
}

void BM_SseOneMiBEventFreshParser(benchmark::State& state) {
  run_stream(state, one_mib_event_reads(static_cast<std::size_t>(state.range(0))), 1,
             Reuse::kFresh);
}
BENCHMARK(BM_SseOneMiBEventFreshParser)->ArgName("read")->Arg(0)->Arg(16 * 1024)->Arg(64 * 1024);

void BM_SseOneMiBEventWarmParser(benchmark::State& state) {
  run_stream(state, one_mib_event_reads(static_cast<std::size_t>(state.range(0))), 1, Reuse::kWarm);
}
BENCHMARK(BM_SseOneMiBEventWarmParser)->ArgName("read")->Arg(0)->Arg(16 * 1024)->Arg(64 * 1024);

}  // namespace
