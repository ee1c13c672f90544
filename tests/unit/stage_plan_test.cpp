// A profile stage resolved into a RunPlan on typed values: no number goes through text.
#include "llmload/config/stage_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace llmload::config {
namespace {

Profile stage_profile(const std::string& yaml) {
  auto loaded = parse_profile(yaml, "test.yaml");
  EXPECT_TRUE(loaded.profile) << format_problems(loaded.problems);
  return loaded.profile ? *loaded.profile : Profile{};
}

TEST(StagePlan, RatesAndThresholdsKeepEveryBit) {
  auto p = stage_profile(R"(
load:
  stages:
    - {name: steady, rate: 2/s, requests: 30, concurrency: 7, burstiness: 0.5}
slo:
  - {metric: ttft, stat: p99.9, max: 500ms}
  - {metric: goodput, min: 1/s, ttft: 250ms, tpot: 40ms}
)");
  // A capacity-search probe changes one number of the stage; the plan must carry it exactly.
  p.stages[0].rate = 3.14159265358979;
  p.slos[1].good_ttft_ms = 123.456789012345;
  const auto plan = resolve_stage(p, p.stages[0], {"out", "01-01-steady.json", "steady"});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->arrivals.request_rate, 3.14159265358979);
  EXPECT_EQ(plan->arrivals.burstiness, 0.5);
  EXPECT_EQ(plan->max_concurrency, 7);
  EXPECT_EQ(plan->num_prompts, 30);
  EXPECT_EQ(plan->results.goodput_ttft_ms, 123.456789012345);
  EXPECT_EQ(plan->results.goodput_tpot_ms, 40.0);
  EXPECT_EQ(plan->results.percentiles, (std::vector<double>{50, 90, 99, 99.9}));
  EXPECT_EQ(plan->results.result_filename, "01-01-steady.json");
  EXPECT_EQ(plan->results.label, "steady");
  EXPECT_TRUE(plan->results.save_result);
  EXPECT_TRUE(plan->use_simulator);
}

TEST(StagePlan, HeadersRampsAndClosedLoopsForATime) {
  const auto p = stage_profile(R"(
target: {base_url: "http://127.0.0.1:9", headers: {X-Tenant: "a=b c"}}
load:
  stages:
    - {name: ramp, ramp: {from: 1/s, to: 9/s}, duration: 10s}
    - {name: closed, concurrency: 4, duration: 30s}
)");
  const auto ramp = resolve_stage(p, p.stages[0], {"out", "a.json", "ramp"});
  ASSERT_TRUE(ramp) << ramp.error().message;
  ASSERT_TRUE(ramp->arrivals.ramp_up);
  EXPECT_EQ(ramp->arrivals.ramp_up->start_rps, 1);
  EXPECT_EQ(ramp->arrivals.ramp_up->end_rps, 9);
  EXPECT_EQ(ramp->num_prompts, 50);  // mean rate 5/s for 10 s
  ASSERT_EQ(ramp->headers.size(), 1u);
  EXPECT_EQ(ramp->headers[0].second, "a=b c");
  const auto closed = resolve_stage(p, p.stages[1], {"out", "b.json", "closed"});
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_EQ(closed->duration, std::chrono::seconds(30));
  EXPECT_EQ(closed->num_prompts, 12000);  // 100 per second per slot
  EXPECT_TRUE(std::isinf(closed->arrivals.request_rate));
}

// Every bench option a profile now carries reaches the plan (issue: profiles miss what bench has).
TEST(StagePlan, ClientKeysReachThePlan) {
  const auto p = stage_profile(R"(
target:
  base_url: "http://127.0.0.1:9"
  metrics_url: ["http://127.0.0.1:9400/metrics", "http://127.0.0.1:9401/metrics"]
  scrape_interval: 250ms
  request_timeout: 30s
  connect_timeout: 2s
  ready_check_timeout: 5s
request: {request_id_prefix: "nightly-"}
load:
  initial_request: false
  threads: 3
  stages:
    - {rate: 2/s, requests: 4}
outputs: {save_detailed: true, show_answers: 2}
)");
  const auto plan = resolve_stage(p, p.stages[0], {"out", "a.json", "a"});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->metrics_urls.size(), 2u);
  EXPECT_EQ(plan->metrics_urls[1].to_string(), "http://127.0.0.1:9401/metrics");
  EXPECT_EQ(plan->scrape_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(plan->request_timeout, std::chrono::seconds(30));
  EXPECT_EQ(plan->connect_timeout, std::chrono::seconds(2));
  EXPECT_EQ(plan->ready_check_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(plan->skip_initial_request);
  EXPECT_EQ(plan->threads, 3);
  EXPECT_EQ(plan->request_id_prefix, "nightly-");
  EXPECT_TRUE(plan->results.save_detailed);
  EXPECT_EQ(plan->show_answers, 2);
  // One URL may be written without a list; the defaults stay bench's.
  const auto one = stage_profile("target: {metrics_url: \"http://127.0.0.1:9400/metrics\"}\nload: {stages: [{rate: 1, requests: 1}]}\n");
  const auto plain = resolve_stage(one, one.stages[0], {"out", "b.json", "b"});
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->metrics_urls.size(), 1u);
  EXPECT_FALSE(plain->skip_initial_request);
  EXPECT_EQ(plain->scrape_interval, std::chrono::seconds(1));
}

// A wrong type for each new key is reported with file:line:column.
TEST(StagePlan, ClientKeysOfTheWrongTypeAreReportedWithPositions) {
  const auto r = parse_profile(R"(target:
  metrics_url: {a: b}
  scrape_interval: often
  request_timeout: [1]
  connect_timeout: 0s
request: {request_id_prefix: [x]}
load:
  initial_request: maybe
  threads: many
  stages: [{rate: 1, requests: 1}]
outputs: {save_detailed: 3x, show_answers: all}
)", "bad.yaml");
  ASSERT_FALSE(r.profile);
  const std::string text = format_problems(r.problems);
  for (const char* expected :
       {"bad.yaml:2:16: 'target.metrics_url' must be a URL or a list of URLs",
        "bad.yaml:3:20: 'target.scrape_interval': 'often' is not a duration",
        "bad.yaml:4:20: 'target.request_timeout' must be a single value",
        "bad.yaml:5:20: 'target.connect_timeout' must be longer than 0",
        "bad.yaml:6:30: 'request.request_id_prefix' must be a single value",
        "bad.yaml:8:20: 'load.initial_request' must be true or false",
        "bad.yaml:9:12: 'load.threads' must be a whole number, not 'many'",
        "bad.yaml:11:26: 'outputs.save_detailed' must be true or false",
        "bad.yaml:11:44: 'outputs.show_answers' must be a whole number, not 'all'"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  const auto url = parse_profile("target: {metrics_url: [\"127.0.0.1:9400\"]}\nload: {stages: [{rate: 1, requests: 1}]}\n", "u.yaml");
  EXPECT_NE(format_problems(url.problems).find("u.yaml:1:24: 'target.metrics_url' is '127.0.0.1:9400'; write http://"),
            std::string::npos) << format_problems(url.problems);
  const auto threads = parse_profile("load: {threads: 0, stages: [{rate: 1, requests: 1}]}\n", "t.yaml");
  EXPECT_NE(format_problems(threads.problems).find("t.yaml:1:17: 'load.threads' is 0; it must be between 1 and 1024"),
            std::string::npos) << format_problems(threads.problems);
}

// `llmload validate` prints only the workload settings the dataset uses, and the client
// settings a profile changes.
TEST(StagePlan, TheDescriptionShowsOnlyWhatApplies) {
  const auto image = stage_profile("workload: {dataset: image-qa, dataset_path: q.jsonl, seed: 4}\n"
                             "load: {stages: [{rate: 1, requests: 1}]}\n");
  std::string text = describe_profile(image);
  EXPECT_NE(text.find("  workload: image-qa dataset q.jsonl, input lengths from the file, output lengths from the "
                      "file, seed 4\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("1024"), std::string::npos) << text;
  EXPECT_EQ(text.find("range ratio"), std::string::npos) << text;
  EXPECT_EQ(text.find("client:"), std::string::npos) << text;
  const auto capped = stage_profile("workload: {dataset: image-qa, dataset_path: q.jsonl}\nrequest: {max_tokens: 64}\n"
                              "load: {initial_request: false, threads: 2, stages: [{rate: 1, requests: 1}]}\n");
  text = describe_profile(capped);
  EXPECT_NE(text.find("input lengths from the file, output 64 tokens"), std::string::npos) << text;
  EXPECT_NE(text.find("  client: no initial test request (the stages start cold), 2 threads\n"), std::string::npos)
      << text;
  const auto random = stage_profile("workload: {dataset: random, input_len: 100, output_len: 50, range_ratio: 0.1}\n"
                              "load: {stages: [{rate: 1, requests: 1}]}\n");
  text = describe_profile(random);
  EXPECT_NE(text.find("  workload: random dataset, input 100 / output 50 tokens, range ratio 0.1, seed 0\n"),
            std::string::npos) << text;
  // Every trace replay names its time scale (Mooncake's and the generic timed trace alike).
  for (const char* dataset : {"mooncake", "timed_trace"}) {
    const auto trace = stage_profile(std::string("workload: {dataset: ") + dataset +
                               ", dataset_path: t.jsonl, trace_time_scale: 0.5}\nload: {stages: [{rate: 1, requests: 1}]}\n");
    text = describe_profile(trace);
    EXPECT_NE(text.find("trace time scale 0.5"), std::string::npos) << dataset << ": " << text;
  }
}

}  // namespace
}  // namespace llmload::config
