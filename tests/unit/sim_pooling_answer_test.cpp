// The simulator's pooling endpoints: request parsing and the answer's shape per endpoint.
#include "llmload/sim/pooling_answer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <cmath>

namespace llmload::sim {
namespace {

namespace json = boost::json;

TEST(SimPoolingAnswer, CountsEveryInputKind) {
  auto one = parse_pooling_request(api::Flavor::kEmbeddings, R"({"model":"m","input":"a b  c"})", "m");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->prompt_tokens, 3);
  EXPECT_EQ(one->inputs.size(), 1u);
  auto many = parse_pooling_request(api::Flavor::kEmbeddings, R"({"input":["a b","c"]})", "m");
  ASSERT_TRUE(many);
  EXPECT_EQ(many->prompt_tokens, 3);
  EXPECT_EQ(many->inputs.size(), 2u);
  auto ids = parse_pooling_request(api::Flavor::kPooling, R"({"truncate_prompt_tokens":-1,"input":[1,2,3,4]})", "m");
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->prompt_tokens, 4);
  auto id_lists = parse_pooling_request(api::Flavor::kPooling, R"({"input":[[1,2],[3]]})", "m");
  ASSERT_TRUE(id_lists);
  EXPECT_EQ(id_lists->prompt_tokens, 3);
  EXPECT_EQ(id_lists->inputs.size(), 2u);
}

TEST(SimPoolingAnswer, RejectsBadBodiesWithTheField) {
  const auto status = [](std::string_view body) {
    auto r = parse_pooling_request(api::Flavor::kEmbeddings, body, "m");
    return r ? 200 : r.error().status;
  };
  EXPECT_EQ(status("not json"), 400);
  EXPECT_EQ(status(R"({"model":"m"})"), 400);
  EXPECT_EQ(status(R"({"input":[]})"), 400);
  EXPECT_EQ(status(R"({"input":[{"x":1}]})"), 400);
  EXPECT_EQ(status(R"({"input":[["a"]]})"), 400);
  EXPECT_EQ(status(R"({"model":"other","input":"x"})"), 404);
  auto error = parse_pooling_request(api::Flavor::kEmbeddings, R"({"model":"m"})", "m");
  EXPECT_EQ(error.error().message, "'input' is required.");
}

TEST(SimPoolingAnswer, AnswersUnitVectorsInTheEndpointsShape) {
  auto r = parse_pooling_request(api::Flavor::kEmbeddings, R"({"input":["a b","c","a b"]})", "m");
  ASSERT_TRUE(r);
  const auto v = json::parse(pooling_answer_body(*r, "m", "embd-1", 7));
  EXPECT_EQ(v.at("object").as_string(), "list");
  EXPECT_EQ(v.at("model").as_string(), "m");
  EXPECT_EQ(v.at("usage").at("prompt_tokens").as_int64(), 5);
  EXPECT_EQ(v.at("usage").at("completion_tokens").as_int64(), 0);
  const auto& data = v.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  for (const auto& item : data) {
    const auto& vec = item.at("embedding").as_array();
    ASSERT_EQ(vec.size(), kSimEmbeddingDims);
    double norm = 0;
    for (const auto& x : vec) norm += x.to_number<double>() * x.to_number<double>();
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
  }
  EXPECT_EQ(data[0].at("embedding"), data[2].at("embedding"));  // same input, same vector
  EXPECT_NE(data[0].at("embedding"), data[1].at("embedding"));

  r->flavor = api::Flavor::kPooling;
  const auto pooled = json::parse(pooling_answer_body(*r, "m", "pool-1", 7));
  EXPECT_EQ(pooled.at("data").at(0).at("object").as_string(), "pooling");
  EXPECT_EQ(pooled.at("data").at(0).at("data"), data[0].at("embedding"));
  r->flavor = api::Flavor::kInfinityEmbeddings;
  const auto infinity = json::parse(pooling_answer_body(*r, "m", "embd-2", 7));
  EXPECT_FALSE(infinity.at("usage").as_object().contains("completion_tokens"));
}

TEST(SimPoolingAnswer, RerankCountsEachPairAndAnswersByRelevance) {
  auto r = parse_pooling_request(api::Flavor::kRerank,
                                 R"({"model":"m","query":"what is it","documents":["a b","c d e","f"],"truncate_prompt_tokens":-1})",
                                 "m");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt_tokens, 3 * (3 + 1) + 2 + 3 + 1);  // (query + separator) per document, and the documents
  ASSERT_EQ(r->documents.size(), 3u);
  const auto v = json::parse(pooling_answer_body(*r, "m", "rerank-1", 7));
  EXPECT_EQ(v.at("id").as_string(), "rerank-1");
  EXPECT_EQ(v.at("usage").at("prompt_tokens").as_int64(), r->prompt_tokens);
  EXPECT_EQ(v.at("usage").at("total_tokens").as_int64(), r->prompt_tokens);
  const auto& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  std::vector<bool> seen(3, false);
  double previous = 2;
  for (const auto& item : results) {
    const auto index = static_cast<std::size_t>(item.at("index").as_int64());
    ASSERT_LT(index, 3u);
    seen[index] = true;
    EXPECT_EQ(item.at("document").at("text").as_string(), r->documents[index]);
    const double score = item.at("relevance_score").to_number<double>();
    EXPECT_GT(score, 0.0);
    EXPECT_LT(score, 1.0);
    EXPECT_LE(score, previous);  // highest first
    previous = score;
  }
  EXPECT_EQ(seen, std::vector<bool>(3, true));
  const auto status = [](std::string_view body) {
    auto p = parse_pooling_request(api::Flavor::kRerank, body, "m");
    return p ? 200 : p.error().status;
  };
  EXPECT_EQ(status(R"({"documents":["a"]})"), 400);
  EXPECT_EQ(status(R"({"query":"q","documents":[]})"), 400);
  EXPECT_EQ(status(R"({"query":"q","documents":[1]})"), 400);
  EXPECT_EQ(status(R"({"model":"x","query":"q","documents":["a"]})"), 404);
}

TEST(SimPoolingAnswer, ScorePairsTextsOneToManyOrOneToOne) {
  auto one = parse_pooling_request(api::Flavor::kEmbeddings, R"({"text_1":"q r","text_2":["a","b c"]})", "m", {}, true);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->prompt_tokens, (2 + 1 + 1) + (2 + 1 + 2));
  const auto v = json::parse(pooling_answer_body(*one, "m", "score-1", 7));
  EXPECT_EQ(v.at("object").as_string(), "list");
  ASSERT_EQ(v.at("data").as_array().size(), 2u);
  EXPECT_EQ(v.at("data").at(1).at("index").as_int64(), 1);
  EXPECT_EQ(v.at("data").at(1).at("object").as_string(), "score");
  EXPECT_EQ(v.at("usage").at("completion_tokens").as_int64(), 0);
  auto pairs = parse_pooling_request(api::Flavor::kEmbeddings, R"({"text_1":["a","b"],"text_2":["c","d"]})", "m", {}, true);
  ASSERT_TRUE(pairs);
  EXPECT_EQ(pairs->prompt_tokens, 6);
  auto mismatch = parse_pooling_request(api::Flavor::kEmbeddings, R"({"text_1":["a","b"],"text_2":["c"]})", "m", {}, true);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().status, 400);
}

TEST(SimPoolingAnswer, ChatEmbeddingsCountTheMessages) {
  auto r = parse_pooling_request(
      api::Flavor::kEmbeddings,
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a b c"}]}],"truncate_prompt_tokens":-1})",
      "m");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt_tokens, 3);
  EXPECT_EQ(r->inputs.size(), 1u);
  auto bad = parse_pooling_request(
      api::Flavor::kEmbeddings,
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]})", "m");
  ASSERT_FALSE(bad);  // the simulator cannot fetch: a 400 naming the part
  EXPECT_EQ(bad.error().status, 400);
}

}  // namespace
}  // namespace llmload::sim
