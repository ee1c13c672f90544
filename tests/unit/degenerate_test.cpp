// Degenerate outputs: empty answers, the length cap (by finish_reason or by token counts) and
// repetition loops over words and, for text without spaces, over code points.
#include "llmload/workload/degenerate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace llmload::workload {
namespace {

std::string times(const std::string& text, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += text;
  return out;
}

TEST(Degenerate, HealthyOutputHasNoFlag) {
  const DegenerateCheck check = check_degenerate({"The cat sits on the mat.", "", "stop", 7, 256});
  EXPECT_FALSE(check.empty);
  EXPECT_FALSE(check.length_capped);
  EXPECT_FALSE(check.repetition_loop);
  EXPECT_FALSE(check.any());
}

TEST(Degenerate, EmptyMeansNoNonSpaceAnswerText) {
  EXPECT_TRUE(check_degenerate({"", "", "stop"}).empty);
  EXPECT_TRUE(check_degenerate({" \n\t\xC2\xA0\xE3\x80\x80", "", "stop"}).empty);  // NBSP, U+3000
  EXPECT_TRUE(check_degenerate({"", "long reasoning but no answer", "length"}).empty);
  EXPECT_FALSE(check_degenerate({".", "", "stop"}).empty);
  EXPECT_TRUE(check_degenerate({"", "", "stop"}).any());
}

TEST(Degenerate, LengthCapFromFinishReasonOrTokenCounts) {
  EXPECT_TRUE(check_degenerate({"x", "", "length", 10, 100}).length_capped);
  EXPECT_FALSE(check_degenerate({"x", "", "stop", 100, 100}).length_capped);  // the server says why
  EXPECT_TRUE(check_degenerate({"x", "", "", 100, 100}).length_capped);
  EXPECT_FALSE(check_degenerate({"x", "", "", 99, 100}).length_capped);
  EXPECT_FALSE(check_degenerate({"x", "", "", 100, -1}).length_capped);  // no cap sent
  EXPECT_FALSE(check_degenerate({"x", "", "", -1, 100}).length_capped);  // no usage sent
}

TEST(Degenerate, APhraseOfEightWordsFourTimesIsALoop) {
  const std::string phrase = "I am not sure what the answer is. ";
  EXPECT_FALSE(has_repetition_loop(times(phrase, 3)));
  EXPECT_TRUE(has_repetition_loop(times(phrase, 4)));
  EXPECT_TRUE(has_repetition_loop("Let me think. " + times(phrase, 5) + "I"));
  // A longer period repeats too: a 20-word paragraph said 4 times.
  const std::string para = "one two three four five six seven eight nine ten "
                           "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty ";
  EXPECT_FALSE(has_repetition_loop(times(para, 3)));
  EXPECT_TRUE(has_repetition_loop(times(para, 4)));
}

TEST(Degenerate, OverlappingOccurrencesCount) {
  EXPECT_FALSE(has_repetition_loop(times("no ", 10)));  // the 8-gram occurs 3 times
  EXPECT_TRUE(has_repetition_loop(times("no ", 11)));   // 4 times
}

TEST(Degenerate, OrdinaryProseIsNoLoop) {
  const std::string prose =
      "The quick brown fox jumps over the lazy dog. The lazy dog does not move. "
      "Then the fox jumps over the lazy dog again, and the dog finally wakes up and barks at "
      "the fox, who runs into the forest where the other foxes live. The quick brown fox is "
      "quick, the lazy dog is lazy, and the forest is dark and quiet at night.";
  EXPECT_FALSE(has_repetition_loop(prose));
  EXPECT_FALSE(has_repetition_loop(""));
  EXPECT_FALSE(has_repetition_loop("one two three"));
}

TEST(Degenerate, TextWithoutSpacesIsCheckedByCodePoints) {
  // "I don't know what the answer is." in Chinese: 10 code points, no space.
  const std::string sentence =
      "\xE6\x88\x91\xE4\xB8\x8D\xE7\x9F\xA5\xE9\x81\x93\xE7\xAD\x94"
      "\xE6\xA1\x88\xE6\x98\xAF\xE4\xBB\x80\xE4\xB9\x88\xE3\x80\x82";
  EXPECT_FALSE(has_repetition_loop(times(sentence, 3)));
  EXPECT_TRUE(has_repetition_loop(times(sentence, 4)));
  EXPECT_TRUE(has_repetition_loop(times("ha", 30)));
  EXPECT_FALSE(has_repetition_loop("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
}

TEST(Degenerate, LoopInTheReasoningCounts) {
  const DegenerateCheck check =
      check_degenerate({"B", times("Wait, let me reconsider the options once more. ", 6), "stop"});
  EXPECT_TRUE(check.repetition_loop);
  EXPECT_FALSE(check.empty);
}

TEST(Degenerate, OnlyTheTailOfAVeryLongTextIsExamined) {
  std::string text = times("again and again and again and again ", 4);  // a loop at the start
  for (std::size_t i = 0; i < kLoopMaxUnits; ++i) text += "w" + std::to_string(i) + ' ';
  EXPECT_FALSE(has_repetition_loop(text));
  EXPECT_TRUE(has_repetition_loop(text + times("stuck in a loop for ever and ever now ", 4)));
}

}  // namespace
}  // namespace llmload::workload
