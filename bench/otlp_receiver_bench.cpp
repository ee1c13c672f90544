// Throughput of the OTLP trace receiver on vLLM-shaped exports (512 `llm_request` spans of 14
// attributes each, the batch processor's batch): the protobuf decode alone, the OTLP/HTTP
// answer (decode + hand-over to the span store), a whole gRPC export over loopback (client and
// server in this process), and the join of the spans to their requests.
//   build/bench/llmload_micro_bench --benchmark_filter=Otlp --benchmark_min_time=1
#include "llmload/otlp/breakdown.hpp"
#include "llmload/otlp/http_receiver.hpp"
#include "llmload/otlp/receiver.hpp"
#include "llmload/otlp/wire.hpp"
#include "llmload/sim/span_exporter.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace llmload;
constexpr std::size_t kBatch = 512;

const std::vector<api::TraceParent>& parents() {
  static const auto p = api::make_trace_parents(0, "traceparent", kBatch);
  return p;
}

std::vector<otlp::Span> vllm_spans() {
  std::vector<otlp::Span> spans;
  for (std::size_t i = 0; i < kBatch; ++i) {
    sim::RequestFacts facts;
    facts.traceparent = parents()[i].header();
    const std::string id = "cmpl-bench-" + std::to_string(i) + "-0";
    facts.request_id = id;
    facts.model = "Qwen/Qwen2.5-VL-7B-Instruct";
    facts.max_tokens = 128;
    facts.prompt_tokens = 1024;
    facts.completion_tokens = 128;
    const core::Nanos t0 = 1'000'000'000;
    spans.push_back(sim::make_request_span(facts, {t0, t0 + 5'000'000, t0 + 80'000'000, t0 + 2'000'000'000}, i + 1));
  }
  return spans;
}

const std::string& export_body() {
  static const std::string body = otlp::encode_export_request(vllm_spans(), "vllm", "vllm.tracing");
  return body;
}

void OtlpDecode(benchmark::State& state) {
  const std::string& body = export_body();
  std::vector<otlp::Span> out;
  std::string error;
  for (auto _ : state) {
    out.clear();
    if (!otlp::decode_export_request(body, out, error)) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(OtlpDecode);

void OtlpHttpAnswer(benchmark::State& state) {
  const std::string& body = export_body();
  otlp::SpanStore store;
  for (auto _ : state) {
    auto answer = otlp::answer_http_export("POST", "/v1/traces", "application/x-protobuf", body, store);
    benchmark::DoNotOptimize(answer.status);
    benchmark::DoNotOptimize(store.take());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(OtlpHttpAnswer);

void OtlpGrpcExportLoopback(benchmark::State& state) {
  auto receiver = otlp::Receiver::start({"127.0.0.1", 0}, "--otlp-receiver");
  if (!receiver) {
    state.SkipWithError(receiver.error().message.c_str());
    return;
  }
  otlp::GrpcTraceClient client("127.0.0.1:" + std::to_string((*receiver)->grpc_port()));
  const std::string& body = export_body();
  std::string error;
  for (auto _ : state) {
    if (!client.export_request(body, std::chrono::seconds(10), error)) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize((*receiver)->store().take());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(OtlpGrpcExportLoopback)->UseRealTime();

void OtlpJoin(benchmark::State& state) {
  const auto spans = vllm_spans();
  std::vector<metrics::RequestRecord> records(kBatch);
  for (std::size_t i = 0; i < kBatch; ++i) {
    records[i].trace_id = parents()[i].trace_id;
    records[i].dispatch_ns = 1'000'000;
    records[i].start_ns = 2'000'000;
    records[i].sent_ns = 3'000'000;
    records[i].chunk_ns = {90'000'000, 2'100'000'000};
  }
  for (auto _ : state) {
    otlp::Joiner joiner(records, parents(), "bench-", {});
    joiner.add(spans);
    auto b = joiner.finish(0, "");
    benchmark::DoNotOptimize(b.requests_joined);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(OtlpJoin);

}  // namespace

#include "llmload/runtime/runner.hpp"
#include "llmload/workload/random_dataset.hpp"

namespace {

// The request path's share of the traceparent: serializing one request (head + 32-word body)
// without and with its traceparent header (argument 1), as the runner does per request.
void OtlpRequestHeadTraceparent(benchmark::State& state) {
  runtime::Target target;
  target.base = net::parse_url("http://127.0.0.1:8000").value();
  target.path = "/v1/completions";
  runtime::RequestTemplate request;
  request.body.model = "llmload-sim";
  request.body.ignore_eos = true;
  if (state.range(0) != 0) request.trace_parents = parents();
  workload::RandomDatasetOptions data;
  data.input_len = 32;
  data.output_len = 200;
  const auto specs = workload::make_random_dataset(kBatch, data).value();
  std::uint32_t i = 0;
  for (auto _ : state) {
    auto wire = runtime::build_http_request(target, request, specs[i % kBatch], i % kBatch);
    benchmark::DoNotOptimize(wire.data());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(OtlpRequestHeadTraceparent)->Arg(0)->Arg(1);

}  // namespace
