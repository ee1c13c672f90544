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

}  // namespace
}  // namespace llmload::sim
