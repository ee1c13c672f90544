#pragma once
// Replaying captured responses in pieces (Beast test::stream style: split at every offset,
// one byte at a time, seeded random pieces), for the response recorder's and the HTTP response
// reader's tests. Each piece is stamped with the offset of its end, so a chunk's arrival stamp
// says which piece completed it.
#include "llmload/core/rng.hpp"
#include "llmload/metrics/request_record.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

namespace llmload::runtime::testing {

/// Where each piece ends (ascending; the last is the input's size).
using Ends = std::vector<std::size_t>;

inline Ends whole(std::size_t n) { return {n}; }
inline Ends split_at(std::size_t k, std::size_t n) { return {k, n}; }
inline Ends bytewise(std::size_t n) {
  Ends ends;
  for (std::size_t i = 1; i <= n; ++i) ends.push_back(i);
  return ends;
}
inline Ends random_pieces(std::size_t n, std::uint64_t seed, std::int64_t max_piece) {
  core::Rng rng(seed, "response-split");
  Ends ends;
  for (std::size_t at = 0; at < n;) {
    at = std::min(n, at + static_cast<std::size_t>(rng.uniform_int(0, max_piece)));  // empty pieces too
    ends.push_back(at);
  }
  if (ends.empty()) ends.push_back(0);
  return ends;
}

/// Everything a record says that must not depend on how the response was split: all of it but
/// the arrival stamps (chunk_ns, end_ns). Receive delays are kept as the send stamps they imply.
struct Facts {
  std::size_t chunks = 0;
  std::vector<std::int32_t> chunk_tokens;
  std::vector<std::array<std::uint32_t, 2>> chunk_text_end;
  std::vector<core::Nanos> server_send_ns;
  std::string generated_text, reasoning_text, finish_reason, error;
  std::int32_t usage_prompt_tokens = -1, usage_completion_tokens = -1, http_status = 0;
  metrics::Outcome outcome = metrics::Outcome::kOk;
  bool saw_done = false;

  bool operator==(const Facts&) const = default;
  friend void PrintTo(const Facts& f, std::ostream* os) {
    *os << "{outcome=" << metrics::outcome_name(f.outcome) << " status=" << f.http_status
        << " chunks=" << f.chunks << " tokens=" << ::testing::PrintToString(f.chunk_tokens)
        << " usage=" << f.usage_prompt_tokens << "/" << f.usage_completion_tokens
        << " done=" << f.saw_done << " finish=" << ::testing::PrintToString(f.finish_reason)
        << " text=" << ::testing::PrintToString(f.generated_text)
        << " reasoning=" << ::testing::PrintToString(f.reasoning_text)
        << " error=" << ::testing::PrintToString(f.error) << "}";
  }
};

inline Facts facts(const metrics::RequestRecord& r) {
  Facts f;
  f.chunks = r.chunk_ns.size();
  f.chunk_tokens = r.chunk_tokens;
  f.chunk_text_end = r.chunk_text_end;
  for (std::size_t i = 0; i < r.receive_delay_ns.size() && i < r.chunk_ns.size(); ++i) {
    f.server_send_ns.push_back(r.chunk_ns[i] - r.receive_delay_ns[i]);
  }
  f.generated_text = r.generated_text;
  f.reasoning_text = r.reasoning_text;
  f.finish_reason = r.finish_reason;
  f.error = r.error;
  f.usage_prompt_tokens = r.usage_prompt_tokens;
  f.usage_completion_tokens = r.usage_completion_tokens;
  f.http_status = r.http_status;
  f.outcome = r.outcome;
  f.saw_done = r.saw_done;
  return f;
}

/// The stamps a split must give: with one-byte pieces each chunk carries the offset just past
/// the byte that completed it (`completed_at`); in any split it carries the end of the piece
/// holding that byte.
inline std::vector<core::Nanos> expected_stamps(const std::vector<core::Nanos>& completed_at, const Ends& ends) {
  std::vector<core::Nanos> stamps;
  for (const core::Nanos at : completed_at) {
    std::size_t piece = 0;
    while (piece + 1 < ends.size() && static_cast<core::Nanos>(ends[piece]) < at) ++piece;
    stamps.push_back(static_cast<core::Nanos>(ends[piece]));
  }
  return stamps;
}

/// Runs `replay(ends)` (returning a RequestRecord) whole, split at every offset, one byte at a
/// time and in seeded random pieces; every way must give the one-byte run's facts and stamps.
/// Returns the one-byte run's record.
template <class Replay>
metrics::RequestRecord expect_every_split(std::size_t size, Replay&& replay) {
  const metrics::RequestRecord reference = replay(bytewise(size));
  const Facts want = facts(reference);
  auto check = [&](const Ends& ends, const std::string& how) {
    const metrics::RequestRecord got = replay(ends);
    EXPECT_EQ(facts(got), want) << how;
    EXPECT_EQ(got.chunk_ns, expected_stamps(reference.chunk_ns, ends)) << how;
  };
  check(whole(size), "whole");
  for (std::size_t k = 0; k <= size && !::testing::Test::HasFailure(); ++k) {
    check(split_at(k, size), "split at " + std::to_string(k));  // one failing offset is enough to read
  }
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    check(random_pieces(size, seed, 1 + static_cast<std::int64_t>(seed) * 13), "random pieces, seed " + std::to_string(seed));
  }
  return reference;
}

inline std::string read_test_file(const std::string& relative) {
  const std::string path = std::string(LLMLOAD_TEST_DATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// One SSE event per payload ("data: <payload>\n\n").
inline std::string sse_stream(const std::vector<std::string>& payloads) {
  std::string out;
  for (const auto& p : payloads) out += "data: " + p + "\n\n";
  return out;
}

}  // namespace llmload::runtime::testing
