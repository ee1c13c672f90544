// vLLM's `vllm bench serve` flags beyond BenchOptions' own (config/vllm_compat.hpp): every
// name of vLLM's parser parses, each one means what it means in vLLM or is recorded as
// without effect (once), and bad values are refused naming the flag.
#include "bench_flags_fixture.hpp"
#include "llmload/config/bench_options.hpp"
#include "llmload/config/vllm_compat.hpp"

#include "llmload/api/request_builder.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <utility>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace llmload::config {
namespace {

config::BenchOptions parse_compat(std::vector<std::string> args) {
  return testing_support::parse_bench_flags(std::move(args));
}

std::vector<std::string> vllm_flags() {
  std::ifstream in(std::string(LLMLOAD_TEST_DATA_DIR) + "/vllm/bench_serve_flags.txt");
  std::vector<std::string> flags;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() != '#') flags.push_back(line);
  }
  return flags;
}

/// A value each flag accepts (vLLM's type), for a command line that gives them all.
std::vector<std::string> with_value(const std::string& flag) {
  static const std::vector<std::string> switches = {
      "--append-result", "--custom-ensure-client-side-data", "--disable-shuffle", "--disable-tqdm",
      "--enable-multimodal-chat", "--ignore-eos", "--insecure", "--no-oversample", "--no-reranker",
      "--no-self-timed", "--no-stream", "--plot-dataset-stats", "--plot-timeline", "--profile",
      "--save-detailed", "--save-result", "--self-timed", "--skip-chat-template", "--skip-tokenizer-init",
      "--trust-remote-code", "--use-beam-search"};
  if (std::find(switches.begin(), switches.end(), flag) != switches.end()) return {flag};
  if (flag == "--backend") return {flag, "openai-chat"};
  if (flag == "--ramp-up-strategy") return {flag, "linear"};
  if (flag == "--lora-assignment") return {flag, "round-robin"};
  return {flag, "1"};
}

TEST(VllmCompat, TheCheckedInListIsVllmsWholeParser) {
  const auto flags = vllm_flags();
  EXPECT_EQ(flags.size(), 105u);
  EXPECT_TRUE(std::is_sorted(flags.begin(), flags.end()));
  for (const char* f : {"--ready-check-timeout-sec", "--lora-modules", "--timed-trace-chunk-hash-size", "--no-stream"}) {
    EXPECT_NE(std::find(flags.begin(), flags.end(), f), flags.end()) << f;
  }
}

TEST(VllmCompat, EveryVllmFlagParsesAlone) {
  for (const auto& flag : vllm_flags()) {
    std::vector<std::string> args = with_value(flag);
    if (flag == "--self-timed" || flag == "--no-self-timed") args.insert(args.end(), {"--dataset-name", "mooncake"});
    EXPECT_NO_THROW(parse_compat(args)) << flag;
  }
}

TEST(VllmCompat, FlagsWithoutEffectAreRecordedOnceEach) {
  const auto o = parse_compat({"--trust-remote-code", "--tokenizer-mode", "mistral", "--trust-remote-code", "--no-stream",
                        "--speed-bench-category", "qa", "--use-beam-search"});
  // One line each, in the flags' order (CLI11 runs the callbacks in definition order).
  ASSERT_EQ(o.vllm.given_without_effect.size(), 5u);
  EXPECT_EQ(o.vllm.given_without_effect[0].rfind("--tokenizer-mode: ", 0), 0u);
  EXPECT_EQ(o.vllm.given_without_effect[1].rfind("--trust-remote-code: ", 0), 0u);
  const auto plan = resolve(o);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->vllm.without_effect, o.vllm.given_without_effect);
  EXPECT_NE(plan_to_json(*plan).find("\"flags_without_effect\":[\"--tokenizer-mode: "), std::string::npos);
  // None given: nothing to say.
  EXPECT_TRUE(resolve(parse_compat({}))->vllm.without_effect.empty());
}

TEST(VllmCompat, NumericFlagsWithoutEffectStillCheckTheirValue) {
  EXPECT_THROW(parse_compat({"--speed-bench-output-len", "long"}), CLI::ValidationError);
  EXPECT_NO_THROW(parse_compat({"--speed-bench-output-len", "64"}));
  EXPECT_NO_THROW(parse_compat({"--bfcl-categories", "simple", "multiple"}));
}

TEST(VllmCompat, AsrLengthFlagsReachTheDatasetOptions) {
  EXPECT_THROW(parse_compat({"--asr-max-audio-len-sec", "long"}), CLI::ValidationError);
  const auto plan = resolve(parse_compat({"--asr-min-audio-len-sec", "0.5", "--asr-max-audio-len-sec", "inf"}));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_DOUBLE_EQ(plan->dataset.hub.asr_min_audio_len_sec, 0.5);
  EXPECT_TRUE(std::isinf(plan->dataset.hub.asr_max_audio_len_sec));
  EXPECT_TRUE(plan->vllm.without_effect.empty());
  EXPECT_FALSE(resolve(parse_compat({"--asr-min-audio-len-sec", "5", "--asr-max-audio-len-sec", "2"})));
}

TEST(VllmCompat, ReadyCheckIsOffByDefaultAsInVllm) {
  EXPECT_EQ(resolve(parse_compat({}))->ready_check_timeout.count(), 0);
  EXPECT_EQ(resolve(parse_compat({"--ready-check-timeout-sec", "30"}))->ready_check_timeout.count(), 30);
}

TEST(VllmCompat, MeaningfulFlagsReachThePlan) {
  const auto plan = resolve(parse_compat({"--lora-modules", "a", "b", "--lora-assignment", "round-robin", "--profile",
                                   "--skip-tokenizer-init", "--plot-timeline", "--timeline-itl-thresholds", "10,40",
                                   "--chat-content-format", "string"}));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->vllm.lora_modules, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(plan->vllm.lora_round_robin);
  EXPECT_TRUE(plan->vllm.profile);
  EXPECT_TRUE(plan->vllm.skip_tokenizer_init);
  EXPECT_EQ(plan->results.report_formats, (std::vector<std::string>{"html"}));
  EXPECT_EQ(plan->vllm.timeline_itl_thresholds_ms, (std::vector<double>{10, 40}));
  EXPECT_TRUE(plan->body.string_content);
  EXPECT_TRUE(resolve(parse_compat({"--plot-dataset-stats", "--report", "html,md"}))->results.report_formats ==
              (std::vector<std::string>{"html", "md"}));
}

TEST(VllmCompat, ProbeRequestRateIsKeptInThePlan) {
  EXPECT_EQ(resolve(parse_compat({}))->vllm.probe_request_rate, 0.0);
  EXPECT_EQ(resolve(parse_compat({"--probe-request-rate", "2.5"}))->vllm.probe_request_rate, 2.5);
}

TEST(VllmCompat, BadValuesNameTheFlag) {
  const auto message = [](std::vector<std::string> args) {
    auto plan = resolve(parse_compat(std::move(args)));
    return plan ? std::string() : plan.error().message;
  };
  EXPECT_NE(message({"--timeline-itl-thresholds", "25"}).find("--timeline-itl-thresholds 25"), std::string::npos);
  EXPECT_NE(message({"--timeline-itl-thresholds", "a,b"}).find("two comma-separated"), std::string::npos);
  EXPECT_NE(message({"--chat-template-kwargs", "[1]"}).find("--chat-template-kwargs"), std::string::npos);
  EXPECT_NE(message({"--no-self-timed"}).find("--no-self-timed applies to trace replay"), std::string::npos);
  EXPECT_NE(message({"--probe-request-rate", "1001"}).find("--probe-request-rate 1001"), std::string::npos);
  EXPECT_NE(message({"--probe-request-rate", "1e9"}).find("expected 0 (no probes) up to 1000 probes per second"),
            std::string::npos);
  EXPECT_THROW(parse_compat({"--probe-request-rate", "-1"}), CLI::ValidationError);
  EXPECT_THROW(parse_compat({"--lora-assignment", "sticky"}), CLI::ValidationError);
  EXPECT_THROW(parse_compat({"--chat-content-format", "parts"}), CLI::ValidationError);
}

TEST(VllmCompat, StringContentSendsTextOnlyChatMessagesAsAString) {
  workload::RequestSpec spec;
  spec.prompt = "hi there";
  spec.expected_output_len = 4;
  api::BodyOptions options;
  options.model = "m";
  EXPECT_NE(api::build_body(api::Flavor::kChat, spec, options).find(
                R"("messages":[{"role":"user","content":[{"type":"text","text":"hi there"}]}])"),
            std::string::npos);
  options.string_content = true;
  EXPECT_NE(api::build_body(api::Flavor::kChat, spec, options).find(R"("messages":[{"role":"user","content":"hi there"}])"),
            std::string::npos);
  // A message with an image keeps vLLM's parts: a string cannot carry it.
  spec.images.push_back(std::make_shared<const std::string>("data:image/png;base64,AA=="));
  EXPECT_NE(api::build_body(api::Flavor::kChat, spec, options).find(R"("content":[{"type":"text")"), std::string::npos);
}

TEST(VllmCompat, ARequestsOwnModelReplacesTheRunsModel) {
  workload::RequestSpec spec;
  spec.prompt = "x";
  spec.expected_output_len = 1;
  spec.model = "adapter-b";
  api::BodyOptions options;
  options.model = "base";
  EXPECT_EQ(api::build_body(api::Flavor::kCompletions, spec, options).rfind(R"({"model":"adapter-b",)", 0), 0u);
}

TEST(VllmCompat, TheMatchedReleaseIsNamed) {
  EXPECT_NE(kVllmCompat.find("vLLM"), std::string_view::npos);
  EXPECT_NE(kVllmCompat.find("009e6d4a"), std::string_view::npos);
}

}  // namespace
}  // namespace llmload::config
