// vLLM's pooling backends (openai-embeddings, vllm-pooling, infinity-embeddings) end to end
// against the built-in simulator: vLLM's pooling table and result keys, input tokens from the
// answers' usage, the latency the simulator's fixed prefill time gives.
#include "cli_support.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace llmload {
namespace {

using testing_support::CliResult;
using testing_support::slurp;

class PoolingBackendsCli : public testing_support::CliTest {
 protected:
  PoolingBackendsCli() : CliTest("llmload-pooling") {}

  CliResult bench(const std::string& args) {
    return run("bench --num-prompts 8 --random-input-len 12 --random-output-len 3 --sim-ttft-ms 20 --sim-itl-ms 1 "
               "--max-concurrency 4 --disable-tqdm --save-result --result-dir " + dir_.string() +
               " --result-filename r.json " + args);
  }
  boost::json::object saved() { return boost::json::parse(slurp(dir_ / "r.json")).as_object(); }
};

TEST_F(PoolingBackendsCli, EmbeddingsRunPrintsVllmsPoolingTableAndKeys) {
  const auto r = bench("--backend openai-embeddings");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("WARNING: vllm bench serve no longer sets temperature"), std::string::npos) << r.out;
  for (const char* row : {"Successful requests:                     8 ", "Total input tokens:",
                          "Request throughput (req/s):", "Input throughput (inputs/s):",
                          "Total token throughput (tok/s):", "----------------End-to-end Latency----------------",
                          "Mean E2EL (ms):", "P99 E2EL (ms):"}) {
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  }
  for (const char* row : {"Total generated tokens:", "Output token throughput", "Peak concurrent requests:",
                          "Time to First Token", "Inter-token Latency"}) {
    EXPECT_EQ(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  }
  const auto doc = saved();
  EXPECT_EQ(doc.at("backend").as_string(), "openai-embeddings");
  EXPECT_EQ(doc.at("completed").as_int64(), 8);
  EXPECT_EQ(doc.at("total_input_sequences").as_int64(), 8);
  EXPECT_FALSE(doc.contains("total_output_tokens"));
  EXPECT_FALSE(doc.contains("mean_ttft_ms"));
  // The simulator counts words: the random prompts' input tokens come from the answers' usage.
  EXPECT_GT(doc.at("total_input_tokens").as_int64(), 0);
  EXPECT_DOUBLE_EQ(doc.at("input_sequence_throughput").as_double(), doc.at("request_throughput").as_double());
  // Prefill only: every answer comes --sim-ttft-ms after its request.
  EXPECT_GE(doc.at("mean_e2el_ms").as_double(), 20.0);
  EXPECT_LT(doc.at("median_e2el_ms").as_double(), 200.0);
  EXPECT_EQ(doc.at("llmload").at("plan").at("endpoint").as_string(), "/v1/embeddings");
}

TEST_F(PoolingBackendsCli, VllmPoolingAndInfinityEmbeddingsUseTheirPaths) {
  for (const std::string backend : {"vllm-pooling", "infinity-embeddings"}) {
    const auto r = bench("--backend " + backend);
    ASSERT_EQ(r.exit_code, 0) << backend << r.out << r.err;
    const auto doc = saved();
    EXPECT_EQ(doc.at("completed").as_int64(), 8) << backend;
    EXPECT_EQ(doc.at("llmload").at("plan").at("endpoint").as_string(),
              backend == "vllm-pooling" ? "/pooling" : "/embeddings");
  }
}

TEST_F(PoolingBackendsCli, AWrongEndpointIsAUsageError) {
  const auto r = bench("--backend openai-embeddings --endpoint /v1/completions");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--endpoint /v1/completions: the openai-embeddings backend needs a path ending in "
                       "embeddings, e.g. --endpoint /v1/embeddings"),
            std::string::npos)
      << r.err;
}

TEST_F(PoolingBackendsCli, RerankSendsQueriesAndDocumentsAndCountsInputSequences) {
  const auto r = bench("--backend vllm-rerank --dataset-name random-rerank --random-batch-size 3");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Successful requests:                     3 "), std::string::npos) << r.out;
  const auto doc = saved();
  EXPECT_EQ(doc.at("backend").as_string(), "vllm-rerank");
  EXPECT_EQ(doc.at("completed").as_int64(), 3);           // 8 documents, 3 per request
  EXPECT_EQ(doc.at("total_input_sequences").as_int64(), 8);  // vLLM counts the documents
  EXPECT_DOUBLE_EQ(doc.at("input_sequence_throughput").as_double(), 8 / doc.at("duration").as_double());
  // The simulator counts (query + 1 + document) words per pair, as the dataset does.
  EXPECT_EQ(doc.at("total_input_tokens").as_int64(), doc.at("llmload").at("dataset_input_tokens").as_int64());
  EXPECT_EQ(doc.at("llmload").at("plan").at("endpoint").as_string(), "/v1/rerank");
  for (const std::string path : {"/rerank", "/v2/rerank"}) {
    EXPECT_EQ(bench("--backend vllm-rerank --dataset-name random-rerank --endpoint " + path).exit_code, 0) << path;
  }
}

TEST_F(PoolingBackendsCli, EmbeddingsOfQueryAndDocumentsWithNoReranker) {
  const auto r = bench("--backend openai-embeddings --dataset-name random-rerank --random-batch-size 3 --no-reranker");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = saved();
  EXPECT_EQ(doc.at("completed").as_int64(), 4);               // 7 documents, 2 per request
  EXPECT_EQ(doc.at("total_input_sequences").as_int64(), 4 + 7);  // the query and the documents
}

TEST_F(PoolingBackendsCli, ChatEmbeddingBackendsSendImages) {
  for (const std::string backend : {"openai-embeddings-chat", "openai-embeddings-clip", "openai-embeddings-vlm2vec",
                                    "infinity-embeddings-clip"}) {
    const auto r = bench("--backend " + backend + " --dataset-name random-mm "
                         "--random-mm-bucket-config '{(64, 64, 1): 1.0}'");
    ASSERT_EQ(r.exit_code, 0) << backend << r.out << r.err;
    const auto doc = saved();
    EXPECT_EQ(doc.at("completed").as_int64(), 8) << backend;
    EXPECT_GT(doc.at("total_input_tokens").as_int64(), 0) << backend;
  }
}

TEST_F(PoolingBackendsCli, RerankNeedsItsDatasetAndTheDatasetAPoolingBackend) {
  const auto r = bench("--backend vllm-rerank");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("use --dataset-name random-rerank"), std::string::npos) << r.err;
  const auto chat = bench("--backend openai-chat --dataset-name random-rerank");
  EXPECT_EQ(chat.exit_code, 2);
  EXPECT_NE(chat.err.find("--dataset-name random-rerank makes queries and documents"), std::string::npos) << chat.err;
}

}  // namespace
}  // namespace llmload
