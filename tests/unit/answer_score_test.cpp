// Answer scoring: the VQA test vectors of tests/data/vqa/vectors.jsonl (expected scores worked
// out by hand from vqaEval.py's rules), each normalization rule on its own, the other rules
// (exact, contains, regex, choice) and the --score parse errors.
#include "llmload/workload/answer_score.hpp"

#include "llmload/core/simdjson_dom.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace llmload::workload {
namespace {

struct VqaVector {
  std::string id;
  std::vector<std::string> answers;
  std::string model;
  std::string normalized;
  double expected = 0;
  std::string why;
};

std::vector<VqaVector> load_vectors() {
  std::ifstream in(std::string(LLMLOAD_TEST_DATA_DIR) + "/vqa/vectors.jsonl", std::ios::binary);
  std::vector<VqaVector> vectors;
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) {
      vectors.push_back({"unparsable line: " + line, {}, {}, {}, -1, {}});
      continue;
    }
    VqaVector v;
    v.id = std::string(doc["id"].get_string().value());
    for (auto a : core::as_array(doc["answers"].value())) v.answers.emplace_back(a.get_string().value());
    v.model = std::string(doc["model"].get_string().value());
    v.normalized = std::string(doc["normalized"].get_string().value());
    v.expected = doc["expected"].get_double().value();
    v.why = std::string(doc["why"].get_string().value());
    vectors.push_back(std::move(v));
  }
  return vectors;
}

TEST(AnswerScoreVqaVectorFile, HoldsAtLeastThirtyVectorsOfTenHumanAnswers) {
  const auto vectors = load_vectors();
  EXPECT_GE(vectors.size(), 30u);
  for (const auto& v : vectors) EXPECT_EQ(v.answers.size(), kVqaHumanAnswers) << v.id;
}

class AnswerScoreVqaVectors : public ::testing::TestWithParam<VqaVector> {};

TEST_P(AnswerScoreVqaVectors, MatchesTheHandComputedScore) {
  const VqaVector& v = GetParam();
  EXPECT_EQ(vqa_normalize(v.model), v.normalized) << v.why;
  EXPECT_NEAR(vqa_accuracy(v.model, v.answers), v.expected, 1e-9) << v.why;
  const ScoreSpec spec = parse_score_spec("vqa").value();
  EXPECT_NEAR(score(spec, v.model, v.answers), v.expected, 1e-9) << v.why;
}

INSTANTIATE_TEST_SUITE_P(AnswerScoreVqa, AnswerScoreVqaVectors, ::testing::ValuesIn(load_vectors()),
                         [](const ::testing::TestParamInfo<VqaVector>& info) {
                           std::string name;
                           for (char c : info.param.id) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

std::vector<std::string> repeat(std::initializer_list<std::pair<int, const char*>> groups) {
  std::vector<std::string> out;
  for (const auto& [count, text] : groups) out.insert(out.end(), static_cast<std::size_t>(count), text);
  return out;
}

TEST(AnswerScoreVqa, LeaveOneOutGivesTheFiveLevelsOfTenHumanAnswers) {
  // m of 10 humans agree with the answer: (m*min(1,(m-1)/3) + (10-m)*min(1,m/3)) / 10.
  const double want[] = {0.0, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  for (int m = 0; m <= 10; ++m) {
    const auto refs = repeat({{m, "cat"}, {10 - m, "dog"}});
    EXPECT_NEAR(vqa_accuracy("cat", refs), want[m], 1e-9) << m;
  }
}

TEST(AnswerScoreVqa, FewerThanTenReferencesIsANormalizedMatch) {
  const std::vector<std::string> refs = {"Two", "a couple"};
  EXPECT_EQ(vqa_accuracy("2", refs), 1.0);
  EXPECT_EQ(vqa_accuracy("couple.", refs), 1.0);
  EXPECT_EQ(vqa_accuracy("3", refs), 0.0);
  EXPECT_EQ(vqa_accuracy("2", std::vector<std::string>{}), 0.0);
}

TEST(AnswerScoreVqa, ReferencesAreNormalizedEvenWhenTheHumansAgree) {
  // vqaEval.py would compare "2" with the raw "Two" here and score 0 (it normalizes the
  // references only when they disagree); see vqa_accuracy()'s documentation.
  EXPECT_EQ(vqa_accuracy("2", repeat({{10, "Two"}})), 1.0);
  EXPECT_EQ(vqa_accuracy("dog", repeat({{10, "a dog"}})), 1.0);
}

TEST(AnswerScoreVqa, MoreThanTenReferencesStillTakeTheLeaveOneOutMean) {
  // 12 references, 1 match: 11 subsets hold it (1/3 each), 1 does not -> 11/3/12.
  EXPECT_NEAR(vqa_accuracy("cat", repeat({{1, "cat"}, {11, "dog"}})), 11.0 / 3.0 / 12.0, 1e-9);
}

TEST(AnswerScoreNormalize, FollowsEachRuleOfTheScript) {
  EXPECT_EQ(vqa_normalize("  Hello\tWorld\n"), "hello world");
  EXPECT_EQ(vqa_normalize("k;b=c+d\\e_f>g<h@i`j"), "k b c d e f g h i j");
  EXPECT_EQ(vqa_normalize("[x]{y}"), "x y");
  EXPECT_EQ(vqa_normalize("x ;y"), "x y");          // " ;" present: ';' deleted
  EXPECT_EQ(vqa_normalize("x; y"), "x y");          // "; " present: ';' deleted
  EXPECT_EQ(vqa_normalize("x;y; z"), "xy z");       // deleted everywhere once beside a space
  EXPECT_EQ(vqa_normalize("x-y 5,000"), "xy 5000");  // digit-comma-digit deletes all
  EXPECT_EQ(vqa_normalize("3.14 and 2."), "3.14 and 2");
  EXPECT_EQ(vqa_normalize("v1.2.3."), "v1.2.3");
  EXPECT_EQ(vqa_normalize("..5"), ".5");  // the first '.' is followed by '.', not a digit
  EXPECT_EQ(vqa_normalize("One two THREE four five six seven eight nine ten eleven"),
            "1 2 3 4 5 6 7 8 9 10 eleven");
  EXPECT_EQ(vqa_normalize("The an A dog"), "dog");
  EXPECT_EQ(vqa_normalize("whats theyre youve wont"), "what's they're you've won't");
  EXPECT_EQ(vqa_normalize("somebody'd"), "somebodyd");  // the script's table says so
  EXPECT_EQ(vqa_normalize("Im"), "im");  // its capitalized keys never match lower case
  EXPECT_EQ(vqa_normalize("x:y 'z'"), "x:y 'z'");  // ':' and '\'' are not punctuation
  EXPECT_EQ(vqa_normalize("caf\xC3\xA9\xE3\x80\x80ok"), "caf\xC3\xA9 ok");  // U+3000 splits
  EXPECT_EQ(vqa_normalize(""), "");
}

TEST(AnswerScoreNormalize, StripsAtMostThirtyTwoPeriodsLikeTheScript) {
  // re.sub's third argument is the count; the script passes re.UNICODE (32) there.
  EXPECT_EQ(vqa_normalize("x" + std::string(40, '.')), "x" + std::string(8, '.'));
}

TEST(AnswerScoreNormalize, IsIdempotentOnItsOwnOutput) {
  for (const char* text : {"The Two Cats!", "1,000 (approx.)", "dont / cant", "U.S.A. - 3.5"}) {
    const std::string once = vqa_normalize(text);
    EXPECT_EQ(vqa_normalize(once), once) << text;
  }
}

TEST(AnswerScoreExact, MatchesAnyReferenceAfterNormalization) {
  const ScoreSpec spec = parse_score_spec("exact").value();
  const std::vector<std::string> refs = {"Paris", "the city of Paris"};
  EXPECT_EQ(score(spec, "paris.", refs), 1.0);
  EXPECT_EQ(score(spec, "City of Paris", refs), 1.0);
  EXPECT_EQ(score(spec, "It is Paris", refs), 0.0);
  EXPECT_EQ(score(spec, "Paris", {}), 0.0);
}

TEST(AnswerScoreContains, FindsAReferenceAsWholeWords) {
  const ScoreSpec spec = parse_score_spec("contains").value();
  const std::vector<std::string> refs = {"two dogs", "Cat"};
  EXPECT_EQ(score(spec, "I see 2 dogs in the park.", refs), 1.0);
  EXPECT_EQ(score(spec, "A CAT!", refs), 1.0);
  EXPECT_EQ(score(spec, "concatenate", refs), 0.0);  // not inside a word
  EXPECT_EQ(score(spec, "2 dogsled", refs), 0.0);
  EXPECT_EQ(score(spec, "anything", std::vector<std::string>{"", "the"}), 0.0);  // empty never matches
}

TEST(AnswerScoreRegex, SearchesTheRawAnswerCaseSensitively) {
  const ScoreSpec spec = parse_score_spec("regex:answer is (yes|no)\\b").value();
  EXPECT_EQ(spec.kind, ScoreKind::kRegex);
  EXPECT_EQ(score_spec_text(spec), "regex:answer is (yes|no)\\b");
  EXPECT_FALSE(needs_references(spec));
  EXPECT_EQ(score(spec, "I think the answer is yes.", {}), 1.0);
  EXPECT_EQ(score(spec, "The Answer Is Yes", {}), 0.0);
  EXPECT_EQ(score(spec, "answer is yesterday", {}), 0.0);
  const ScoreSpec anchored = parse_score_spec("regex:^[0-9]+$").value();
  EXPECT_EQ(score(anchored, "42", {}), 1.0);
  EXPECT_EQ(score(anchored, "42 apples", {}), 0.0);
}

TEST(AnswerScoreRegex, RunsOnLongAnswersWithoutDeepRecursion) {
  // libstdc++'s default matcher recurses per character: this overflowed an 8 MiB stack at
  // 20 000 characters before the polynomial matcher was chosen.
  const ScoreSpec spec = parse_score_spec("regex:(a|c)*b").value();
  const std::string answer = std::string(200'000, 'a') + "b";
  EXPECT_EQ(score(spec, answer, {}), 1.0);
}

TEST(AnswerScoreChoice, PrefersAnAnswerMarkerThenTheFirstStandaloneLetter) {
  EXPECT_EQ(choice_letter("The answer is (B)."), 'B');
  EXPECT_EQ(choice_letter("B"), 'B');
  EXPECT_EQ(choice_letter("Final answer: **C**"), 'C');
  EXPECT_EQ(choice_letter("Option A is wrong; the correct option is D."), 'D');
  EXPECT_EQ(choice_letter("Answer:\n(E) a red car"), 'E');
  EXPECT_EQ(choice_letter("A cat sits on the mat, so C."), 'C');  // "A cat": the article
  EXPECT_EQ(choice_letter("A. A cat"), 'A');
  EXPECT_EQ(choice_letter("I'd pick D) because"), 'D');
  EXPECT_EQ(choice_letter("the answer is a cat"), std::nullopt);
  EXPECT_EQ(choice_letter("CAB and DEB, Fig. F"), std::nullopt);  // letters inside words; F is no option
  EXPECT_EQ(choice_letter("Dogs' B's"), std::nullopt);            // apostrophe binds the letter
  EXPECT_EQ(choice_letter(""), std::nullopt);
}

TEST(AnswerScoreChoice, ComparesWithTheReferenceLetter) {
  EXPECT_EQ(reference_letter("b"), 'B');
  EXPECT_EQ(reference_letter(" (C) "), 'C');
  EXPECT_EQ(reference_letter("D. a red car"), 'D');
  EXPECT_EQ(reference_letter("red car"), std::nullopt);
  const ScoreSpec spec = parse_score_spec("choice").value();
  EXPECT_EQ(score(spec, "The answer is (B).", std::vector<std::string>{"B"}), 1.0);
  EXPECT_EQ(score(spec, "The answer is (B).", std::vector<std::string>{"c"}), 0.0);
  EXPECT_EQ(score(spec, "no idea", std::vector<std::string>{"A"}), 0.0);
}

TEST(AnswerScoreReasoning, ScoresOnlyTheTextAfterTheThinking) {
  EXPECT_EQ(answer_without_reasoning("<think>A or B? B.</think>\n\nC"), "\n\nC");
  EXPECT_EQ(answer_without_reasoning("  <think>still thinking about A"), "");
  EXPECT_EQ(answer_without_reasoning("plain answer"), "plain answer");
}

TEST(AnswerScoreParse, AcceptsEveryRuleName) {
  for (const ScoreKind kind : {ScoreKind::kVqa, ScoreKind::kExact, ScoreKind::kContains, ScoreKind::kChoice}) {
    const auto spec = parse_score_spec(score_kind_name(kind));
    ASSERT_TRUE(spec) << score_kind_name(kind);
    EXPECT_EQ(spec->kind, kind);
    EXPECT_EQ(score_spec_text(*spec), score_kind_name(kind));
    EXPECT_TRUE(needs_references(*spec));
  }
}

TEST(AnswerScoreParse, RefusesUnknownNamesAndBadPatternsNamingThem) {
  const auto unknown = parse_score_spec("bleu");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("'bleu'"), std::string::npos) << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("regex:PATTERN"), std::string::npos);

  const auto bad = parse_score_spec("regex:answer (yes");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'answer (yes'"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("does not compile"), std::string::npos);

  const auto backref = parse_score_spec("regex:(a)\\1");
  ASSERT_FALSE(backref);
  EXPECT_NE(backref.error().message.find("back-references"), std::string::npos) << backref.error().message;

  EXPECT_FALSE(parse_score_spec("regex:"));
  EXPECT_FALSE(parse_score_spec("regex"));
  EXPECT_FALSE(parse_score_spec("VQA"));
  EXPECT_FALSE(parse_score_spec(""));
}

}  // namespace
}  // namespace llmload::workload
