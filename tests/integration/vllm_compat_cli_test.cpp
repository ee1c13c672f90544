// `llmload bench` as today's `vllm bench serve`: every flag of vLLM's parser known to --help,
// vLLM's phase lines and their order, its queue-time sections and result keys, --profile,
// --lora-modules, --skip-tokenizer-init and --chat-content-format against a server that takes
// only string content.
#include "cli_support.hpp"
#include "recording_server.hpp"
#include "llmload/sim/sim_server.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace llmload {
namespace {

using testing_support::CliResult;
using testing_support::http_response;
using testing_support::RecordingServer;
using testing_support::slurp;

class VllmCompatCli : public testing_support::CliTest {
 protected:
  VllmCompatCli() : CliTest("llmload-vllm-compat") {}

  /// A short run against the built-in simulator, result saved as r.json.
  CliResult bench(const std::string& args) {
    return run("bench --num-prompts 6 --random-input-len 8 --random-output-len 3 --sim-ttft-ms 2 --sim-itl-ms 1 "
               "--disable-tqdm --save-result --result-dir " + dir_.string() + " --result-filename r.json " + args);
  }
  boost::json::object saved() { return boost::json::parse(slurp(dir_ / "r.json")).as_object(); }
};

TEST_F(VllmCompatCli, BenchHelpKnowsEveryFlagOfVllmsParser) {
  const auto r = run("bench --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream list(std::string(LLMLOAD_TEST_DATA_DIR) + "/vllm/bench_serve_flags.txt");
  int checked = 0;
  for (std::string flag; std::getline(list, flag);) {
    if (flag.empty() || flag.front() == '#') continue;
    ++checked;
    // The name itself, not a longer one it begins (--hf-name vs --hf-name-x).
    bool found = false;
    for (auto at = r.out.find(flag); at != std::string::npos && !found; at = r.out.find(flag, at + 1)) {
      const char next = at + flag.size() < r.out.size() ? r.out[at + flag.size()] : ' ';
      found = !(std::isalnum(static_cast<unsigned char>(next)) || next == '-' || next == '_');
    }
    EXPECT_TRUE(found) << flag;
  }
  EXPECT_EQ(checked, 105);
  EXPECT_NE(r.out.find("vLLM main (serve.py 009e6d4a1cd6"), std::string::npos) << r.out;
}

TEST_F(VllmCompatCli, DefaultRunSkipsTheReadyCheckWithVllmsLinesInVllmsOrder) {
  const auto r = bench("--trust-remote-code --tokenizer-mode slow");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto warning = r.out.find("WARNING: vllm bench serve no longer sets temperature==0");
  const auto start = r.out.find("Starting initial single prompt test run...\nSkipping endpoint ready check.\n");
  const auto main_run = r.out.find("Starting main benchmark run...\nTraffic request rate: inf\n"
                                   "Burstiness factor: 1.0 (Poisson process)\nMaximum request concurrency: None\n");
  ASSERT_NE(warning, std::string::npos) << r.out;
  ASSERT_NE(start, std::string::npos) << r.out;
  ASSERT_NE(main_run, std::string::npos) << r.out;
  EXPECT_LT(warning, start);
  EXPECT_LT(start, main_run);
  EXPECT_EQ(r.out.find("Initial test run completed."), std::string::npos) << r.out;
  // The flags without effect are said once, and recorded.
  const auto said = r.out.find("accepted as in vllm bench serve, without effect here: --tokenizer-mode: ");
  EXPECT_NE(said, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("without effect here", r.out.find('\n', said)), std::string::npos) << r.out;
  const auto doc = saved();
  const auto& llmload = doc.at("llmload").as_object();
  EXPECT_EQ(llmload.at("vllm_compat").as_string(), "vLLM main (serve.py 009e6d4a1cd6, flag list 1597854e5f44)");
  EXPECT_EQ(llmload.at("plan").at("vllm").at("flags_without_effect").as_array().size(), 2u);
  EXPECT_EQ(llmload.at("plan").at("vllm").at("ready_check_timeout_s").as_int64(), 0);

  const auto checked = bench("--ready-check-timeout-sec 5");
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("Starting initial single prompt test run...\nWaiting for endpoint to become up in 5 "
                             "seconds\nInitial test run completed.\n"), std::string::npos) << checked.out;
}

TEST_F(VllmCompatCli, QueueSectionsAndKeysAsVllmPrintsThem) {
  const auto r = bench("--max-concurrency 2 --request-rate 200 "
                       "--percentile-metrics ttft,client_queue_time,e2el_including_client_queue --metric-percentiles 50,99");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Maximum request concurrency:             2         \n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("---------------Client-side Queueing---------------\nMean Client Queue Time (ms):"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("P99 Client Queue Time (ms):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--------Queue-inclusive End-to-end Latency--------\nMean E2EL incl. Client Queue (ms):"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("P50 E2EL incl. Client Queue (ms):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total token throughput (tok/s):"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("(llmload)"), std::string::npos) << r.out;
  const auto doc = saved();
  for (const char* key : {"mean_client_queue_time_ms", "median_client_queue_time_ms", "std_client_queue_time_ms",
                          "p99_client_queue_time_ms", "mean_e2el_including_client_queue_ms",
                          "p50_e2el_including_client_queue_ms", "rtfx"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  EXPECT_EQ(doc.at("latencies").as_array().size(), 6u);
  EXPECT_EQ(doc.at("queue_times").as_array().size(), 6u);
  EXPECT_FALSE(doc.contains("ttfts"));  // only with --save-detailed

  // vLLM computes the queue metrics only with --max-concurrency, the second only with a finite rate.
  const auto no_cap = bench("--percentile-metrics ttft,client_queue_time,e2el_including_client_queue");
  ASSERT_EQ(no_cap.exit_code, 0) << no_cap.out << no_cap.err;
  EXPECT_EQ(no_cap.out.find("Client-side Queueing"), std::string::npos) << no_cap.out;
  EXPECT_FALSE(saved().contains("mean_client_queue_time_ms"));
  const auto inf_rate = bench("--max-concurrency 2 --percentile-metrics client_queue_time,e2el_including_client_queue");
  ASSERT_EQ(inf_rate.exit_code, 0) << inf_rate.out << inf_rate.err;
  EXPECT_NE(inf_rate.out.find("Client-side Queueing"), std::string::npos) << inf_rate.out;
  EXPECT_EQ(inf_rate.out.find("Queue-inclusive"), std::string::npos) << inf_rate.out;
}

TEST_F(VllmCompatCli, ProfileCallsTheSimulatorsProfilerAroundTheRun) {
  const auto r = bench("--profile");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto started = r.out.find("Starting main benchmark run...\nStarting profiler...\nProfiler started\n");
  const auto table_end = r.out.find("==================================================\n",
                                    r.out.find("Serving Benchmark Result"));
  const auto stopped = r.out.find("Stopping profiler...\nProfiler stopped\n");
  ASSERT_NE(started, std::string::npos) << r.out;
  ASSERT_NE(stopped, std::string::npos) << r.out;
  EXPECT_LT(table_end, stopped);  // after vLLM's table, as vLLM stops it
}

TEST_F(VllmCompatCli, ProbeRequestsRunBesideTheRunWithTheirOwnSectionAndKeys) {
  const auto r = bench("--probe-request-rate 50 --request-rate 60 --max-concurrency 2");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto line = r.out.find("Maximum request concurrency: 2\nProbe request rate: 50.0 req/s\n");
  const auto section = r.out.find("------------------Probe Requests------------------\nProbe requests completed:");
  const auto first_metric = r.out.find("---------------Time to First Token----------------");
  ASSERT_NE(line, std::string::npos) << r.out;
  ASSERT_NE(section, std::string::npos) << r.out;
  EXPECT_LT(r.out.find("Total token throughput (tok/s):"), section);
  EXPECT_LT(section, first_metric);
  const auto doc = saved();
  EXPECT_EQ(doc.at("completed").as_int64(), 6);  // the probes are not part of the run
  EXPECT_GE(doc.at("probe_completed").as_int64(), 1);
  EXPECT_EQ(doc.at("probe_failed").as_int64(), 0);
  EXPECT_GT(doc.at("probe_median_e2el_ms").as_double(), 0.0);
  EXPECT_GE(doc.at("probe_max_e2el_ms").as_double(), doc.at("probe_p99_e2el_ms").as_double());
  EXPECT_EQ(doc.at("llmload").at("plan").at("vllm").at("probe_request_rate").as_double(), 50.0);
  EXPECT_EQ(bench("--probe-request-rate 5000").exit_code, 2);
}

TEST_F(VllmCompatCli, LoraModulesSpreadTheRequestsOverTheAdapters) {
  const auto r = bench("--lora-modules sql-lora chat-lora --lora-assignment round-robin");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("By LoRA adapter (--lora-modules)"), std::string::npos) << r.out;
  const auto doc = saved();
  const auto& per_adapter = doc.at("llmload").at("per_adapter").as_object();
  ASSERT_EQ(per_adapter.size(), 2u);
  EXPECT_EQ(per_adapter.at("sql-lora").at("completed").as_int64(), 3);
  EXPECT_EQ(per_adapter.at("chat-lora").at("completed").as_int64(), 3);
}

TEST_F(VllmCompatCli, SkipTokenizerInitPrintsVllmsTableWithoutTokenRows) {
  const auto r = bench("--skip-tokenizer-init --percentile-metrics ttft,e2el");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("Total generated tokens:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Output token throughput"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Total token throughput"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Time to First Token"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("End-to-end Latency"), std::string::npos) << r.out;
  const auto doc = saved();
  EXPECT_TRUE(doc.at("tokenizer_id").is_null());
  EXPECT_FALSE(doc.contains("mean_ttft_ms"));
  EXPECT_TRUE(doc.contains("mean_e2el_ms"));
}

TEST_F(VllmCompatCli, RampUpLinesAsVllm) {
  const auto r = bench("--ramp-up-strategy linear --ramp-up-start-rps 100 --ramp-up-end-rps 200");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Traffic ramp-up strategy: linear.\nWill increase RPS from 100 to 200 RPS over the duration "
                       "of the benchmark.\nBurstiness factor: 1.0 (Poisson process)\n"), std::string::npos) << r.out;
}

// The simulator's speculative mode: each step emits 1 + Binomial(K, p) tokens and counts
// vLLM's spec-decode counters; the block shows the configured acceptance within sampling error
// (about 900 drafts of 3 tokens: the rate's standard error is about 1 point).
TEST_F(VllmCompatCli, SpeculativeBlockShowsTheSimulatorsConfiguredAcceptance) {
  sim::SimOptions options;
  options.ttft = std::chrono::milliseconds(1);
  options.itl = std::chrono::milliseconds(1);
  options.spec_tokens = 3;
  options.spec_acceptance = 0.6;
  sim::SimServer server(options);
  ASSERT_TRUE(server.start());
  const auto r = run("bench --base-url " + server.base_url() + " --model llmload-sim --num-prompts 40 "
                     "--random-input-len 8 --random-output-len 64 --max-concurrency 8 --disable-tqdm --save-result "
                     "--result-dir " + dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto block = r.out.find("---------------Speculative Decoding---------------\nAcceptance rate (%):");
  ASSERT_NE(block, std::string::npos) << r.out;
  EXPECT_LT(block, r.out.find("==================================================\n", block));
  EXPECT_NE(r.out.find("Per-position acceptance (%):\n  Position 0:", block), std::string::npos) << r.out;
  const auto doc = saved();
  EXPECT_NEAR(doc.at("spec_decode_acceptance_rate").as_double(), 60.0, 5.0);
  EXPECT_NEAR(doc.at("spec_decode_acceptance_length").as_double(), 1.0 + 3 * 0.6, 0.15);
  EXPECT_EQ(doc.at("spec_decode_draft_tokens").as_int64(), 3 * doc.at("spec_decode_num_drafts").as_int64());
  // Every request still gets its 64 tokens, in fewer chunks than tokens.
  EXPECT_EQ(doc.at("total_output_tokens").as_int64(), 40 * 64);
  EXPECT_EQ(doc.at("spec_decode_per_position_acceptance_rates").as_array().size(), 3u);
  // Drafts: one per chunk after each request's first.
  EXPECT_GT(doc.at("spec_decode_num_drafts").as_int64(), 40 * 64 / 5);
  EXPECT_LT(doc.at("spec_decode_num_drafts").as_int64(), 40 * 64 / 2);
}

// A chat server that takes only string message content (as several lightweight OpenAI-style
// servers do) answers vLLM's array of parts with HTTP 500.
std::string string_content_only(std::size_t, const std::string& request) {
  if (!request.starts_with("POST /v1/chat/completions")) return "";
  if (request.find("\"content\":[") != std::string::npos) {
    return http_response("500 Internal Server Error", "application/json",
                         "{\"error\":{\"message\":\"content must be a string\"}}");
  }
  return http_response("200 OK", "text/event-stream",
                       "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" hi\"}}]}\n\n"
                       "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n"
                       "data: [DONE]\n\n");
}

TEST_F(VllmCompatCli, AServerTakingOnlyStringContentWorksWithStringFormat) {
  RecordingServer server(string_content_only);
  const std::string common = "bench --base-url " + server.url() + " --model m --backend openai-chat --num-prompts 3 "
                             "--random-input-len 4 --random-output-len 1 --disable-tqdm --scrape-interval 0 ";
  // vLLM's array of parts: the initial test request fails, and the line suggests the flag.
  const auto parts = run(common + "--ready-check-timeout-sec 5");
  EXPECT_EQ(parts.exit_code, 3) << parts.out << parts.err;
  EXPECT_NE(parts.err.find("Initial test run failed"), std::string::npos) << parts.err;
  EXPECT_NE(parts.err.find("try --chat-content-format string"), std::string::npos) << parts.err;
  // Without the ready check every request fails, and the last line says the same.
  const auto unchecked = run(common);
  EXPECT_EQ(unchecked.exit_code, 3) << unchecked.out << unchecked.err;
  EXPECT_NE(unchecked.err.find("no request succeeded (3 failed); see the errors above; if the server takes only "
                               "string message content, try --chat-content-format string"),
            std::string::npos) << unchecked.err;
  // As strings, every request succeeds.
  const auto strings = run(common + "--chat-content-format string");
  ASSERT_EQ(strings.exit_code, 0) << strings.out << strings.err;
  EXPECT_NE(strings.out.find("Successful requests:                     3"), std::string::npos) << strings.out;
  const auto requests = server.requests();
  EXPECT_NE(requests.back().find("\"messages\":[{\"role\":\"user\",\"content\":\""), std::string::npos)
      << requests.back();
}

}  // namespace
}  // namespace llmload
