// Load profiles: parsing, every problem at once with file:line:column (golden messages),
// --set overrides, sweep expansion, and the ready profiles under profiles/.
#include "llmload/config/profile.hpp"

#include "llmload/api/flavor.hpp"
#include "llmload/config/stage_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace llmload::config {
namespace {

TEST(Profile, ParsesEverySection) {
  const auto r = parse_profile(R"(
target:
  base_url: https://gpu-01:8000
  backend: openai-chat
  model: Qwen/Qwen3-8B
  headers: {X-Tenant: a, Authorization: Bearer sk-secret}
  ca_bundle: /etc/ca.pem
workload: {dataset: random, input_len: 100, output_len: 50, range_ratio: 0.1, seed: 7}
request: {temperature: 0.7, top_k: 20, extra_body: {seed: 3, chat_template_kwargs: {enable_thinking: false}}}
load:
  stages:
    - {name: warm, rate: 4/s, duration: 30s, warmup: true}
    - {rate: 16/s, burstiness: 0.5, requests: 200, concurrency: 64}
    - {ramp: {from: 1/s, to: 20/s}, duration: 2m}
    - {concurrency: 32, requests: 500}
sweep:
  request.temperature: [0, 0.7]
  load.stages.1.rate: {from: 2, to: 8, step: 2}
slo:
  - {metric: ttft, stat: p99, max: 500ms}
  - {metric: error_rate, max: 1%}
  - {metric: request_throughput, min: 10/s}
outputs: {dir: out, formats: [json, csv], interval: 5s}
)", "p.yaml");
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  const Profile& p = *r.profile;
  EXPECT_EQ(*p.target.base_url, "https://gpu-01:8000");
  EXPECT_EQ(p.target.backend, "openai-chat");
  ASSERT_EQ(p.target.headers.size(), 2u);
  EXPECT_EQ(p.workload.input_len, 100);
  EXPECT_EQ(p.workload.seed, 7u);
  EXPECT_EQ(*p.request.temperature, 0.7);
  EXPECT_EQ(p.request.extra_body_json, R"({"seed":3,"chat_template_kwargs":{"enable_thinking":false}})");
  ASSERT_EQ(p.stages.size(), 4u);
  EXPECT_TRUE(p.stages[0].warmup);
  EXPECT_EQ(*p.stages[0].duration, std::chrono::seconds(30));
  EXPECT_EQ(p.stages[1].burstiness, 0.5);
  EXPECT_EQ(*p.stages[1].concurrency, 64);
  EXPECT_EQ(p.stages[1].name, "stage 2");
  EXPECT_EQ(*p.stages[2].ramp_from, 1.0);
  EXPECT_EQ(*p.stages[2].ramp_to, 20.0);
  EXPECT_EQ(*p.slos[0].max, 500.0);   // ms
  EXPECT_EQ(*p.slos[1].max, 0.01);    // fraction
  EXPECT_EQ(*p.slos[2].min, 10.0);    // per second
  EXPECT_EQ(p.outputs.interval, std::chrono::seconds(5));
  const auto points = sweep_points(p);
  ASSERT_EQ(points.size(), 8u);  // 2 temperatures x 4 rates, in the order written
  EXPECT_EQ(points[0], (std::vector<std::string>{"request.temperature=0", "load.stages.1.rate=2"}));
  EXPECT_EQ(points[7], (std::vector<std::string>{"request.temperature=0.7", "load.stages.1.rate=8"}));
  const auto text = describe_profile(p);
  EXPECT_EQ(text.find("sk-secret"), std::string::npos) << text;
  EXPECT_NE(text.find("Authorization"), std::string::npos) << text;
}

TEST(Profile, EveryProblemAtOnceWithPositionsGolden) {
  const auto r = parse_profile(R"(target:
  base_url: gpu-01:8000
  backnd: openai
workload:
  input_len: lots
  range_ratio: 1.5
load:
  stages:
    - rate: fast
      requests: 10
    - burstiness: 1
slo:
  - {metric: ttft, max: 500}
  - {metric: latency, max: 1s}
outputs: {formats: [json, pdf], interval: 10}
)", "bad.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_EQ(format_problems(r.problems),
            "bad.yaml:2:13: 'target.base_url' is 'gpu-01:8000'; write http://HOST:PORT or https://HOST:PORT\n"
            "bad.yaml:3:3: unknown key 'backnd' in 'target'; did you mean 'backend'?\n"
            "bad.yaml:5:14: 'workload.input_len' must be a whole number, not 'lots'\n"
            "bad.yaml:6:16: 'workload.range_ratio' is 1.5; it must be between 0 and 0.999999\n"
            "bad.yaml:9:13: 'load.stages.0.rate': 'fast' is not a rate; write requests per second such as 16/s or 16, 120/min, or inf\n"
            "bad.yaml:11:7: 'load.stages.1' says neither how fast nor how many at once; add rate: 16/s (open loop) or concurrency: 32 (closed loop)\n"
            "bad.yaml:11:7: 'load.stages.1' never ends; add requests: 200 or duration: 5m\n"
            "bad.yaml:13:5: 'slo.0' needs a stat for ttft: mean, median or pNN (e.g. p99)\n"
            "bad.yaml:13:25: 'slo.0.max': '500' is not a duration; write a number with a unit, e.g. 250ms, 1.5s, 2m, 1h30m\n"
            "bad.yaml:14:14: 'slo.1.metric' is 'latency'; choose one of ttft, tpot, itl, e2el, error_rate, request_throughput, output_throughput, goodput, accuracy, recovery_time, client_queue_time, connect_time, request_write_time, server_queue_time, prefill_time, first_token_wire_time, decode_time, last_chunk_time, outside_engine_time, server_ttft, server_e2e\n"
            "bad.yaml:15:27: unknown output format 'pdf'; choose from json, csv, md, html, junit\n"
            "bad.yaml:15:43: 'outputs.interval': '10' is not a duration; write a number with a unit, e.g. 250ms, 1.5s, 2m, 1h30m\n");
}

TEST(Profile, AnswerKeysScoreShowAnswersAndSaveDetailed) {
  const auto ok = parse_profile("workload: {dataset: custom, dataset_path: q.jsonl, score: choice}\n"
                                "outputs: {save_detailed: true, show_answers: 3}\n"
                                "load: {stages: [{rate: 1/s, requests: 2}]}\n", "answers.yaml");
  ASSERT_TRUE(ok.profile) << format_problems(ok.problems);
  EXPECT_EQ(ok.profile->workload.score, "choice");
  EXPECT_TRUE(ok.profile->outputs.save_detailed);
  EXPECT_EQ(ok.profile->outputs.show_answers, 3);
  const auto bad = parse_profile("workload:\n  score: \"regex:(\"\noutputs:\n  show_answers: -1\n  save_detailed: maybe\n"
                                 "load: {stages: [{rate: 1/s, requests: 2}]}\n",
                                 "bad.yaml");
  ASSERT_FALSE(bad.profile);
  const std::string text = format_problems(bad.problems);
  EXPECT_NE(text.find("bad.yaml:2:10: 'workload.score' regex:("), std::string::npos) << text;
  EXPECT_NE(text.find("bad.yaml:4:17:"), std::string::npos) << text;
  EXPECT_NE(text.find("bad.yaml:5:18:"), std::string::npos) << text;
}

TEST(Profile, AllowSaturatedClientIsABoolean) {
  const auto ok = parse_profile("allow_saturated_client: true\nload: {stages: [{rate: 1/s, requests: 2}]}\n", "a.yaml");
  ASSERT_TRUE(ok.profile) << format_problems(ok.problems);
  EXPECT_TRUE(ok.profile->allow_saturated_client);
  const auto unset = parse_profile("load: {stages: [{rate: 1/s, requests: 2}]}\n", "u.yaml");
  ASSERT_TRUE(unset.profile);
  EXPECT_FALSE(unset.profile->allow_saturated_client);
  const auto bad = parse_profile("load: {stages: [{rate: 1/s, requests: 2}]}\nallow_saturated_client: often\n", "b.yaml");
  ASSERT_FALSE(bad.profile);
  EXPECT_NE(format_problems(bad.problems).find("b.yaml:2:25: 'allow_saturated_client' must be true or false"),
            std::string::npos)
      << format_problems(bad.problems);
}

TEST(Profile, ServerTraceReceiverAndSlosOnTheBreakdownsParts) {
  const auto ok = parse_profile("target: {otlp_receiver: \"0.0.0.0:4317\"}\n"
                                "load: {stages: [{rate: 1/s, requests: 2}]}\n"
                                "slo: [{metric: server_queue_time, stat: p99, max: 200ms}, {metric: server_ttft, stat: mean, max: 1s}]\n",
                                "traces.yaml");
  ASSERT_TRUE(ok.profile) << format_problems(ok.problems);
  EXPECT_EQ(ok.profile->target.otlp_receiver, "0.0.0.0:4317");
  ASSERT_EQ(ok.profile->slos.size(), 2u);
  EXPECT_EQ(*ok.profile->slos[0].max, 200.0);  // ms
  EXPECT_EQ(*ok.profile->slos[1].max, 1000.0);
  const auto bad = parse_profile("target: {otlp_receiver: \"4317x\"}\n"
                                 "load: {stages: [{rate: 1/s, requests: 2}]}\n"
                                 "slo: [{metric: prefill_time, stat: p99, max_drift: 10%}]\n",
                                 "bad.yaml");
  ASSERT_FALSE(bad.profile);
  const std::string text = format_problems(bad.problems);
  EXPECT_NE(text.find("bad.yaml:1:25: 'target.otlp_receiver' 4317x: the port must be a number"), std::string::npos) << text;
  EXPECT_NE(text.find("'slo.0.max_drift' applies to latency metrics"), std::string::npos) << text;
}

TEST(Profile, InvalidYamlSaysWhere) {
  const auto r = parse_profile("load:\n  stages: [\n", "broken.yaml");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, "broken.yaml");
  EXPECT_GT(r.problems[0].line, 0);
  EXPECT_NE(r.problems[0].message.find("not valid YAML"), std::string::npos);
}

TEST(Profile, OverridesSetAnyFieldAndReportAsSet) {
  const std::string yaml = "load:\n  stages:\n    - {rate: 16/s, requests: 200}\n";
  auto r = parse_profile(yaml, "p.yaml", {"load.stages.0.rate=8/s", "request.temperature=0.2",
                                          "target.base_url=http://127.0.0.1:9000"});
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  EXPECT_EQ(*r.profile->stages[0].rate, 8.0);
  EXPECT_EQ(*r.profile->request.temperature, 0.2);
  EXPECT_EQ(*r.profile->target.base_url, "http://127.0.0.1:9000");

  r = parse_profile(yaml, "p.yaml", {"load.stages.0.rate=slow", "load.stages.3.rate=1", "nonsense"});
  ASSERT_FALSE(r.profile);
  const auto text = format_problems(r.problems);
  EXPECT_NE(text.find("--set: 'load.stages.3.rate=1': '3' is not an index of the list there (it has 1 items)"), std::string::npos) << text;
  EXPECT_NE(text.find("--set: 'nonsense': write PATH=VALUE"), std::string::npos) << text;
  EXPECT_NE(text.find("--set: 'load.stages.0.rate': 'slow' is not a rate"), std::string::npos) << text;
}

TEST(Profile, SweepValuesAreCheckedLikeOverrides) {
  const auto r = parse_profile(
      "load:\n  stages:\n    - {rate: 1/s, requests: 10}\nsweep:\n  load.stages.0.rate: [1, 2, fast]\n",
      "s.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_NE(format_problems(r.problems).find("sweep load.stages.0.rate=fast"), std::string::npos)
      << format_problems(r.problems);
}

TEST(Profile, MissingFileNamesIt) {
  const auto r = load_profile("/nonexistent/p.yaml");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(format_problems(r.problems), "/nonexistent/p.yaml: cannot read the profile: No such file or directory\n");
}

TEST(Profile, GoodputThresholdsDriftAndSearch) {
  const auto r = parse_profile(R"(target: {sim_preset: default, sim_time_scale: 20}
load:
  stages:
    - {name: warm, rate: 2/s, requests: 4, warmup: true}
    - {name: probe, rate: 4/s, requests: 40}
slo:
  - {metric: goodput, min: 3/s, ttft: 500ms, tpot: 50ms}
  - {metric: ttft, stat: p99, max: 1s, max_drift: 20%}
search: {over: rate, from: 1/s, to: 64/s, max_runs: 6, tolerance: 10%}
)", "s.yaml");
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  const Profile& p = *r.profile;
  EXPECT_EQ(p.target.sim_time_scale, 20.0);
  EXPECT_EQ(*p.slos[0].min, 3.0);
  EXPECT_EQ(*p.slos[0].good_ttft_ms, 500.0);
  EXPECT_EQ(*p.slos[0].good_tpot_ms, 50.0);
  EXPECT_FALSE(p.slos[0].good_e2el_ms);
  EXPECT_EQ(*p.slos[1].max_drift, 0.2);
  ASSERT_TRUE(p.search);
  EXPECT_EQ(p.search->over, "rate");
  EXPECT_EQ(p.search->from, 1.0);
  EXPECT_EQ(p.search->to, 64.0);
  EXPECT_EQ(p.search->max_runs, 6);
  EXPECT_DOUBLE_EQ(p.search->tolerance, 0.1);
  EXPECT_EQ(p.search->stage, 1u);  // the last stage unless named
  const auto text = describe_profile(p);
  EXPECT_NE(text.find("slo: goodput >= 3/s (good: ttft <= 500 ms, tpot <= 50 ms)"), std::string::npos) << text;
  EXPECT_NE(text.find("search: highest rate of stage 'probe' meeting every SLO, 1/s .. 64/s, at most 6 runs, tolerance 10%"),
            std::string::npos) << text;
}

TEST(Profile, AccuracySlosAndSimulatorAnswersAreReadAndCheckedWithPositions) {
  const auto ok = parse_profile(R"(target: {sim_answers: qa.jsonl, sim_answer_accuracy: 0.7, sim_answer_accuracy_by_category: "a=0.5", sim_answer_accuracy_after: "5s=0.2"}
load:
  stages:
    - {name: soak, rate: 4/s, duration: 10s}
slo:
  - {metric: accuracy, min: 0.6, max_drift: 10%}
)", "good.yaml");
  ASSERT_TRUE(ok.profile) << format_problems(ok.problems);
  EXPECT_EQ(ok.profile->target.sim_answers, "qa.jsonl");
  EXPECT_DOUBLE_EQ(ok.profile->target.sim_answer_accuracy, 0.7);
  EXPECT_EQ(ok.profile->target.sim_answer_accuracy_by_category, "a=0.5");
  EXPECT_EQ(ok.profile->target.sim_answer_accuracy_after, "5s=0.2");
  ASSERT_EQ(ok.profile->slos.size(), 1u);
  EXPECT_DOUBLE_EQ(ok.profile->slos[0].min.value_or(0), 0.6);
  EXPECT_DOUBLE_EQ(ok.profile->slos[0].max_drift.value_or(0), 0.1);
  EXPECT_NE(describe_profile(*ok.profile).find("slo: accuracy >= 0.6 drift <= 10%"), std::string::npos)
      << describe_profile(*ok.profile);
  EXPECT_NE(describe_profile(*ok.profile).find("simulator answers: qa.jsonl, right with probability 0.7, by category "
                                               "a=0.5, after 5s=0.2\n"),
            std::string::npos) << describe_profile(*ok.profile);

  const auto bad = parse_profile(R"(target: {sim_answer_accuracy: 1.5, sim_answer_accuracy_after: "soon"}
load:
  stages:
    - {name: soak, rate: 4/s, duration: 10s}
slo:
  - {metric: accuracy, min: 60%, stat: p99}
)", "bad.yaml");
  ASSERT_FALSE(bad.profile);
  EXPECT_EQ(format_problems(bad.problems),
            "bad.yaml:1:31: 'target.sim_answer_accuracy' is 1.5; it must be between 0 and 1\n"
            "bad.yaml:1:31: 'target.sim_answer_accuracy' needs target.sim_answers: FILE\n"
            "bad.yaml:1:63: 'target.sim_answer_accuracy_after': 'soon' is not TIME=P (e.g. 30s=0.2)\n"
            "bad.yaml:1:63: 'target.sim_answer_accuracy_after' needs target.sim_answers: FILE\n"
            "bad.yaml:6:29: 'slo.0.min' must be a number, not '60%'\n"
            "bad.yaml:6:40: 'accuracy' takes no stat\n");
}

TEST(Profile, GoodputDriftAndSearchProblemsGolden) {
  const auto r = parse_profile(R"(workload: {dataset: sharegpt}
load:
  stages:
    - {name: warm, concurrency: 4, requests: 4, warmup: true}
slo:
  - {metric: goodput, min: 3/s}
  - {metric: error_rate, max: 1%, max_drift: 5%, ttft: 1s}
search: {over: speed, from: 8/s, to: 2/s, stage: 3}
)", "bad.yaml");
  ASSERT_FALSE(r.profile);
  EXPECT_EQ(format_problems(r.problems),
            "bad.yaml:1:21: workload.dataset 'sharegpt' reads a file: add dataset_path: FILE (relative to the profile)\n"
            "bad.yaml:6:5: 'slo.0' needs the per-request thresholds that make a request good: ttft, tpot and/or e2el, e.g. {metric: goodput, min: 5/s, ttft: 500ms, tpot: 50ms}\n"
            "bad.yaml:7:46: 'slo.1.max_drift' applies to latency metrics (ttft, tpot, itl, e2el) and accuracy, not error_rate\n"
            "bad.yaml:7:56: 'slo.1.ttft' is a goodput threshold; it applies to metric: goodput\n"
            "bad.yaml:8:9: 'search' searches stage 0 ('warm'), a warm-up or cool-down; name a measured stage with search.stage\n"
            "bad.yaml:8:16: 'search.over' is 'speed'; choose one of rate, concurrency\n"
            "bad.yaml:8:38: 'search' needs 0 < from < to (from 8, to 2)\n"
            "bad.yaml:8:50: 'search.stage' is 3; the profile has 1 stage(s), numbered from 0\n");
}

TEST(Profile, DatasetPathIsRelativeToTheProfile) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmload-profile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  {
    std::ofstream(dir / "sub" / "p.yaml") << "workload: {dataset: custom, dataset_path: data/q.jsonl, output_len: 16}\n"
                                             "load: {stages: [{rate: 1/s, requests: 2}]}\n";
  }
  const auto r = load_profile((dir / "sub" / "p.yaml").string());
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  EXPECT_EQ(r.profile->workload.dataset_path, (dir / "sub" / "data" / "q.jsonl").string());
  EXPECT_TRUE(r.profile->workload.output_len_given);
  EXPECT_FALSE(r.profile->workload.input_len_given);
  std::filesystem::remove_all(dir);
}

TEST(Profile, TargetBackendTakesEveryBackendOfTheFlag) {
  for (const auto backend : api::backend_names()) {
    const auto r = parse_profile("target: {backend: " + std::string(backend) + "}\n"
                                 "load: {stages: [{rate: 1/s, requests: 3}]}\n", "b.yaml");
    ASSERT_TRUE(r.profile) << backend << ": " << format_problems(r.problems);
    EXPECT_EQ(r.profile->target.backend, backend);
  }
  const auto bad = parse_profile("target: {backend: openai-responses-v2}\nload: {stages: [{rate: 1/s, requests: 3}]}\n",
                                 "bad.yaml");
  EXPECT_FALSE(bad.profile);
  EXPECT_NE(format_problems(bad.problems).find("bad.yaml:1:19: 'target.backend' is 'openai-responses-v2'"),
            std::string::npos)
      << format_problems(bad.problems);
}

TEST(Profile, RequestProbeRequestRateIsCheckedWithItsPlace) {
  const auto good = parse_profile("request: {probe_request_rate: 2.5}\nload: {stages: [{rate: 1/s, requests: 3}]}\n",
                                  "p.yaml");
  ASSERT_TRUE(good.profile) << format_problems(good.problems);
  ASSERT_TRUE(good.profile->request.probe_request_rate);
  EXPECT_DOUBLE_EQ(*good.profile->request.probe_request_rate, 2.5);
  const auto plan = resolve_stage(*good.profile, good.profile->stages[0], {"out", "s.json", "s"});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_DOUBLE_EQ(plan->vllm.probe_request_rate, 2.5);
  const auto bad = parse_profile("request: {probe_request_rate: 5000}\nload: {stages: [{rate: 1/s, requests: 3}]}\n",
                                 "bad.yaml");
  EXPECT_FALSE(bad.profile);
  EXPECT_NE(format_problems(bad.problems).find("bad.yaml:1:31: 'request.probe_request_rate'"), std::string::npos)
      << format_problems(bad.problems);
}

TEST(Profile, MultiTurnAndTraceWorkloads) {
  const auto good = parse_profile(R"(target: {backend: openai-chat}
workload: {dataset: custom, dataset_path: q.jsonl, turns: 4, think_time: 250ms}
load: {stages: [{concurrency: 2, requests: 3}]}
)", "good.yaml");
  ASSERT_TRUE(good.profile) << format_problems(good.problems);
  EXPECT_EQ(good.profile->workload.turns, 4);
  EXPECT_EQ(good.profile->workload.think_time, std::chrono::milliseconds(250));
  EXPECT_NE(describe_profile(*good.profile).find("multi-turn: 4 turns per conversation, think time 250ms"),
            std::string::npos) << describe_profile(*good.profile);
  const auto trace = parse_profile(R"(workload: {dataset: mooncake, dataset_path: t.jsonl, trace_time_scale: 0.5}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "trace.yaml");
  ASSERT_TRUE(trace.profile) << format_problems(trace.problems);
  EXPECT_DOUBLE_EQ(trace.profile->workload.trace_time_scale, 0.5);
  const auto shared = parse_profile(R"(workload: {dataset: prefix_repetition, num_prefixes: 3, suffix_len: 64}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "shared.yaml");
  ASSERT_TRUE(shared.profile) << format_problems(shared.problems);
  EXPECT_EQ(shared.profile->workload.num_prefixes, 3);
  EXPECT_EQ(shared.profile->workload.suffix_len, 64);
  EXPECT_FALSE(shared.profile->workload.prefix_len_given);
  const auto misplaced = parse_profile(R"(workload: {dataset: random, num_prefixes: 3}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "misplaced.yaml");
  EXPECT_EQ(format_problems(misplaced.problems),
            "misplaced.yaml:1:43: 'workload.num_prefixes' and 'workload.suffix_len' apply to dataset: prefix_repetition\n");
  const auto bad = parse_profile(R"(workload: {dataset: burstgpt, think_time: 1s, trace_time_scale: 2, turns: 0}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "bad.yaml");
  ASSERT_FALSE(bad.profile);
  EXPECT_EQ(format_problems(bad.problems),
            "bad.yaml:1:21: workload.dataset 'burstgpt' reads a file: add dataset_path: FILE (relative to the profile)\n"
            "bad.yaml:1:43: 'workload.think_time' applies to multi-turn conversations: add turns: N (N > 1)\n"
            "bad.yaml:1:65: 'workload.trace_time_scale' applies to trace replay (dataset: mooncake or timed_trace)\n"
            "bad.yaml:1:75: 'workload.turns' is 0; it must be between 1 and 1000\n");
}

TEST(Profile, TraceHubAndSpecBenchDatasetsTakeTheirKeys) {
  const auto trace = parse_profile(R"(workload:
  dataset: timed_trace
  dataset_path: q.jsonl
  trace_format: {chunk_hash_size: 16, sec_multiplier: 0.001, label_timestamp: ts}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "trace.yaml");
  ASSERT_TRUE(trace.profile) << format_problems(trace.problems);
  EXPECT_EQ(trace.profile->workload.timed_trace.chunk_hash_size, 16);
  EXPECT_DOUBLE_EQ(trace.profile->workload.timed_trace.sec_multiplier, 0.001);
  EXPECT_EQ(trace.profile->workload.timed_trace.label_timestamp, "ts");
  EXPECT_EQ(trace.profile->workload.timed_trace.label_hash_ids, "hash_ids");
  const auto hf = parse_profile(R"(workload: {dataset: hf, dataset_path: e.jsonl, hf_name: vdaita/edit_5k_char, blazedit_max_distance: 0.5}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "hf.yaml");
  ASSERT_TRUE(hf.profile) << format_problems(hf.problems);
  EXPECT_EQ(hf.profile->workload.hub.hf_name, "vdaita/edit_5k_char");
  EXPECT_DOUBLE_EQ(hf.profile->workload.hub.blazedit_max_distance, 0.5);
  const auto bad = parse_profile(R"(workload: {dataset: spec_bench, dataset_path: q.jsonl, hf_name: x, trace_format: {chunk_hash_size: big}}
load: {stages: [{rate: 1/s, requests: 3}]}
)", "bad.yaml");
  ASSERT_FALSE(bad.profile);
  EXPECT_EQ(format_problems(bad.problems),
            "bad.yaml:1:65: 'workload.hf_name' applies to dataset: hf\n"
            "bad.yaml:1:82: 'workload.trace_format' applies to dataset: timed_trace\n"
            "bad.yaml:1:100: 'workload.trace_format.chunk_hash_size' must be a whole number, not 'big'\n");
}

TEST(Profile, ALoadThatIsNotAMappingIsAProblemNotACrash) {
  // Found by the profile_yaml fuzz target: the unique-name check subscripted `load` (yaml-cpp
  // throws on operator[] of a scalar) after the problem had been reported.
  for (const char* text : {"load: 5\n", "load:\n  stages\xff\xff\xff\xff  - {rat 5s}\n",
                           "load: {stages: [a, a]}\n"}) {
    ProfileLoad r;
    EXPECT_NO_THROW(r = parse_profile(text, "p.yaml")) << text;
    EXPECT_FALSE(r.profile) << text;
    EXPECT_FALSE(r.problems.empty()) << text;
  }
}

TEST(Profile, EveryReadyProfileValidates) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LLMLOAD_PROFILES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    const auto r = load_profile(entry.path().string());
    EXPECT_TRUE(r.profile) << format_problems(r.problems);
  }
  EXPECT_GE(count, 3u);
}

}  // namespace
}  // namespace llmload::config
