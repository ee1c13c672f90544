// The simulator in engine mode (continuous batching) through the real load engine on loopback:
// two calibration scenarios, 200 requests at 16 RPS on vllm-ascend (at 10x speed; the test
// multiplies the measured figures back before comparing) and one image chat request; /metrics,
// /tokenize and /detokenize, the queue limit, faults, bad requests and a stop mid-stream.
#include "llmload/runtime/runner.hpp"

#include "llmload/metrics/run_summary.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/schedule/arrival_schedule.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "sim_support.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <tuple>
#include <string>

namespace llmload::sim {
namespace {

using namespace std::chrono_literals;
using testing_support::metric;
using testing_support::png_data_url;
using testing_support::Started;

struct EngineSim {
  EngineSim(std::string_view preset, double time_scale, std::int64_t max_waiting = 0) {
    SimOptions options;
    options.mode = SimMode::kEngine;
    options.engine = find_engine_preset(preset).value();
    options.engine.max_waiting = max_waiting;
    options.time_scale = time_scale;
    server = std::make_unique<SimServer>(options);
    auto started = server->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    base = net::parse_url(server->base_url()).value();
    endpoints = net::resolve(base.host, base.port).value();
  }

  runtime::Target target(api::Flavor flavor) const {
    runtime::Target t;
    t.base = base;
    t.path = std::string(api::default_endpoint(flavor));
    t.endpoints = endpoints;
    return t;
  }

  net::SimpleResponse fetch(std::string_view method, std::string_view path, std::string_view body = {}) const {
    net::HeaderList headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return net::fetch(base, endpoints, method, path, headers, body, 10s).value();
  }

  std::unique_ptr<SimServer> server;
  net::Url base;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
};

TEST(TimingSimCalibration, VllmAscend200At16RpsThroughTheRunner) {
  // 200 requests at 16 RPS, 100 words in and 100 tokens out (ignore_eos), run 10x faster than
  // real time: the schedule is compressed by the same factor and the figures scaled back.
  constexpr double kScale = 10;
  EngineSim sim("ascend-910b-qwen", kScale);
  workload::RandomDatasetOptions data;
  data.input_len = 100;
  data.output_len = 100;
  const auto specs = workload::make_random_dataset(200, data).value();
  schedule::ArrivalOptions arrivals;
  arrivals.request_rate = 16 * kScale;
  const auto offsets = schedule::make_arrival_offsets(specs.size(), arrivals).value();

  runtime::RequestTemplate t;
  t.flavor = api::Flavor::kCompletions;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  runtime::RunnerOptions options;
  runtime::Runner runner(sim.target(t.flavor), t, options);
  const auto out = runner.run(specs, offsets);
  const auto s = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
  ASSERT_EQ(s.completed, 200);
  EXPECT_EQ(s.total_output_tokens, 20000);
  EXPECT_EQ(s.total_input_tokens, 20000);

  const double duration_s = s.duration_s * kScale;
  const double ttft_ms = s.ttft_ms.mean * kScale;
  const double tpot_ms = s.tpot_ms.mean * kScale;
  std::printf("vllm-ascend, 200 at 16 RPS, via the load engine (x%g): duration %.2f s, mean TTFT %.0f ms, mean TPOT %.1f ms, "
              "mean ITL %.1f ms, peak concurrency %lld\n",
              kScale, duration_s, ttft_ms, tpot_ms, s.itl_ms.mean * kScale,
              static_cast<long long>(s.peak_concurrency_exact));
  // The four reference runs on vllm-ascend report duration 36.5-45.4 s, mean TTFT 7.7-11.3 s,
  // mean TPOT 193-244 ms and 191-194 peak concurrent requests; the preset aims at their middle.
  EXPECT_NEAR(duration_s, 41.0, 0.2 * 41.0);
  EXPECT_NEAR(ttft_ms, 9500, 0.2 * 9500);
  EXPECT_NEAR(tpot_ms, 220, 0.2 * 220);
  EXPECT_NEAR(static_cast<double>(s.peak_concurrency_exact), 194, 0.2 * 194);
}

TEST(TimingSimCalibration, OneImageChatThroughTheRunner) {
  // Real time, and the reference's accuracy run (97 tokens out, 1.66 s): at a compressed scale the
  // client's fraction of a millisecond would be multiplied into the 81 ms TTFT.
  constexpr double kScale = 1;
  EngineSim sim("h100-qwen2-vl-7b", kScale);
  runtime::RequestTemplate t;
  t.flavor = api::Flavor::kChat;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  // The chat body's messages are replaced by one user turn with the image and a 3-word prompt.
  const std::string messages =
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":")" +
      png_data_url(1080, 810) + R"("}},{"type":"text","text":"please describe image"}]}]})";
  t.body.extra_body = boost::json::parse(messages).as_object();
  runtime::Runner runner(sim.target(t.flavor), t, {});
  workload::RequestSpec spec;
  spec.prompt = "please describe image";
  spec.prompt_len = 3;
  spec.expected_output_len = 97;
  const std::vector<workload::RequestSpec> specs{spec};
  const std::vector<core::Nanos> offsets{0};
  const auto out = runner.run(specs, offsets);
  ASSERT_TRUE(out.records[0].ok()) << out.records[0].error;
  EXPECT_EQ(out.records[0].usage_prompt_tokens, 1145);  // 1131 image + 3 prompt + 11 template
  EXPECT_EQ(out.records[0].usage_completion_tokens, 97);
  const auto s = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
  const double ttft_ms = s.ttft_ms.mean * kScale;
  const double tpot_ms = s.tpot_ms.mean * kScale;
  std::printf("one image chat via the load engine (x%g): TTFT %.2f ms, TPOT %.2f ms, total input tokens %lld\n",
              kScale, ttft_ms, tpot_ms, static_cast<long long>(s.total_input_tokens));
  EXPECT_NEAR(ttft_ms, 81.17, 0.2 * 81.17);
  EXPECT_NEAR(tpot_ms, 16.42, 0.2 * 16.42);
}

TEST(SimEngineServer, MetricsTokenizeAndDetokenize) {
  EngineSim sim("default", 100);
  auto completion = sim.fetch("POST", "/v1/completions",
                              R"({"model":"llmload-sim","prompt":"the model of a b c","max_tokens":5,"ignore_eos":true})");
  ASSERT_EQ(completion.status, 200) << completion.body;
  const auto c = boost::json::parse(completion.body).as_object();
  EXPECT_EQ(c.at("usage").at("prompt_tokens").as_int64(), 6);
  EXPECT_EQ(c.at("usage").at("completion_tokens").as_int64(), 5);
  EXPECT_EQ(c.at("choices").at(0).at("finish_reason").as_string(), "length");

  const auto metrics = sim.fetch("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const char* needle :
       {"vllm:num_requests_running{engine=\"0\",model_name=\"llmload-sim\"} 0",
        "vllm:num_requests_waiting{", "vllm:kv_cache_usage_perc{", "vllm:prefix_cache_queries_total{",
        "vllm:prefix_cache_hits_total{", "vllm:prompt_tokens_total{engine=\"0\",model_name=\"llmload-sim\"} 6",
        "vllm:generation_tokens_total{engine=\"0\",model_name=\"llmload-sim\"} 5",
        "vllm:request_success_total{finished_reason=\"length\",engine=\"0\",model_name=\"llmload-sim\"} 1",
        "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",", "vllm:inter_token_latency_seconds_count{",
        "vllm:e2e_request_latency_seconds_sum{", "vllm:request_queue_time_seconds_bucket{",
        "vllm:request_prefill_time_seconds_count{", "vllm:request_decode_time_seconds_count{",
        "# TYPE vllm:time_to_first_token_seconds histogram"}) {
    EXPECT_NE(metrics.body.find(needle), std::string::npos) << needle;
  }

  const auto tokenized = sim.fetch("POST", "/tokenize", R"({"model":"llmload-sim","prompt":"the model of a b c"})");
  ASSERT_EQ(tokenized.status, 200) << tokenized.body;
  const auto tk = boost::json::parse(tokenized.body).as_object();
  EXPECT_EQ(tk.at("count").as_int64(), 6);  // the same count as usage.prompt_tokens
  EXPECT_EQ(tk.at("tokens").as_array().size(), 6u);
  const auto detokenized = sim.fetch("POST", "/detokenize",
                                     R"({"tokens":)" + boost::json::serialize(tk.at("tokens")) + "}");
  ASSERT_EQ(detokenized.status, 200) << detokenized.body;
  const std::string prompt(boost::json::parse(detokenized.body).at("prompt").as_string());
  EXPECT_EQ(prompt.substr(0, 17), "the model of a <|");  // b and c are not in the word list
}


// A config small enough to reason about: 1 ms steps plus 10 us per prefill token.
SimOptions small_engine(std::int64_t max_num_seqs = 8, std::int64_t max_waiting = 0) {
  SimOptions o;
  o.mode = SimMode::kEngine;
  o.engine.max_num_seqs = max_num_seqs;
  o.engine.max_waiting = max_waiting;
  o.engine.mean_output_tokens = 8;
  o.engine.cost = CostModel{1000, 10, 10, 0};
  return o;
}

TEST(SimEngineServer, ConcurrentChatStreamsGetTheirTokensAtTheSameSteps) {
  Started sim(small_engine());
  runtime::RequestTemplate t;
  t.flavor = api::Flavor::kChat;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  runtime::Runner runner(sim.target(t.flavor), t, {});
  workload::RandomDatasetOptions data;
  data.input_len = 16;
  data.output_len = 20;
  const auto specs = workload::make_random_dataset(4, data).value();
  const std::vector<core::Nanos> offsets(specs.size(), 0);
  const auto out = runner.run(specs, offsets);
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << metrics::outcome_name(r.outcome) << " " << r.error;
    EXPECT_EQ(r.usage_completion_tokens, 20);
    EXPECT_EQ(r.usage_prompt_tokens, 16 + 5 + 4);  // words + the chat template
    EXPECT_EQ(r.finish_reason, "length");
  }
  // Once all four run, their last tokens come out of the same step: within a few ms.
  core::Nanos lo = out.records[0].chunk_ns.back(), hi = lo;
  for (const auto& r : out.records) {
    lo = std::min(lo, r.chunk_ns.back());
    hi = std::max(hi, r.chunk_ns.back());
  }
  EXPECT_LT(hi - lo, 5'000'000);
}

TEST(SimEngineServer, WithoutIgnoreEosStreamsStopEarly) {
  Started sim(small_engine());
  runtime::RequestTemplate t;
  t.body.model = "llmload-sim";
  runtime::Runner runner(sim.target(t.flavor), t, {});
  workload::RandomDatasetOptions data;
  data.input_len = 8;
  data.output_len = 200;
  const auto specs = workload::make_random_dataset(20, data).value();
  const std::vector<core::Nanos> offsets(specs.size(), 0);
  const auto out = runner.run(specs, offsets);
  int stops = 0;
  for (const auto& r : out.records) {
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(static_cast<std::size_t>(r.usage_completion_tokens), r.chunk_ns.size());
    stops += r.finish_reason == "stop" ? 1 : 0;
  }
  EXPECT_GE(stops, 18);  // mean 8 tokens out of 200 allowed
  EXPECT_EQ(metric(sim.metrics(), "vllm:request_success_total{finished_reason=\"stop\""), stops);
}

TEST(SimEngineServer, FullQueueAnswers429) {
  Started sim(small_engine(/*max_num_seqs=*/1, /*max_waiting=*/1));
  runtime::RequestTemplate t;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  runtime::Runner runner(sim.target(t.flavor), t, {});
  workload::RandomDatasetOptions data;
  data.input_len = 8;
  data.output_len = 50;
  const auto specs = workload::make_random_dataset(6, data).value();
  const std::vector<core::Nanos> offsets(specs.size(), 0);
  const auto out = runner.run(specs, offsets);
  int ok = 0, rejected = 0;
  for (const auto& r : out.records) {
    ok += r.ok() ? 1 : 0;
    rejected += r.http_status == 429 ? 1 : 0;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(rejected, 1);
  EXPECT_EQ(ok + rejected, 6);
}

TEST(SimEngineServer, RepeatedPromptsHitThePrefixCache) {
  Started sim(small_engine());
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += " w" + std::to_string(i);
  const std::string body = R"({"prompt":")" + prompt + R"(","max_tokens":2})";
  for (int i = 0; i < 2; ++i) {
    const auto r = net::fetch(sim.base, sim.endpoints, "POST", "/v1/completions", {}, body, 10s).value();
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const auto m = sim.metrics();
  EXPECT_EQ(metric(m, "vllm:prefix_cache_queries_total"), 200);
  EXPECT_EQ(metric(m, "vllm:prefix_cache_hits_total"), 96);  // 6 full blocks of 16
}

TEST(SimEngineServer, FaultsAndDisconnectsAbortTheRequest) {
  Started sim(small_engine());
  runtime::RequestTemplate t;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  workload::RandomDatasetOptions data;
  data.input_len = 8;
  data.output_len = 10;
  const auto specs = workload::make_random_dataset(1, data).value();
  const std::vector<core::Nanos> offsets{0};
  const auto with_fault = [&](std::string fault) {
    auto tf = t;
    tf.headers.emplace_back("x-llmload-fault", std::move(fault));
    runtime::Runner runner(sim.target(tf.flavor), tf, {});
    return runner.run(specs, offsets).records.at(0);
  };
  const auto reset = with_fault("reset-after=3");
  EXPECT_EQ(reset.outcome, metrics::Outcome::kConnectionClosed);
  EXPECT_EQ(reset.chunk_ns.size(), 3u);
  const auto error = with_fault("error-after=2");
  EXPECT_EQ(error.outcome, metrics::Outcome::kServerError);
  const auto status = with_fault("status=503");
  EXPECT_EQ(status.http_status, 503);
  const auto malformed = with_fault("malformed-after=1");
  EXPECT_EQ(malformed.outcome, metrics::Outcome::kMalformedChunk);
  const auto no_done = with_fault("no-done");
  EXPECT_TRUE(no_done.ok());
  EXPECT_FALSE(no_done.saw_done);
  const auto m = sim.metrics();
  // The reset and the error event cut their streams short: both leave the engine as aborts.
  EXPECT_EQ(metric(m, "vllm:request_success_total{finished_reason=\"abort\""), 2);
  EXPECT_EQ(metric(m, "vllm:num_requests_running"), 0);
}

TEST(SimEngineServer, BadRequestsAreOpenAiErrors) {
  Started sim(small_engine());
  const auto post = [&](std::string_view path, std::string_view body) {
    return net::fetch(sim.base, sim.endpoints, "POST", path, {}, body, 10s).value();
  };
  for (const auto& [path, body, status] : std::vector<std::tuple<std::string, std::string, int>>{
           {"/v1/completions", "{bad json", 400},
           {"/v1/completions", R"({"prompt":"a","max_tokens":40000})", 400},
           {"/v1/completions", R"({"prompt":"a","model":"other"})", 404},
           {"/v1/completions", R"({"prompt":""})", 400},
           {"/v1/chat/completions",
            R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]})", 400},
           {"/tokenize", R"({"prompt":5})", 400},
           {"/detokenize", R"({"tokens":[1.5]})", 400}}) {
    const auto r = post(path, body);
    EXPECT_EQ(r.status, status) << path << " " << body << " -> " << r.body;
    const auto error = boost::json::parse(r.body).at("error").as_object();
    EXPECT_EQ(error.at("code").as_int64(), status);
    EXPECT_FALSE(error.at("message").as_string().empty());
  }
  EXPECT_EQ(net::fetch(sim.base, sim.endpoints, "GET", "/health", {}, {}, 10s).value().status, 200);
  const auto models = net::fetch(sim.base, sim.endpoints, "GET", "/v1/models", {}, {}, 10s).value();
  EXPECT_EQ(boost::json::parse(models.body).at("data").at(0).at("max_model_len").as_int64(),
            EngineConfig{}.max_model_len);
}

// Four long streams (two running, two waiting for a sequence slot) when the server stops: the
// stop is prompt, and the load engine sees every stream end as a counted failure, none as a
// success and none hanging. The stop comes once the running streams have sent tokens (progress
// seen in the server's counters), three times over.
TEST(SimEngineServer, StopsCleanlyWithStreamsInFlight) {
  runtime::RequestTemplate t;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  workload::RandomDatasetOptions data;
  data.input_len = 3;
  data.output_len = 5000;  // 5 s or more of 1 ms steps: far longer than the test waits
  const auto specs = workload::make_random_dataset(4, data).value();
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    Started sim(small_engine(/*max_num_seqs=*/2));
    runtime::Runner runner(sim.target(t.flavor), t, {});
    runtime::RunOutput out;
    std::thread load([&] { out = runner.run(specs, std::vector<core::Nanos>(specs.size(), 0)); });
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while ((sim.server.stats().requests < 4 || sim.server.stats().chunks < 20) &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    const auto seen = sim.server.stats();
    const auto t0 = std::chrono::steady_clock::now();
    sim.server.stop();
    const auto took = std::chrono::steady_clock::now() - t0;
    load.join();
    ASSERT_EQ(seen.requests, 4u) << "the four requests did not all reach the server within 10 s";
    ASSERT_GE(seen.chunks, 20u) << "the running streams sent no tokens within 10 s";
    EXPECT_LT(took, 2s);
    ASSERT_EQ(out.records.size(), 4u);
    for (const auto& r : out.records) {
      EXPECT_FALSE(r.ok()) << "request " << r.index << " finished although the server stopped";
      EXPECT_EQ(r.outcome, metrics::Outcome::kConnectionClosed)
          << "request " << r.index << ": " << metrics::outcome_name(r.outcome) << " " << r.error;
      EXPECT_LT(r.chunk_ns.size(), 5000u);
    }
    const auto summary = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
    EXPECT_EQ(summary.completed, 0);
    EXPECT_EQ(summary.failed, 4);
  }
}

}  // namespace
}  // namespace llmload::sim
