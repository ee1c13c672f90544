// The simulator's answers mode: the key's settings, its right and wrong answers, and the
// seeded right/wrong draws (their rate, per category and after a timed change).

#include "llmload/sim/answer_key.hpp"
#include "llmload/sim/chunk_writer.hpp"
#include "llmload/workload/answer_score.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace llmload::sim {
namespace {

using namespace std::chrono_literals;

std::string joined(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

GenerationRequest asking(std::string question, std::int64_t max_tokens = 16, bool ignore_eos = false) {
  GenerationRequest r;
  r.question = std::move(question);
  r.max_tokens = max_tokens;
  r.ignore_eos = ignore_eos;
  return r;
}

std::vector<AnswerKey::Line> twenty_questions() {
  std::vector<AnswerKey::Line> lines;
  for (int i = 0; i < 20; ++i) {
    lines.push_back({"question " + std::to_string(i), i < 10 ? "animals" : "colors",
                     {"answer " + std::to_string(i)}});
  }
  return lines;
}

TEST(SimAnswerKey, ParsesAccuracyByCategoryAndRefusesBadLists) {
  const auto ok = parse_accuracy_by_category("animals=0.9, colors = 0.25");
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].first, "animals");
  EXPECT_DOUBLE_EQ((*ok)[0].second, 0.9);
  EXPECT_EQ((*ok)[1].first, "colors");
  EXPECT_DOUBLE_EQ((*ok)[1].second, 0.25);
  EXPECT_NE(parse_accuracy_by_category("animals").error().message.find("CATEGORY=P"), std::string::npos);
  EXPECT_NE(parse_accuracy_by_category("a=1.5").error().message.find("probability"), std::string::npos);
  EXPECT_NE(parse_accuracy_by_category("a=0.5,a=0.6").error().message.find("twice"), std::string::npos);
  EXPECT_NE(parse_accuracy_by_category("=0.5").error().message.find("CATEGORY=P"), std::string::npos);
}

TEST(SimAnswerKey, ParsesTimedChangesAndRefusesBadOnes) {
  const auto ok = parse_accuracy_changes("5s=0.2,1m=0.9");
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].after, 5s);
  EXPECT_DOUBLE_EQ((*ok)[0].accuracy, 0.2);
  EXPECT_EQ((*ok)[1].after, 60s);
  EXPECT_NE(parse_accuracy_changes("5=0.2").error().message.find("unit"), std::string::npos);
  EXPECT_NE(parse_accuracy_changes("5s=0.2,2s=0.3").error().message.find("increase"), std::string::npos);
  EXPECT_NE(parse_accuracy_changes("5s").error().message.find("TIME=P"), std::string::npos);
  std::string many;
  for (int i = 1; i <= 17; ++i) many += (many.empty() ? "" : ",") + std::to_string(i) + "s=0.5";
  EXPECT_NE(parse_accuracy_changes(many).error().message.find("more than 16"), std::string::npos);
}

TEST(SimAnswerKey, RightAnswerIsTheMostCommonReferenceAndTheWrongOneMatchesNone) {
  const std::vector<std::string> refs = {"Two", "2", "two dogs", "three", "two", "2", "2", "3", "two.", "zebra"};
  AnswerSettings settings;
  settings.accuracy = 1.0;
  const auto key = AnswerKey::from_lines({{"  How many dogs?\n", "", refs}}, settings);
  ASSERT_TRUE(key) << key.error().message;
  const auto* e = (*key)->find("How many dogs?");
  ASSERT_NE(e, nullptr);
  // "Two", "2", "two", "2", "2", "two." all normalize to "2": the first of them is sent.
  EXPECT_EQ(e->right, "Two");
  EXPECT_DOUBLE_EQ(workload::vqa_accuracy(e->right, refs), 1.0);
  EXPECT_DOUBLE_EQ(workload::vqa_accuracy(e->wrong, refs), 0.0);
  const workload::ScoreSpec contains{workload::ScoreKind::kContains, {}, {}};
  EXPECT_DOUBLE_EQ(workload::score(contains, e->wrong, refs), 0.0);
  // A reference that is one of the usual wrong answers is avoided.
  const std::vector<std::string> taken = {"purple giraffe", "xylophone"};
  const auto avoid = AnswerKey::from_lines({{"q", "", taken}}, settings);
  ASSERT_TRUE(avoid) << avoid.error().message;
  EXPECT_DOUBLE_EQ(workload::score(contains, (*avoid)->find("q")->wrong, taken), 0.0);
}

TEST(SimAnswerKey, AnswersEndTheResponseUnlessIgnoreEosAndAreJsonEscaped) {
  AnswerSettings settings;
  const auto key = AnswerKey::from_lines({{"say it", "", {"a \"quoted\" word"}}}, settings);
  ASSERT_TRUE(key) << key.error().message;
  auto r = asking("say it");
  ASSERT_TRUE((*key)->answer(r, 0s));
  EXPECT_EQ(joined(r.answer_tokens), "a \\\"quoted\\\" word");
  EXPECT_EQ(r.max_tokens, 3);
  EXPECT_TRUE(r.stop);
  EXPECT_EQ(response_token(r, 3), token_text(3));

  auto forced = asking("say it", 16, true);
  ASSERT_TRUE((*key)->answer(forced, 0s));
  EXPECT_EQ(forced.max_tokens, 16);
  EXPECT_FALSE(forced.stop);

  auto capped = asking("say it", 2);
  ASSERT_TRUE((*key)->answer(capped, 0s));
  EXPECT_EQ(capped.max_tokens, 2);  // cut by max_tokens: finish_reason stays "length"
  EXPECT_FALSE(capped.stop);

  auto other = asking("not in the file");
  EXPECT_FALSE((*key)->answer(other, 0s));
  EXPECT_TRUE(other.answer_tokens.empty());
  EXPECT_EQ(other.max_tokens, 16);
}

// 2,000 asks of 20 questions at P = 0.7, 0.4 for one category: each rate within 3 binomial
// standard deviations; then a timed change to 0.1.
TEST(SimAnswerKey, RightAnswersComeAtTheConfiguredRatePerCategoryAndAfterAChange) {
  AnswerSettings settings;
  settings.accuracy = 0.7;
  settings.by_category = {{"colors", 0.4}};
  settings.changes = {{10s, 0.1}};
  settings.seed = 7;
  const auto key = AnswerKey::from_lines(twenty_questions(), settings);
  ASSERT_TRUE(key) << key.error().message;
  auto rate = [&](int first, std::chrono::nanoseconds at) {
    int right = 0, n = 0;
    for (int round = 0; round < 100; ++round) {
      for (int q = first; q < first + 10; ++q) {
        auto r = asking("question " + std::to_string(q));
        EXPECT_TRUE((*key)->answer(r, at));
        right += joined(r.answer_tokens) == "answer " + std::to_string(q) ? 1 : 0;
        ++n;
      }
    }
    return static_cast<double>(right) / n;
  };
  const double sd7 = std::sqrt(0.7 * 0.3 / 1000), sd4 = std::sqrt(0.4 * 0.6 / 1000), sd1 = std::sqrt(0.1 * 0.9 / 1000);
  EXPECT_NEAR(rate(0, 0s), 0.7, 3 * sd7);
  EXPECT_NEAR(rate(10, 9s), 0.4, 3 * sd4);
  EXPECT_NEAR(rate(0, 10s), 0.1, 3 * sd1);
  EXPECT_NEAR(rate(10, 20s), 0.1, 3 * sd1);
}

TEST(SimAnswerKey, SameSeedGivesTheSameAnswersWhateverTheOrder) {
  AnswerSettings settings;
  settings.accuracy = 0.5;
  settings.seed = 3;
  const auto a = AnswerKey::from_lines(twenty_questions(), settings).value();
  const auto b = AnswerKey::from_lines(twenty_questions(), settings).value();
  std::vector<std::string> forward, backward(20);
  for (int q = 0; q < 20; ++q) {
    auto r = asking("question " + std::to_string(q));
    a->answer(r, 0s);
    forward.push_back(joined(r.answer_tokens));
  }
  for (int q = 19; q >= 0; --q) {
    auto r = asking("question " + std::to_string(q));
    b->answer(r, 0s);
    backward[static_cast<std::size_t>(q)] = joined(r.answer_tokens);
  }
  EXPECT_EQ(forward, backward);
}

TEST(SimAnswerKey, BadFilesAndSettingsNameTheFileAndLine) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmload-answer-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "a.jsonl").string();
  std::ofstream(path) << "{\"prompt\": \"q1\", \"answers\": [\"yes\"]}\n{\"prompt\": \"q2\", \"answers\": 5}\n";
  AnswerSettings settings;
  settings.path = path;
  const auto bad = AnswerKey::load(settings);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find(path + ":2:"), std::string::npos) << bad.error().message;

  std::ofstream(path) << "{\"prompt\": \"q1\"}\n";
  const auto none = AnswerKey::load(settings);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no line has both"), std::string::npos) << none.error().message;

  std::ofstream(path) << "{\"prompt\": \"q1\", \"answers\": \"yes\", \"category\": \"a\"}\n{\"prompt\": \"q2\"}\n";
  settings.by_category = {{"b", 0.5}};
  const auto unknown = AnswerKey::load(settings);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("no question has the category 'b'"), std::string::npos);
  settings.by_category.clear();
  const auto ok = AnswerKey::load(settings);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->questions(), 1u);
  EXPECT_EQ((*ok)->without_references(), 1u);

  std::ofstream(path) << "{\"prompt\": \"q1\", \"answers\": [\"" << std::string(kMaxAnswerBytes + 1, 'x') << "\"]}\n";
  const auto huge = AnswerKey::load(settings);
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find(path + ":1: an answer of"), std::string::npos) << huge.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace llmload::sim
