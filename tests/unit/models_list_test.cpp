// The first model of a /v1/models answer, range-checked (a server's answer is untrusted).
#include "llmload/api/models_list.hpp"

#include <gtest/gtest.h>

namespace llmload::api {
namespace {

TEST(ModelsList, FirstIdOfAWellFormedAnswer) {
  const auto id = first_model_id(R"({"object":"list","data":[{"id":"Qwen/Qwen3-8B"},{"id":"b"}]})");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "Qwen/Qwen3-8B");
}

TEST(ModelsList, HostileEntriesAreRefusedWithAReason) {
  EXPECT_EQ(first_model_id("not json").error().message, "did not list a model");
  EXPECT_EQ(first_model_id(R"({"data":[]})").error().message, "did not list a model");
  EXPECT_EQ(first_model_id(R"({"data":[{"id":7}]})").error().message, "did not list a model");
  EXPECT_EQ(first_model_id(R"({"data":[{"id":""}]})").error().message, "listed a model id of 0 bytes (expected 1..1024)");
  const std::string long_id = R"({"data":[{"id":")" + std::string(5000, 'a') + R"("}]})";
  EXPECT_EQ(first_model_id(long_id).error().message, "listed a model id of 5000 bytes (expected 1..1024)");
  EXPECT_EQ(first_model_id(R"({"data":[{"id":"a\r\nX-Injected: 1"}]})").error().message,
            "listed a model id with a control character");
  EXPECT_EQ(first_model_id(R"({"data":[{"id":"a\u0000b"}]})").error().message,
            "listed a model id with a control character");
}

}  // namespace
}  // namespace llmload::api
