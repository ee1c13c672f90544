// A run's answers scored against references, per category, and checked for degenerate output.
#include "llmload/metrics/answer_quality.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace llmload::metrics {
namespace {

RequestRecord record(std::uint32_t index, std::string text, std::string finish = "stop", bool ok = true) {
  RequestRecord r;
  r.index = index;
  r.outcome = ok ? Outcome::kOk : Outcome::kHttpStatus;
  r.generated_text = std::move(text);
  r.finish_reason = std::move(finish);
  return r;
}

workload::RequestSpec spec(std::vector<std::string> answers, std::string category) {
  workload::RequestSpec s;
  s.answers = std::move(answers);
  s.category = std::move(category);
  s.expected_output_len = 64;
  return s;
}

TEST(AnswerQuality, ScoresOverallAndPerCategoryAndSkipsFailuresAndUnreferenced) {
  const std::vector<workload::RequestSpec> specs{spec({"two"}, "count"), spec({"red"}, "color"),
                                                 spec({"blue"}, "color"), spec({}, "color")};
  const std::vector<RequestRecord> records{record(0, "2"), record(1, "Red."), record(2, "green"),
                                           record(3, "anything"), record(0, "", "stop", false)};
  const auto q = answer_quality(records, specs, workload::parse_score_spec("exact").value());
  EXPECT_EQ(q.score, "exact");
  EXPECT_EQ(q.overall.scored, 3);
  EXPECT_DOUBLE_EQ(q.overall.accuracy, 2.0 / 3.0);
  ASSERT_EQ(q.per_category.size(), 2u);
  EXPECT_EQ(q.per_category[0].category, "color");
  EXPECT_DOUBLE_EQ(q.per_category[0].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(q.per_category[1].accuracy, 1.0);
  ASSERT_EQ(q.scores.size(), 5u);
  EXPECT_EQ(q.scores[0], 1.0);
  EXPECT_TRUE(std::isnan(q.scores[3]));  // no references
  EXPECT_TRUE(std::isnan(q.scores[4]));  // failed
  EXPECT_EQ(q.checked, 4);
  EXPECT_EQ(q.degenerate, 0);
}

TEST(AnswerQuality, CountsDegenerateOutputsWithoutAScorer) {
  const std::vector<workload::RequestSpec> specs{spec({}, "")};
  std::string loop;
  for (int i = 0; i < 6; ++i) loop += "I will check this again and again and again. ";
  const std::vector<RequestRecord> records{record(0, "  "), record(0, "fine answer", "length"), record(0, loop),
                                           record(0, "a normal answer")};
  const auto q = answer_quality(records, specs, std::nullopt);
  EXPECT_EQ(q.score, "");
  EXPECT_EQ(q.overall.scored, 0);
  EXPECT_EQ(q.checked, 4);
  EXPECT_EQ(q.empty, 1);
  EXPECT_EQ(q.length_capped, 1);
  EXPECT_EQ(q.repetition_loop, 1);
  EXPECT_EQ(q.degenerate, 3);
}

}  // namespace
}  // namespace llmload::metrics
