#include "llmload/runtime/chunk_tokens.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace llmload::runtime {
namespace {

// A character-level BPE: every printable ASCII character is one token, and "ab" merges.
tokenizer::Tokenizer char_tokenizer() {
  boost::json::object vocab{{"<unk>", 0}};
  for (char c = ' '; c <= '~'; ++c) vocab[std::string(1, c)] = static_cast<std::int64_t>(vocab.size());
  vocab["ab"] = static_cast<std::int64_t>(vocab.size());
  const boost::json::object j{
      {"added_tokens", boost::json::array{}}, {"normalizer", nullptr}, {"pre_tokenizer", nullptr},
      {"post_processor", nullptr}, {"decoder", nullptr},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", boost::json::array{"a b"}}, {"unk_token", "<unk>"}}}};
  return tokenizer::Tokenizer::from_json(boost::json::serialize(j), "chars.json").value();
}

metrics::RequestRecord streamed(std::vector<std::string> text_chunks, std::vector<std::string> reasoning_chunks) {
  metrics::RequestRecord r;
  for (std::size_t k = 0; k < text_chunks.size(); ++k) {
    r.chunk_ns.push_back(static_cast<core::Nanos>(k + 1) * 1'000'000);
    r.generated_text += text_chunks[k];
    r.reasoning_text += k < reasoning_chunks.size() ? reasoning_chunks[k] : "";
    r.chunk_text_end.push_back({static_cast<std::uint32_t>(r.generated_text.size()),
                                static_cast<std::uint32_t>(r.reasoning_text.size())});
  }
  return r;
}

TEST(ChunkTokens, EachChunksTextIsCountedOnItsOwn) {
  const auto t = char_tokenizer();
  std::vector<metrics::RequestRecord> records;
  // Chat's role-only first chunk has no text: 0 tokens. "ab" merges: 1 token; " ab!" 3.
  records.push_back(streamed({"", "ab", " ab!", "xy"}, {}));
  // Reasoning text counts too.
  records.push_back(streamed({"", "ok"}, {"think", ""}));
  // Counts from the server's continuous usage are kept.
  records.push_back(streamed({"a", "b"}, {}));
  records.back().chunk_tokens = {1, 1};
  // Failed requests and records without offsets are left alone.
  records.push_back(streamed({"abc"}, {}));
  records.back().outcome = metrics::Outcome::kHttpStatus;
  records.push_back(streamed({"abc"}, {}));
  records.back().chunk_text_end.clear();
  EXPECT_EQ(count_chunk_tokens(records, t), 2u);
  EXPECT_EQ(records[0].chunk_tokens, (std::vector<std::int32_t>{0, 1, 3, 2}));
  EXPECT_EQ(records[1].chunk_tokens, (std::vector<std::int32_t>{5, 2}));
  EXPECT_EQ(records[2].chunk_tokens, (std::vector<std::int32_t>{1, 1}));
  EXPECT_TRUE(records[3].chunk_tokens.empty());
  EXPECT_TRUE(records[4].chunk_tokens.empty());
}

TEST(ChunkTokens, InconsistentOffsetsFillNothing) {
  const auto t = char_tokenizer();
  std::vector<metrics::RequestRecord> records{streamed({"ab", "cd"}, {})};
  records[0].chunk_text_end[1][0] = 99;  // past the text
  EXPECT_EQ(count_chunk_tokens(records, t), 0u);
  EXPECT_TRUE(records[0].chunk_tokens.empty());
}

}  // namespace
}  // namespace llmload::runtime
