#include "llmload/api/request_builder.hpp"
#include "llmload/metrics/category_breakdown.hpp"
#include "llmload/workload/conversations.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace llmload::workload {
namespace {

std::vector<RequestSpec> numbered(std::size_t n) {
  std::vector<RequestSpec> specs(n);
  for (std::size_t i = 0; i < n; ++i) specs[i].prompt = "p" + std::to_string(i);
  return specs;
}

TEST(Conversations, ConsecutiveRequestsBecomeTurns) {
  auto specs = numbered(7);
  link_conversations(specs, 3, 250);
  const std::int32_t previous[] = {-1, 0, 1, -1, 3, 4, -1};
  const std::int32_t turn[] = {0, 1, 2, 0, 1, 2, 0};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(specs[i].previous_turn, previous[i]) << i;
    EXPECT_EQ(specs[i].turn, turn[i]) << i;
    EXPECT_EQ(specs[i].conversation, static_cast<std::int32_t>(i / 3)) << i;
    EXPECT_EQ(specs[i].think_time_ns, turn[i] == 0 ? 0 : 250) << i;
  }
  EXPECT_EQ(conversation_count(specs), 3u);  // the last one has a single turn
  auto single = numbered(3);
  link_conversations(single, 1, 250);
  for (const auto& s : single) EXPECT_EQ(s.previous_turn, -1);
  EXPECT_EQ(single[2].conversation, -1);
}

TEST(Conversations, OffsetsGoToFirstTurns) {
  auto specs = numbered(5);
  link_conversations(specs, 2, 0);
  const std::vector<core::Nanos> starts = {10, 20, 30};
  const auto offsets = conversation_offsets(specs, starts);
  ASSERT_TRUE(offsets);
  EXPECT_EQ(*offsets, (std::vector<core::Nanos>{10, 10, 20, 20, 30}));
  const std::vector<core::Nanos> too_few = {10};
  const auto refused = conversation_offsets(specs, too_few);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "3 conversations but only 1 send times");
}

TEST(Conversations, ChatBodyCarriesTheHistoryBeforeThePrompt) {
  RequestSpec spec;
  spec.prompt = "and now?";
  spec.expected_output_len = 4;
  api::BodyOptions options;
  options.model = "m";
  const api::ChatTurn history[] = {{"hi \"there\"", "hello"}, {"how are you", "fine"}};
  const auto doc = boost::json::parse(api::build_chat_body(spec, history, options)).as_object();
  const auto& messages = doc.at("messages").as_array();
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[0].at("role").as_string(), "user");
  EXPECT_EQ(messages[0].at("content").as_string(), "hi \"there\"");
  EXPECT_EQ(messages[1].at("role").as_string(), "assistant");
  EXPECT_EQ(messages[1].at("content").as_string(), "hello");
  EXPECT_EQ(messages[3].at("content").as_string(), "fine");
  EXPECT_EQ(messages[4].at("role").as_string(), "user");
  EXPECT_EQ(messages[4].at("content").at(0).at("text").as_string(), "and now?");
  EXPECT_EQ(doc.at("max_completion_tokens").as_int64(), 4);
  // Without history it is the ordinary chat body, byte for byte.
  EXPECT_EQ(api::build_chat_body(spec, {}, options), api::build_body(api::Flavor::kChat, spec, options));
}

TEST(Conversations, TurnBreakdownIsInTurnOrder) {
  auto specs = numbered(24);
  link_conversations(specs, 12, 0);
  std::vector<metrics::RequestRecord> records(specs.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].index = static_cast<std::uint32_t>(i);
    records[i].start_ns = 0;
    records[i].chunk_ns = {static_cast<core::Nanos>(1'000'000 * (i % 12 + 1))};
    records[i].usage_prompt_tokens = static_cast<std::int32_t>(100 * (i % 12 + 1));
  }
  const auto turns = metrics::turn_breakdown(records, specs);
  ASSERT_EQ(turns.size(), 12u);
  EXPECT_EQ(turns[1].category, "turn 2");  // not "turn 10"
  EXPECT_EQ(turns[11].category, "turn 12");
  EXPECT_EQ(turns[11].completed, 2);
  EXPECT_EQ(turns[11].input_tokens, 2400);
  EXPECT_DOUBLE_EQ(turns[11].ttft_ms.mean, 12.0);
  EXPECT_TRUE(metrics::category_breakdown(records, specs).empty());
  EXPECT_TRUE(metrics::turn_breakdown(records, numbered(24)).empty());
}

}  // namespace
}  // namespace llmload::workload
