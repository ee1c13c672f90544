// vLLM's random-rerank dataset (workload/rerank_dataset.hpp).
#include "llmload/workload/random_dataset.hpp"
#include "llmload/workload/rerank_dataset.hpp"

#include <gtest/gtest.h>

namespace llmload::workload {
namespace {

DatasetOptions rerank_options(std::size_t documents, std::int64_t batch, std::int64_t input_len) {
  DatasetOptions o;
  o.name = "random-rerank";
  o.num_prompts = documents;
  o.random_batch_size = batch;
  o.random.input_len = input_len;
  o.seed = 7;
  return o;
}

TEST(RerankDataset, OneQueryAndBatchesOfDocumentsWithVllmsTokenCount) {
  const auto d = make_random_rerank_dataset(rerank_options(8, 3, 20), nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 3u);  // 8 documents, 3 per request: 3 + 3 + 2
  EXPECT_EQ(d->specs[0].documents.size(), 3u);
  EXPECT_EQ(d->specs[2].documents.size(), 2u);
  // The query takes half the input length less the separator (20 / 2 - 1 = 9 words), each
  // document the rest (20 - 9 - 1 = 10 words); a request counts (query + 1) per document.
  for (const auto& spec : d->specs) {
    EXPECT_EQ(spec.prompt, d->specs[0].prompt);  // one query for every request
    EXPECT_EQ(count_words(spec.prompt), 9);
    std::int64_t expected = 0;
    for (const auto& doc : spec.documents) {
      EXPECT_EQ(count_words(doc), 10);
      expected += 9 + 1 + count_words(doc);
    }
    EXPECT_EQ(spec.prompt_len, expected);
    EXPECT_EQ(spec.expected_output_len, 0);
  }
  const auto again = make_random_rerank_dataset(rerank_options(8, 3, 20), nullptr);
  EXPECT_EQ(again->specs[1].documents, d->specs[1].documents);  // the same seed, the same texts
}

TEST(RerankDataset, NoRerankerSendsTheQueryOncePerBatch) {
  auto o = rerank_options(8, 3, 6);
  o.no_reranker = true;
  const auto d = make_random_rerank_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  // vLLM: one document and one batch place fewer (7 documents, 2 per request).
  ASSERT_EQ(d->specs.size(), 4u);
  EXPECT_EQ(d->specs[0].documents.size(), 2u);
  EXPECT_EQ(d->specs[3].documents.size(), 1u);
  EXPECT_EQ(count_words(d->specs[0].prompt), 6);
  EXPECT_EQ(d->specs[0].prompt_len, 6 + 6 + 6);
}

TEST(RerankDataset, BadFlagsAreNamed) {
  auto o = rerank_options(8, 0, 20);
  EXPECT_NE(make_random_rerank_dataset(o, nullptr).error().message.find("--random-batch-size"), std::string::npos);
  o = rerank_options(8, 1, 20);
  o.no_reranker = true;
  EXPECT_NE(make_random_rerank_dataset(o, nullptr).error().message.find("--no-reranker"), std::string::npos);
  o = rerank_options(8, 2, 2);
  EXPECT_NE(make_random_rerank_dataset(o, nullptr).error().message.find("--random-input-len"), std::string::npos);
}

}  // namespace
}  // namespace llmload::workload
