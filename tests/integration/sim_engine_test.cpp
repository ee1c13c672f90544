// The engine-mode simulator through the real load engine on loopback: the seed-001 and
// seed-002 calibration scenarios (with a time scale to keep CI fast; figures are scaled back
// before comparing), /metrics, /tokenize and /detokenize, the queue limit and bad images.
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

#include <algorithm>
#include <cstdio>
#include <thread>
#include <tuple>
#include <string>

namespace llmload::sim {
namespace {

using namespace std::chrono_literals;

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

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A data URL whose PNG header says 1080 x 810 (the pixels are never read).
std::string png_data_url(std::uint32_t w, std::uint32_t h) {
  std::string b("\x89PNG\r\n\x1a\n", 8);
  b += be32(13) + "IHDR" + be32(w) + be32(h) + std::string("\x08\x02\x00\x00\x00\x00\x00\x00\x00", 9);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "data:image/png;base64,";
  b.resize(b.size() / 3 * 3);
  for (std::size_t i = 0; i < b.size(); i += 3) {
    const auto v = (static_cast<unsigned char>(b[i]) << 16) | (static_cast<unsigned char>(b[i + 1]) << 8) |
                   static_cast<unsigned char>(b[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  return out;
}

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
  std::printf("seed 001 via the load engine (x%g): duration %.2f s, mean TTFT %.0f ms, mean TPOT %.1f ms, "
              "mean ITL %.1f ms, peak concurrency %lld\n",
              kScale, duration_s, ttft_ms, tpot_ms, s.itl_ms.mean * kScale,
              static_cast<long long>(s.peak_concurrency_exact));
  // Seed 001 reports duration 36.5-45.4 s, mean TTFT 7.7-11.3 s, mean TPOT 193-244 ms and
  // 191-194 peak concurrent requests over its four runs; the preset aims at their middle.
  EXPECT_NEAR(duration_s, 41.0, 0.2 * 41.0);
  EXPECT_NEAR(ttft_ms, 9500, 0.2 * 9500);
  EXPECT_NEAR(tpot_ms, 220, 0.2 * 220);
  EXPECT_NEAR(static_cast<double>(s.peak_concurrency_exact), 194, 0.2 * 194);
}

TEST(TimingSimCalibration, OneImageChatThroughTheRunner) {
  // Real time, and the seed's accuracy run (97 tokens out, 1.66 s): at a compressed scale the
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
  std::printf("seed 002 via the load engine (x%g): TTFT %.2f ms, TPOT %.2f ms, total input tokens %lld\n",
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

struct Started {
  explicit Started(SimOptions options) : server(std::move(options)) {
    auto ok = server.start();
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    base = net::parse_url(server.base_url()).value();
    endpoints = net::resolve(base.host, base.port).value();
  }
  runtime::Target target(api::Flavor flavor) const {
    runtime::Target t;
    t.base = base;
    t.path = std::string(api::default_endpoint(flavor));
    t.endpoints = endpoints;
    return t;
  }
  std::string metrics() const {
    return net::fetch(base, endpoints, "GET", "/metrics", {}, {}, 10s).value().body;
  }
  SimServer server;
  net::Url base;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
};

// The value of the first sample line starting with `prefix`.
double metric(const std::string& text, std::string_view prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  const auto space = text.find(' ', text.find('}', at));
  return std::stod(text.substr(space + 1, text.find('\n', space) - space - 1));
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

TEST(SimEngineServer, StopsCleanlyWithStreamsInFlight) {
  for (int round = 0; round < 3; ++round) {
    auto sim = std::make_unique<Started>(small_engine(/*max_num_seqs=*/2));
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i) {
      clients.emplace_back([base = sim->base, endpoints = sim->endpoints] {
        // Fails when the server goes away mid-response; only the absence of a crash matters.
        (void)net::fetch(base, endpoints, "POST", "/v1/completions", {},
                         R"({"prompt":"a b c","max_tokens":5000,"ignore_eos":true,"stream":true})", 10s);
      });
    }
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (sim->server.stats().requests < 4 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    sim->server.stop();
    for (auto& c : clients) c.join();
  }
}

TEST(SimExactMode, TokenizeCountsWords) {
  SimServer server(SimOptions{});
  ASSERT_TRUE(server.start());
  const auto base = net::parse_url(server.base_url()).value();
  const auto endpoints = net::resolve(base.host, base.port).value();
  const auto r = net::fetch(base, endpoints, "POST", "/tokenize", {}, R"({"prompt":"a b"})", 10s).value();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(boost::json::parse(r.body).at("count").as_int64(), 2);
}

// Exact mode serves /metrics too, summed over its threads: what it sent, as a vLLM server
// would report it. 12 streamed requests (3 of them cut by a reset fault after 2 tokens) and 2
// whole ones, over 2 server threads.
TEST(SimExactMode, MetricsCountWhatWasSentOverEveryThread) {
  SimOptions options;
  options.threads = 2;
  options.ttft = 20ms;
  options.itl = 5ms;
  Started sim(options);
  runtime::RequestTemplate t;
  t.flavor = api::Flavor::kCompletions;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  workload::RandomDatasetOptions data;
  data.input_len = 7;
  data.output_len = 6;
  const auto specs = workload::make_random_dataset(12, data).value();
  {
    runtime::Runner runner(sim.target(t.flavor), t, {});
    const auto out = runner.run(specs, std::vector<core::Nanos>(12, 0));
    for (const auto& r : out.records) ASSERT_TRUE(r.ok()) << r.error;
  }
  {
    auto faulty = t;
    faulty.headers.emplace_back("x-llmload-fault", "reset-after=2");
    runtime::Runner runner(sim.target(t.flavor), faulty, {});
    const auto out = runner.run(std::span(specs).first(3), std::vector<core::Nanos>(3, 0));
    for (const auto& r : out.records) EXPECT_FALSE(r.ok());
  }
  for (int i = 0; i < 2; ++i) {
    const auto r = net::fetch(sim.base, sim.endpoints, "POST", "/v1/completions", {},
                              R"({"model":"llmload-sim","prompt":"a b c","max_tokens":4})", 10s).value();
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const std::string text = sim.metrics();
  EXPECT_NE(text.find("# TYPE vllm:num_requests_running gauge\n"), std::string::npos) << text;
  EXPECT_EQ(metric(text, "vllm:num_requests_running{"), 0);
  EXPECT_EQ(metric(text, "vllm:num_requests_waiting{"), 0);
  EXPECT_EQ(metric(text, "vllm:kv_cache_usage_perc{"), 0);
  EXPECT_EQ(metric(text, "vllm:prompt_tokens_total{"), 12 * 7 + 3 * 7 + 2 * 3);
  EXPECT_EQ(metric(text, "vllm:generation_tokens_total{"), 12 * 6 + 3 * 2 + 2 * 4);
  EXPECT_EQ(metric(text, "vllm:request_success_total{finished_reason=\"length\""), 14);
  EXPECT_EQ(metric(text, "vllm:request_success_total{finished_reason=\"abort\""), 3);
  EXPECT_EQ(metric(text, "vllm:request_success_total{finished_reason=\"stop\""), 0);
  // TTFT: one per request that got a first token; ITL: 5 gaps per full stream, 1 per cut one,
  // 3 per whole answer; the e2e, queue, prefill and decode histograms: one per success.
  EXPECT_EQ(metric(text, "vllm:time_to_first_token_seconds_count{"), 17);
  EXPECT_EQ(metric(text, "vllm:inter_token_latency_seconds_count{"), 12 * 5 + 3 * 1 + 2 * 3);
  EXPECT_EQ(metric(text, "vllm:e2e_request_latency_seconds_count{"), 14);
  EXPECT_EQ(metric(text, "vllm:request_queue_time_seconds_count{"), 14);
  EXPECT_EQ(metric(text, "vllm:request_queue_time_seconds_sum{"), 0);
  EXPECT_EQ(metric(text, "vllm:request_prefill_time_seconds_count{"), 14);
  EXPECT_EQ(metric(text, "vllm:request_decode_time_seconds_count{"), 14);
  // The configured times, as the simulator kept them: TTFT 20 ms (never early), gaps 5 ms.
  const double ttft_mean = metric(text, "vllm:time_to_first_token_seconds_sum{") / 17;
  EXPECT_GE(ttft_mean, 0.020);
  EXPECT_LT(ttft_mean, 0.030);
  const double itl_mean = metric(text, "vllm:inter_token_latency_seconds_sum{") / 69;
  EXPECT_NEAR(itl_mean, 0.005, 0.002);
  EXPECT_EQ(metric(text, "vllm:time_to_first_token_seconds_bucket{le=\"0.01\""), 0);
  EXPECT_EQ(metric(text, "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\""), 17);
  EXPECT_EQ(net::fetch(sim.base, sim.endpoints, "POST", "/metrics", {}, "{}", 10s).value().status, 405);
}

TEST(SimExactMode, MetricsGrowAlongAStream) {
  // Mid-stream, the request is running and the tokens sent so far are counted already.
  SimOptions options;
  options.ttft = 1ms;
  options.itl = 10ms;
  Started sim(options);
  runtime::RequestTemplate t;
  t.body.model = "llmload-sim";
  t.body.ignore_eos = true;
  workload::RandomDatasetOptions data;
  data.input_len = 4;
  data.output_len = 60;  // ~600 ms
  const auto specs = workload::make_random_dataset(1, data).value();
  runtime::Runner runner(sim.target(t.flavor), t, {});
  std::thread load([&] { runner.run(specs, std::vector<core::Nanos>(1, 0)); });
  std::this_thread::sleep_for(250ms);
  const std::string during = sim.metrics();
  load.join();
  const std::string after = sim.metrics();
  EXPECT_EQ(metric(during, "vllm:num_requests_running{"), 1) << during;
  EXPECT_GT(metric(during, "vllm:generation_tokens_total{"), 5) << during;
  EXPECT_LT(metric(during, "vllm:generation_tokens_total{"), 60) << during;
  EXPECT_EQ(metric(during, "vllm:e2e_request_latency_seconds_count{"), 0) << during;
  EXPECT_EQ(metric(after, "vllm:num_requests_running{"), 0) << after;
  EXPECT_EQ(metric(after, "vllm:generation_tokens_total{"), 60) << after;
  EXPECT_EQ(metric(after, "vllm:e2e_request_latency_seconds_count{"), 1) << after;
}

TEST(SimExactMode, ImagePartsCostQwen2VlTokens) {
  SimServer server(SimOptions{});
  ASSERT_TRUE(server.start());
  const auto base = net::parse_url(server.base_url()).value();
  const auto endpoints = net::resolve(base.host, base.port).value();
  const auto chat = [&](const std::string& body) {
    return net::fetch(base, endpoints, "POST", "/v1/chat/completions", {}, body, 10s).value();
  };
  // Two images (1080x810: 39 x 29 = 1131 tokens; 28x28 is scaled up to min_pixels: 4) and
  // three words; exact mode counts no chat template.
  const std::string content = R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":")" +
                              png_data_url(1080, 810) + R"("}},{"type":"image_url","image_url":")" +
                              png_data_url(28, 28) + R"("},{"type":"text","text":"please describe image"}]}],)";
  const auto whole = chat(content + R"("max_tokens":2})");
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(boost::json::parse(whole.body).at("usage").at("prompt_tokens").as_int64(), 1131 + 4 + 3);

  const auto streamed = chat(content + R"("max_tokens":2,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(streamed.status, 200);
  const auto usage_at = streamed.body.rfind("\"usage\":{\"prompt_tokens\":");
  ASSERT_NE(usage_at, std::string::npos) << streamed.body;
  EXPECT_EQ(std::atoll(streamed.body.c_str() + usage_at + 25), 1131 + 4 + 3);

  // An image the simulator cannot read is a 400 in exact mode too.
  const auto bad = chat(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(boost::json::parse(bad.body).at("error").at("code").as_int64(), 400);
}

}  // namespace
}  // namespace llmload::sim
