// The simulator in exact mode (fixed TTFT and ITL per stream) through the load engine and a
// plain client: /tokenize, /metrics summed over its threads and growing along a stream, and
// the image tokens a chat request's image parts cost.
#include "llmload/runtime/runner.hpp"

#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "sim_support.hpp"

#include <cstdlib>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace llmload::sim {
namespace {

using namespace std::chrono_literals;
using testing_support::metric;
using testing_support::png_data_url;
using testing_support::Started;

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
  // Scrape once the stream has sent 10 of its 60 tokens (about 100 ms in; 500 ms to spare).
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (sim.server.stats().chunks < 10 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  const std::string during = sim.metrics();
  load.join();
  const std::string after = sim.metrics();
  EXPECT_EQ(metric(during, "vllm:num_requests_running{"), 1) << during;
  EXPECT_GE(metric(during, "vllm:generation_tokens_total{"), 10) << during;
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
