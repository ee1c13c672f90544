// Throughput of the chunk decoder on the payloads a run decodes most: a vLLM completions token
// chunk, a chat content chunk, the final usage chunk, and a chunk carrying 4 KiB of escaped
// text. Rate counters: chunks/s (items) and payload bytes/s. The padded-copy baseline shows
// what the copy into the decoder's padded buffer costs on its own. The on-demand reference is
// a lower bound for the alternative the decoder does not use (simdjson on-demand): it reads
// only choices[0].text and usage.completion_tokens, with no type or null checks, and like any
// on-demand walk it leaves the fields it skips unvalidated. It is not like-for-like; it bounds
// what switching could gain.
#include "llmload/api/chunk_decoder.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace {

using llmload::api::ChunkDecoder;

const std::string kCompletionsToken =
    R"({"id":"cmpl-8f6b0b1e6c0a4a43a4b6d3c1b2a9e7f5","object":"text_completion","created":1718030712,)"
    R"("model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"text":" the","logprobs":null,)"
    R"("finish_reason":null,"stop_reason":null}],"usage":null})";

const std::string kChatContent =
    R"({"id":"chatcmpl-7d2e4b9c1a3f4e5d8c6b0a9f2e1d3c4b","object":"chat.completion.chunk",)"
    R"("created":1718030713,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,)"
    R"("delta":{"content":" capital"},"logprobs":null,"finish_reason":null}]})";

const std::string kUsage =
    R"({"id":"cmpl-8f6b0b1e6c0a4a43a4b6d3c1b2a9e7f5","object":"text_completion","created":1718030712,)"
    R"("model":"meta-llama/Llama-3.1-8B-Instruct","choices":[],"usage":{"prompt_tokens":6,)"
    R"("total_tokens":134,"completion_tokens":128,"prompt_tokens_details":null}})";

// ~4 KiB of text inside the JSON string, dense with escapes (\n, \", \uXXXX, surrogate pairs).
std::string escaped_4k() {
  std::string text;
  while (text.size() < 4096) text += R"(line \"q\" \u4f60\u597d \ud83d\ude00 tab\t end\n)";
  return R"({"id":"chatcmpl-e","object":"chat.completion.chunk","created":1718030718,"model":"m",)"
         R"("choices":[{"index":0,"delta":{"content":")" +
         text + R"("},"logprobs":null,"finish_reason":null}]})";
}

void run_decode(benchmark::State& state, const std::string& payload) {
  ChunkDecoder decoder;
  for (auto _ : state) {
    auto chunk = decoder.decode(payload);
    if (!chunk) {
      state.SkipWithError(chunk.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(chunk->text.data());
    benchmark::DoNotOptimize(chunk->usage);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
  state.counters["payload_bytes"] = static_cast<double>(payload.size());
}

void BM_DecodeCompletionsToken(benchmark::State& state) { run_decode(state, kCompletionsToken); }
void BM_DecodeChatContent(benchmark::State& state) { run_decode(state, kChatContent); }
void BM_DecodeUsage(benchmark::State& state) { run_decode(state, kUsage); }
void BM_DecodeEscaped4KiB(benchmark::State& state) {
  static const std::string payload = escaped_4k();
  run_decode(state, payload);
}
void BM_DecodeDone(benchmark::State& state) { run_decode(state, "[DONE]"); }

// The copy the decoder makes before parsing (memcpy of the payload + zeroed padding), alone.
void BM_PaddedCopyCompletionsToken(benchmark::State& state) {
  const std::string& payload = kCompletionsToken;
  const std::size_t capacity = 16 * 1024 + simdjson::SIMDJSON_PADDING;
  std::unique_ptr<char[]> buffer(new char[capacity]);
  for (auto _ : state) {
    benchmark::DoNotOptimize(payload.data());
    std::memcpy(buffer.get(), payload.data(), payload.size());
    std::memset(buffer.get() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
    benchmark::DoNotOptimize(buffer.get());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
}

// Reads choices[0].text and usage.completion_tokens in one pass, with no error reporting
// beyond a flag.
bool ondemand_walk(simdjson::ondemand::parser& parser, const char* buf, std::size_t len,
                   std::size_t capacity, std::string_view& text, std::int64_t& tokens) {
  namespace od = simdjson::ondemand;
  od::document doc;
  od::object top;
  if (parser.iterate(buf, len, capacity).get(doc) || doc.get_object().get(top)) return false;
  for (auto item : top) {
    od::field field;
    if (std::move(item).get(field)) return false;
    if (field.key() == "choices") {
      od::array choices;
      if (field.value().get_array().get(choices)) return false;
      for (auto choice : choices) {
        od::object object;
        if (choice.get_object().get(object)) return false;
        for (auto inner : object) {
          od::field f;
          if (std::move(inner).get(f)) return false;
          if (f.key() == "text" && f.value().get_string().get(text)) return false;
        }
        break;
      }
    } else if (field.key() == "usage") {
      od::object usage;
      if (field.value().get_object().get(usage)) continue;  // null
      for (auto inner : usage) {
        od::field f;
        if (std::move(inner).get(f)) return false;
        if (f.key() == "completion_tokens" && f.value().get_int64().get(tokens)) return false;
      }
    }
  }
  return true;
}

void BM_OnDemandReferenceCompletionsToken(benchmark::State& state) {
  const std::string& payload = kCompletionsToken;
  const std::size_t capacity = 16 * 1024 + simdjson::SIMDJSON_PADDING;
  std::unique_ptr<char[]> buffer(new char[capacity]);
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    std::memcpy(buffer.get(), payload.data(), payload.size());
    std::memset(buffer.get() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
    std::string_view text;
    std::int64_t tokens = -1;
    if (!ondemand_walk(parser, buffer.get(), payload.size(), capacity, text, tokens)) {
      state.SkipWithError("on-demand walk failed");
      break;
    }
    benchmark::DoNotOptimize(text.data());
    benchmark::DoNotOptimize(tokens);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
}

BENCHMARK(BM_DecodeCompletionsToken);
BENCHMARK(BM_DecodeChatContent);
BENCHMARK(BM_DecodeUsage);
BENCHMARK(BM_DecodeEscaped4KiB);
BENCHMARK(BM_DecodeDone);
BENCHMARK(BM_PaddedCopyCompletionsToken);
BENCHMARK(BM_OnDemandReferenceCompletionsToken);

}  // namespace
