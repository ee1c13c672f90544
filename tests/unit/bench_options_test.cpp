// `llmload bench` flags: vLLM's defaults and forced settings, the request body they produce,
// flag spelling, and one clear error per bad value.
#include "bench_flags_fixture.hpp"
#include "llmload/config/bench_options.hpp"

#include "llmload/api/request_builder.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <gtest/gtest.h>

#include <utility>

namespace llmload::config {
namespace {

RunPlan resolve_ok(const BenchOptions& o) {
  auto plan = resolve(o);
  EXPECT_TRUE(plan) << (plan ? "" : plan.error().message);
  return plan ? *plan : RunPlan{};
}

std::string resolve_error(const BenchOptions& o) {
  auto plan = resolve(o);
  EXPECT_FALSE(plan);
  return plan ? "" : plan.error().message;
}

config::BenchOptions parse(std::vector<std::string> args) {
  return testing_support::parse_bench_flags(std::move(args));
}

TEST(BenchOptions, NoTargetFlagMeansTheSimulator) {
  EXPECT_TRUE(resolve_ok(BenchOptions{}).use_simulator);
  BenchOptions o;
  o.port = 9000;
  const auto plan = resolve_ok(o);
  EXPECT_FALSE(plan.use_simulator);
  EXPECT_EQ(plan.base.to_string(), "http://127.0.0.1:9000");
  o = {};
  o.host = "::1";
  EXPECT_EQ(resolve_ok(o).base.to_string(), "http://[::1]:8000");
}

TEST(BenchOptions, VllmDefaultsAndForcedSettings) {
  const auto plan = resolve_ok(parse({"--base-url", "http://127.0.0.1:8000", "--model", "M"}));
  EXPECT_EQ(plan.endpoint, "/v1/completions");
  EXPECT_EQ(plan.num_prompts, 1000);
  EXPECT_EQ(plan.dataset.random.input_len, 1024);
  EXPECT_EQ(plan.dataset.random.output_len, 128);
  EXPECT_TRUE(std::isinf(plan.arrivals.request_rate));
  EXPECT_EQ(plan.arrivals.burstiness, 1.0);
  EXPECT_TRUE(plan.body.ignore_eos);  // forced for the random dataset, as vLLM does
  EXPECT_EQ(plan.results.percentile_metrics, (std::vector<std::string>{"ttft", "tpot", "itl"}));
  EXPECT_EQ(plan.results.percentiles, (std::vector<double>{99}));
  // As current vLLM: no temperature unless --temperature is given (the server's default).
  workload::RequestSpec spec{"hi there", 2, 5, ""};
  const auto body = api::build_body(plan.flavor, spec, plan.body);
  EXPECT_EQ(body.find("temperature"), std::string::npos) << body;
  EXPECT_NE(body.find("\"ignore_eos\":true"), std::string::npos) << body;
  EXPECT_NE(body.find("\"max_tokens\":5"), std::string::npos) << body;
  EXPECT_NE(body.find("\"model\":\"M\""), std::string::npos) << body;
}

TEST(BenchOptions, ChatBackendSamplingAndExtraBody) {
  const auto plan = resolve_ok(parse({"--backend", "openai-chat", "--port", "8000", "--model", "M",
                                      "--served-model-name", "served", "--top-p", "0.9",
                                      "--temperature", "0.7", "--extra-body",
                                      R"({"top_p": 0.5, "seed": 1})"}));
  EXPECT_EQ(plan.flavor, api::Flavor::kChat);
  EXPECT_EQ(plan.endpoint, "/v1/chat/completions");
  workload::RequestSpec spec{"hi", 1, 3, ""};
  const auto body = api::build_body(plan.flavor, spec, plan.body);
  EXPECT_NE(body.find("\"model\":\"served\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"top_p\":0.5"), std::string::npos) << body;  // --extra-body wins
  EXPECT_NE(body.find("\"temperature\":0.7"), std::string::npos) << body;
  EXPECT_NE(body.find("\"seed\":1"), std::string::npos) << body;
  EXPECT_LT(body.find("\"temperature\""), body.find("\"seed\""));
}

TEST(BenchOptions, UnderscoreSpellingsAndAliases) {
  const auto plan = resolve_ok(parse({"--port=8000", "--random_input_len=32", "--output-len", "7",
                                      "--request_rate", "16", "--goodput", "ttft:500", "tpot:50",
                                      "--metric-percentiles", "50,99.9"}));
  EXPECT_EQ(plan.dataset.random.input_len, 32);
  EXPECT_EQ(plan.dataset.random.output_len, 7);
  EXPECT_EQ(plan.arrivals.request_rate, 16.0);
  EXPECT_EQ(plan.results.goodput_ttft_ms, 500.0);
  EXPECT_EQ(plan.results.goodput_tpot_ms, 50.0);
  EXPECT_EQ(plan.results.percentiles, (std::vector<double>{50, 99.9}));
  const auto normalized = normalize_flag_spelling(4, std::array<const char*, 4>{"llmload", "--a_b=c_d", "x_y", "--"}.data());
  EXPECT_EQ(normalized[1], "--a-b=c_d");
  EXPECT_EQ(normalized[2], "x_y");
}

TEST(BenchOptions, EachBadValueNamesItsFlag) {
  BenchOptions o;
  o.request_rate = "fast";
  EXPECT_NE(resolve_error(o).find("--request-rate fast"), std::string::npos);
  o = {};
  o.burstiness = "0";
  EXPECT_NE(resolve_error(o).find("--burstiness"), std::string::npos);
  o = {};
  o.random_range_ratio = 1.0;
  EXPECT_NE(resolve_error(o).find("--random-range-ratio"), std::string::npos);
  o = {};
  o.percentile_metrics = "ttft,latency";
  EXPECT_NE(resolve_error(o).find("'latency'"), std::string::npos);
  o = {};
  o.metric_percentiles = "101";
  EXPECT_NE(resolve_error(o).find("--metric-percentiles"), std::string::npos);
  o = {};
  o.goodput = {"itl:5"};
  EXPECT_NE(resolve_error(o).find("--goodput itl:5"), std::string::npos);
  o = {};
  o.headers = {"Authorization"};
  EXPECT_NE(resolve_error(o).find("--header"), std::string::npos);
  o = {};
  o.extra_body = "[1]";
  EXPECT_NE(resolve_error(o).find("--extra-body"), std::string::npos);
  o = {};
  o.backend = "openai-chat";
  o.endpoint = "/v1/completions";
  EXPECT_NE(resolve_error(o).find("--endpoint"), std::string::npos);
  o = {};
  o.ramp_up_strategy = "linear";
  EXPECT_NE(resolve_error(o).find("--ramp-up-start-rps"), std::string::npos);
}

TEST(BenchOptions, EveryBadFlagIsReportedAtOnce) {
  BenchOptions o;
  o.request_rate = "fast";
  o.burstiness = "0";
  o.metric_percentiles = "101";
  o.endpoint = "v1/completions";
  o.headers = {"X-Bad\r\nInjected=1"};
  const std::string error = resolve_error(o);
  for (const char* flag : {"--request-rate fast", "--burstiness", "--metric-percentiles", "--endpoint", "--header"}) {
    EXPECT_NE(error.find(flag), std::string::npos) << flag << " missing from:\n" << error;
  }
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 4) << error;  // five problems, one line each
}

TEST(BenchOptions, NothingOfTheRequestLineComesFromUncheckedText) {
  BenchOptions o;
  o.endpoint = "/v1/completions HTTP/1.1\r\nX-Inj: 1\r\nX:";
  EXPECT_NE(resolve_error(o).find("--endpoint"), std::string::npos);
  o = {};
  o.base_urls = {"http://127.0.0.1:8000/v1%20x/a b"};
  const auto base = resolve(o);
  EXPECT_TRUE(!base || base->base.path.find(' ') == std::string::npos);
  o = {};
  o.request_id_prefix = "id\r\nX-Inj: 1";
  EXPECT_NE(resolve_error(o).find("--request-id-prefix"), std::string::npos);
  o = {};
  o.model = std::string("m\0x", 3);
  EXPECT_NE(resolve_error(o).find("--model"), std::string::npos);
}

TEST(BenchOptions, TimesAndSamplingMustBeFiniteAndInRange) {
  for (const double bad : {double(NAN), double(INFINITY), 1e308, -1.0}) {
    BenchOptions o;
    o.request_timeout_sec = bad;
    EXPECT_NE(resolve_error(o).find("--request-timeout"), std::string::npos) << bad;
    o = {};
    o.idle_timeout_sec = bad;
    EXPECT_NE(resolve_error(o).find("--idle-timeout"), std::string::npos) << bad;
    o = {};
    o.duration_sec = bad;
    EXPECT_NE(resolve_error(o).find("--duration"), std::string::npos) << bad;
    o = {};
    o.grace_period_sec = bad;
    EXPECT_NE(resolve_error(o).find("--grace-period"), std::string::npos) << bad;
    o = {};
    o.interval_sec = bad;
    EXPECT_NE(resolve_error(o).find("--interval"), std::string::npos) << bad;
    o = {};
    o.scrape_interval_sec = bad;
    EXPECT_NE(resolve_error(o).find("--scrape-interval"), std::string::npos) << bad;
    o = {};
    o.think_time_sec = bad;
    EXPECT_NE(resolve_error(o).find("--think-time"), std::string::npos) << bad;
  }
  BenchOptions o;
  o.temperature = NAN;
  EXPECT_NE(resolve_error(o).find("--temperature"), std::string::npos);
  o.temperature = INFINITY;
  EXPECT_NE(resolve_error(o).find("--temperature"), std::string::npos);
}

TEST(BenchOptions, HeaderValuesNeverAppearInThePlanJson) {
  BenchOptions o;
  o.port = 8000;
  o.headers = {"Authorization=Bearer sk-secret-value", "X-Team=a"};
  const auto plan = resolve_ok(o);
  const auto json = plan_to_json(plan);
  EXPECT_EQ(json.find("sk-secret-value"), std::string::npos) << json;
  EXPECT_NE(json.find("\"Authorization\""), std::string::npos) << json;
  EXPECT_EQ(describe_plan(plan).find("sk-secret"), std::string::npos);
}

TEST(BenchOptions, DatasetFlagsResolveIntoTheDatasetOptions) {
  auto plan = resolve_ok(parse({"--dataset-name", "custom", "--dataset-path", "x.jsonl", "--output-len", "64",
                                "--no-oversample", "--disable-shuffle", "--seed", "9", "--num-prompts", "12",
                                "--backend", "openai-chat", "--tokenizer", "/nonexistent/tok.json"}));
  EXPECT_EQ(plan.dataset.name, "custom");
  EXPECT_EQ(plan.dataset.path, "x.jsonl");
  EXPECT_EQ(plan.dataset.custom_output_len, 64);
  EXPECT_EQ(plan.dataset.sharegpt_output_len, 64);
  EXPECT_EQ(plan.dataset.sonnet_output_len, 64);
  EXPECT_TRUE(plan.dataset.no_oversample);
  EXPECT_TRUE(plan.dataset.disable_shuffle);
  EXPECT_TRUE(plan.dataset.chat);
  EXPECT_EQ(plan.dataset.seed, 9u);
  EXPECT_EQ(plan.dataset.num_prompts, 12u);
  EXPECT_FALSE(plan.body.ignore_eos);
  EXPECT_EQ(plan.tokenizer_id, "/nonexistent/tok.json");
  EXPECT_TRUE(plan.tokenizer_path.empty());  // not a path here: only recorded

  plan = resolve_ok(parse({"--backend", "openai-chat", "--dataset-name", "random-mm",
                           "--random-mm-bucket-config", "{(10, 20, 1): 1}", "--random-mm-limit-mm-per-prompt",
                           "{\"image\": 2}", "--random-mm-base-items-per-request", "2"}));
  ASSERT_EQ(plan.dataset.random_mm.buckets.size(), 1u);
  EXPECT_EQ(plan.dataset.random_mm.buckets[0].width, 20);
  EXPECT_EQ(plan.dataset.random_mm.limit_mm_per_prompt.at("image"), 2);
  EXPECT_EQ(plan.dataset.random_mm.base_items_per_request, 2);
  EXPECT_TRUE(plan.body.ignore_eos);

  BenchOptions o;
  o.dataset_name = "imagenet";
  EXPECT_NE(resolve_error(o).find("unknown dataset; choose from random, random-mm"), std::string::npos);
  o.dataset_name = "sharegpt";
  EXPECT_NE(resolve_error(o).find("--dataset-path"), std::string::npos);
  o.dataset_name = "random-mm";
  EXPECT_NE(resolve_error(o).find("--backend openai-chat"), std::string::npos);
  o = {};
  o.random_mm_bucket_config = "{256: 1}";
  EXPECT_NE(resolve_error(o).find("--random-mm-bucket-config"), std::string::npos);
}

TEST(BenchOptions, TraceImageFormatAndNewDatasetFlags) {
  auto plan = resolve_ok(parse({"--dataset-name", "mooncake", "--dataset-path", "t.jsonl", "--trace-time-scale", "0.25"}));
  EXPECT_EQ(plan.dataset.name, "mooncake");
  EXPECT_DOUBLE_EQ(plan.dataset.trace_time_scale, 0.25);
  EXPECT_NE(plan_to_json(plan).find("\"trace_time_scale\":0.25"), std::string::npos) << plan_to_json(plan);
  plan = resolve_ok(parse({"--backend", "openai-chat", "--dataset-name", "random-mm"}));
  EXPECT_EQ(plan.dataset.random_mm.image_format, "jpeg");  // vLLM's
  plan = resolve_ok(parse({"--backend", "openai-chat", "--dataset-name", "random-mm", "--random-mm-image-format", "png"}));
  EXPECT_EQ(plan.dataset.random_mm.image_format, "png");
  EXPECT_NE(plan_to_json(plan).find("\"random_mm_image_format\":\"png\""), std::string::npos);
  BenchOptions o;
  for (const char* name : {"burstgpt", "mooncake", "image-qa"}) {
    o.dataset_name = name;
    EXPECT_NE(resolve_error(o).find(std::string("--dataset-name ") + name + " reads a file"), std::string::npos) << name;
  }
  o = {};
  o.trace_time_scale = 0;
  EXPECT_NE(resolve_error(o).find("--trace-time-scale must be positive"), std::string::npos);
}

}  // namespace
}  // namespace llmload::config
