#include "llmload/workload/random_dataset.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <set>
#include <sstream>

namespace llmload::workload {
namespace {

std::size_t word_count(const std::string& s) {
  std::istringstream in(s);
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

TEST(RandomDataset, ExactLengthsWithoutRangeRatio) {
  auto specs = make_random_dataset(20, {.input_len = 100, .output_len = 7, .seed = 1});
  ASSERT_TRUE(specs);
  ASSERT_EQ(specs->size(), 20u);
  for (const auto& s : *specs) {
    EXPECT_EQ(s.prompt_len, 100);
    EXPECT_EQ(word_count(s.prompt), 100u);  // the simulator's token count
    EXPECT_EQ(s.expected_output_len, 7);
    EXPECT_EQ(s.prompt.front() != ' ' && s.prompt.back() != ' ', true);
  }
}

TEST(RandomDataset, RangeRatioBoundsAreVllms) {
  // [floor(100·0.5), ceil(100·1.5)] = [50, 150]; output [floor(10·0.5), ceil(15)] = [5, 15].
  auto specs = make_random_dataset(2000, {.input_len = 100, .output_len = 10, .range_ratio = 0.5});
  ASSERT_TRUE(specs);
  std::set<int> inputs, outputs;
  for (const auto& s : *specs) {
    inputs.insert(s.prompt_len);
    outputs.insert(s.expected_output_len);
    EXPECT_EQ(word_count(s.prompt), static_cast<std::size_t>(s.prompt_len));
  }
  EXPECT_EQ(*inputs.begin(), 50);
  EXPECT_EQ(*inputs.rbegin(), 150);
  EXPECT_EQ(*outputs.begin(), 5);
  EXPECT_EQ(*outputs.rbegin(), 15);
}

TEST(RandomDataset, OutputLowerBoundIsOne) {
  auto specs = make_random_dataset(500, {.input_len = 4, .output_len = 1, .range_ratio = 0.9});
  ASSERT_TRUE(specs);
  for (const auto& s : *specs) EXPECT_GE(s.expected_output_len, 1);
}

TEST(RandomDataset, SharedPrefixIsCountedAndIdentical) {
  auto specs = make_random_dataset(5, {.input_len = 10, .output_len = 4, .prefix_len = 30});
  ASSERT_TRUE(specs);
  std::string prefix;
  {
    std::istringstream in((*specs)[0].prompt);
    for (int i = 0; i < 30; ++i) {
      std::string w;
      in >> w;
      prefix += (i ? " " : "") + w;
    }
  }
  for (const auto& s : *specs) {
    EXPECT_EQ(s.prompt_len, 40);
    EXPECT_EQ(word_count(s.prompt), 40u);
    EXPECT_EQ(s.prompt.rfind(prefix, 0), 0u);
  }
  EXPECT_NE((*specs)[0].prompt, (*specs)[1].prompt);
}

TEST(RandomDataset, SameSeedIsByteIdentical) {
  auto a = make_random_dataset(10, {.input_len = 50, .seed = 42});
  auto b = make_random_dataset(10, {.input_len = 50, .seed = 42});
  auto c = make_random_dataset(10, {.input_len = 50, .seed = 43});
  ASSERT_TRUE(a && b && c);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ((*a)[i].prompt, (*b)[i].prompt);
    EXPECT_NE((*a)[i].prompt, (*c)[i].prompt);
  }
}

TEST(RandomDataset, RejectsBadFlagsByName) {
  auto r = make_random_dataset(1, {.range_ratio = 1.0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--random-range-ratio"), std::string::npos);
  auto r2 = make_random_dataset(1, {.input_len = 0});
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("--random-input-len"), std::string::npos);
}

// A stand-in for a server's /tokenize: one token per word, two for words longer than five
// letters, plus one BOS token (as Llama-style tokenizers add).
std::int64_t fake_server_count(std::string_view text) {
  std::int64_t n = 1;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) n += w.size() > 5 ? 2 : 1;
  return n;
}

TEST(RandomDataset, ServerTokenizeMakesLengthsExact) {
  RandomDatasetOptions o;
  o.input_len = 40;
  o.output_len = 3;
  o.prefix_len = 6;
  o.range_ratio = 0.5;
  o.seed = 3;
  std::size_t calls = 0;
  const TokenCounter counter = [&](std::string_view text) -> core::Result<std::int64_t> {
    ++calls;
    return fake_server_count(text);
  };
  auto d = make_random_dataset(30, o, counter);
  ASSERT_TRUE(d) << d.error().message;
  auto words = make_random_dataset(30, o);
  ASSERT_TRUE(words);
  const std::string prefix = (*words)[0].prompt.substr(0, (*words)[0].prompt.find(' ', 0));
  std::size_t missed = 0;
  for (std::size_t i = 0; i < d->specs.size(); ++i) {
    const auto& s = d->specs[i];
    EXPECT_EQ(s.prompt_len, fake_server_count(s.prompt));  // the server's own count
    if (s.prompt_len != (*words)[i].prompt_len) ++missed;
    EXPECT_TRUE(s.prompt.starts_with(prefix));
  }
  // Multi-token words can make a target unreachable by whole words only rarely.
  EXPECT_LE(missed, 2u);
  EXPECT_GT(calls, d->specs.size());  // the word prompts were too long and were corrected
  EXPECT_NE(d->notes.front().find("made exact with the server's /tokenize"), std::string::npos);
  auto again = make_random_dataset(30, o, counter);
  ASSERT_TRUE(again);
  for (std::size_t i = 0; i < d->specs.size(); ++i) EXPECT_EQ(again->specs[i].prompt, d->specs[i].prompt);

  const TokenCounter broken = [](std::string_view) -> core::Result<std::int64_t> {
    return core::fail("POST /tokenize answered HTTP 404");
  };
  auto failed = make_random_dataset(3, o, broken);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "POST /tokenize answered HTTP 404");
}

TEST(RandomDataset, ServerTokenizeCountsOutOfRangeAreRefusedBeforeAnyArithmetic) {
  RandomDatasetOptions o;
  o.input_len = 40;
  o.output_len = 3;
  for (const std::int64_t hostile : {std::int64_t{-2000000}, std::numeric_limits<std::int64_t>::min(),
                                     std::int64_t{1000000000000000000}, std::numeric_limits<std::int64_t>::max()}) {
    std::size_t calls = 0;
    const TokenCounter counter = [&](std::string_view) -> core::Result<std::int64_t> {
      ++calls;
      return hostile;
    };
    auto d = make_random_dataset(3, o, counter);
    ASSERT_FALSE(d) << hostile;
    EXPECT_NE(d.error().message.find(fmt::format("POST /tokenize answered a count of {} for a prompt of", hostile)),
              std::string::npos)
        << d.error().message;
    EXPECT_EQ(calls, 1u);  // the prompt was never grown from it
  }
}

TEST(RandomDataset, WordListHasNoSpacesOrDuplicatesThatMatter) {
  for (auto w : builtin_words()) {
    EXPECT_FALSE(w.empty());
    EXPECT_EQ(w.find(' '), std::string_view::npos);
  }
  EXPECT_GT(builtin_words().size(), 400u);
}

}  // namespace
}  // namespace llmload::workload
