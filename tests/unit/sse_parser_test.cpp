#include "llmload/sse/sse_parser.hpp"

#include "llmload/core/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace llmload::sse {
namespace {

using namespace std::string_literals;

// An event copied out of the callback (the parser's views die with the callback).
struct Got {
  std::string type, data, id;
  bool operator==(const Got&) const = default;
  friend void PrintTo(const Got& g, std::ostream* os) {
    *os << "{type=" << ::testing::PrintToString(g.type) << " id=" << ::testing::PrintToString(g.id)
        << " data=" << ::testing::PrintToString(g.data) << "}";
  }
};

// Everything observable about parsing one stream.
struct Outcome {
  std::vector<Got> events;
  std::string error;  // empty: every feed succeeded
  bool truncated = false;
  std::optional<std::uint64_t> retry_ms;
};

using Pieces = std::vector<std::string>;

// Feeds each piece from its own buffer and scribbles over that buffer afterwards, so a view
// kept past the feed that produced it shows up as corrupted data.
Outcome run(const Pieces& pieces, std::size_t cap = kDefaultMaxEventBytes) {
  Parser parser(cap);
  Outcome out;
  for (const auto& piece : pieces) {
    std::string buffer = piece;
    auto fed = parser.feed(buffer, [&](const Event& e) {
      out.events.push_back({std::string(e.type), std::string(e.data), std::string(e.id)});
    });
    std::fill(buffer.begin(), buffer.end(), '#');
    if (!fed) {
      out.error = fed.error().message;
      break;
    }
  }
  out.truncated = parser.finish();
  out.retry_ms = parser.retry_ms();
  return out;
}

Pieces whole(const std::string& s) { return {s}; }

Pieces split_at(const std::string& s, std::size_t k) { return {s.substr(0, k), s.substr(k)}; }

Pieces bytewise(const std::string& s) {
  Pieces p;
  for (char c : s) p.emplace_back(1, c);
  return p;
}

Pieces random_pieces(const std::string& s, std::uint64_t seed, std::int64_t max_piece) {
  core::Rng rng(seed, "sse-split");
  Pieces p;
  for (std::size_t i = 0; i < s.size();) {
    const auto n = static_cast<std::size_t>(rng.uniform_int(0, max_piece));  // empty feeds too
    p.push_back(s.substr(i, n));
    i += n;
  }
  return p;
}

void expect_same(const Outcome& got, const Outcome& want, const std::string& how) {
  EXPECT_EQ(got.events, want.events) << how;
  EXPECT_EQ(got.error, want.error) << how;
  EXPECT_EQ(got.truncated, want.truncated) << how;
  EXPECT_EQ(got.retry_ms, want.retry_ms) << how;
}

// Runs `input` whole, split at every offset into two feeds, one byte at a time and in seeded
// random pieces; every way must give `want`.
void expect_every_split(const std::string& input, const Outcome& want,
                        std::size_t cap = kDefaultMaxEventBytes) {
  expect_same(run(whole(input), cap), want, "whole");
  for (std::size_t k = 0; k <= input.size(); ++k) {
    expect_same(run(split_at(input, k), cap), want, "split at " + std::to_string(k));
    if (::testing::Test::HasFailure()) return;  // one failing offset is enough to read
  }
  expect_same(run(bytewise(input), cap), want, "one byte at a time");
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    expect_same(run(random_pieces(input, seed, 1 + static_cast<std::int64_t>(seed) * 7), cap),
                want, "random pieces, seed " + std::to_string(seed));
  }
}

std::string random_text(std::size_t n, std::uint64_t seed) {
  core::Rng rng(seed, "sse-text");
  std::string s(n, ' ');
  for (auto& c : s) c = static_cast<char>(rng.uniform_int(0x20, 0x7E));  // no CR or LF
  return s;
}

// ---- golden captures -------------------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// X.events format: '#' comment lines and '!key=value' lines (retry_ms, truncated), then per
// event a header line "== type=T id=I" followed by its data lines (joined with '\n').
Outcome load_expected(const std::string& text) {
  Outcome want;
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const auto stop = nl == std::string::npos ? text.size() : nl;
    lines.push_back(text.substr(start, stop - start));
    start = stop + 1;
  }
  std::vector<std::vector<std::string>> data_lines;
  for (const auto& line : lines) {
    if (want.events.empty() && line.starts_with("#")) continue;
    if (want.events.empty() && line.starts_with("!retry_ms=")) {
      want.retry_ms = std::stoull(line.substr(10));
    } else if (want.events.empty() && line.starts_with("!truncated=")) {
      want.truncated = line.substr(11) == "true";
    } else if (line.starts_with("== type=")) {
      const auto id_at = line.find(" id=");
      EXPECT_NE(id_at, std::string::npos) << line;
      want.events.push_back({line.substr(8, id_at - 8), "", line.substr(id_at + 4)});
      data_lines.emplace_back();
    } else {
      EXPECT_FALSE(data_lines.empty()) << "data line before the first event header: " << line;
      if (!data_lines.empty()) data_lines.back().push_back(line);
    }
  }
  for (std::size_t i = 0; i < want.events.size(); ++i) {
    std::string joined;
    for (std::size_t j = 0; j < data_lines[i].size(); ++j) {
      if (j != 0) joined.push_back('\n');
      joined += data_lines[i][j];
    }
    want.events[i].data = joined;
  }
  return want;
}

class SseCapture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string base = std::string(LLMLOAD_TEST_DATA_DIR) + "/sse/" + GetParam();
    input_ = read_file(base + ".sse");
    want_ = load_expected(read_file(base + ".events"));
    ASSERT_FALSE(input_.empty());
    ASSERT_FALSE(want_.events.empty());
  }
  std::string input_;
  Outcome want_;
};

TEST_P(SseCapture, Whole) { expect_same(run(whole(input_)), want_, "whole"); }

TEST_P(SseCapture, SplitAtEveryOffset) {
  for (std::size_t k = 0; k <= input_.size(); ++k) {
    expect_same(run(split_at(input_, k)), want_, "split at " + std::to_string(k));
    if (HasFailure()) return;
  }
}

TEST_P(SseCapture, OneByteAtATime) { expect_same(run(bytewise(input_)), want_, "bytewise"); }

TEST_P(SseCapture, RandomPieces) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    expect_same(run(random_pieces(input_, seed, static_cast<std::int64_t>(seed * 13))), want_,
                "seed " + std::to_string(seed));
  }
}

TEST_P(SseCapture, OneReadPerEvent) {
  // Pieces that end right after each blank line, as one TCP read per server flush.
  Pieces pieces;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < input_.size(); ++i) {
    if (input_[i] == '\n' && input_[i + 1] == '\n') {
      pieces.push_back(input_.substr(start, i + 2 - start));
      start = i + 2;
    }
  }
  pieces.push_back(input_.substr(start));
  expect_same(run(pieces), want_, "per event");
}

INSTANTIATE_TEST_SUITE_P(Captures, SseCapture,
                         ::testing::Values("vllm_completions", "vllm_chat", "sglang_completions",
                                           "openai_crlf_keepalive", "event_id_retry",
                                           "tgi_generate_stream", "bom_mixed_line_ends"),
                         [](const auto& info) { return info.param; });

// ---- one rule per case, each under every split -----------------------------------------------

struct RuleCase {
  std::string name;
  std::string input;
  std::vector<Got> events;
  bool truncated = false;
  std::optional<std::uint64_t> retry_ms;
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

class SseRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(SseRule, SameUnderEverySplit) {
  const auto& c = GetParam();
  expect_every_split(c.input, Outcome{c.events, "", c.truncated, c.retry_ms});
}

Got msg(std::string data, std::string id = "") { return {"", std::move(data), std::move(id)}; }

INSTANTIATE_TEST_SUITE_P(
    Rules, SseRule,
    ::testing::Values(
        // line ends
        RuleCase{"lf", "data: a\n\n", {msg("a")}},
        RuleCase{"cr", "data: a\r\r", {msg("a")}},
        RuleCase{"crlf", "data: a\r\n\r\n", {msg("a")}},
        RuleCase{"crlf_is_one_line_end", "data: a\r\ndata: b\r\n\r\n", {msg("a\nb")}},
        RuleCase{"lf_then_cr_is_two", "data: a\n\rdata: b\r\n\n", {msg("a"), msg("b")}},
        RuleCase{"cr_cr_lf", "data: a\r\r\ndata: b\n\n", {msg("a"), msg("b")}},
        RuleCase{"mixed_in_one_event", "data: a\rdata: b\ndata: c\r\n\r", {msg("a\nb\nc")}},
        RuleCase{"lone_cr_at_end", "data: a\n\r", {msg("a")}},
        // byte order mark
        RuleCase{"bom_skipped", "\xEF\xBB\xBF" "data: a\n\n", {msg("a")}},
        RuleCase{"bom_then_blank_line", "\xEF\xBB\xBF\n" "data: a\n\n", {msg("a")}},
        RuleCase{"second_bom_is_content", "\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\n", {}},
        RuleCase{"bom_prefix_is_content", "\xEF\xBB" "data: a\n\n", {}},
        RuleCase{"bom_first_byte_is_content", "\xEF" "data: a\n\n", {}},
        RuleCase{"bom_prefix_alone_is_pending", "\xEF\xBB", {}, true},
        RuleCase{"bom_alone_is_nothing", "\xEF\xBB\xBF", {}, false},
        RuleCase{"bom_later_is_data", "data: a\n\n\xEF\xBB\xBF" "data: b\n\n", {msg("a")}},
        RuleCase{"bom_inside_value", "data:\xEF\xBB\xBF\n\n", {msg("\xEF\xBB\xBF")}},
        // comments
        RuleCase{"comment_then_blank_dispatches_nothing", ": ping\n\n", {}},
        RuleCase{"comments_inside_event", ": a\ndata: x\n:\ndata: y\n: b\n\n", {msg("x\ny")}},
        RuleCase{"comment_with_crlf", ": keep-alive\r\n\r\ndata: x\r\n\r\n", {msg("x")}},
        // data
        RuleCase{"multi_line", "data: a\ndata: b\ndata: c\n\n", {msg("a\nb\nc")}},
        RuleCase{"empty_lines_in_data", "data:\ndata: b\ndata:\n\n", {msg("\nb\n")}},
        RuleCase{"data_without_colon", "data\n\n", {msg("")}},
        RuleCase{"data_without_colon_twice", "data\ndata\n\n", {msg("\n")}},
        RuleCase{"data_colon_nothing", "data:\n\n", {msg("")}},
        RuleCase{"data_colon_space_nothing", "data: \n\n", {msg("")}},
        RuleCase{"no_space", "data:a\n\n", {msg("a")}},
        RuleCase{"space_stripped_once", "data:  a\n\n", {msg(" a")}},
        RuleCase{"tab_not_stripped", "data:\ta\n\n", {msg("\ta")}},
        RuleCase{"trailing_space_kept", "data: a \n\n", {msg("a ")}},
        RuleCase{"colon_in_value", "data: {\"a\":1}\n\n", {msg("{\"a\":1}")}},
        RuleCase{"colon_first_in_value", "data::x\n\n", {msg(":x")}},
        RuleCase{"nul_in_data", "data: a\0b\n\n"s, {msg("a\0b"s)}},
        RuleCase{"several_events_one_read", "data: 1\n\ndata: 2\n\ndata: 3\n\n",
                 {msg("1"), msg("2"), msg("3")}},
        RuleCase{"blank_lines_between", "\n\n\ndata: 1\n\n\n\ndata: 2\n\n", {msg("1"), msg("2")}},
        // field names
        RuleCase{"unknown_fields_ignored", "foo: bar\ndata: a\nfoo\n\n", {msg("a")}},
        RuleCase{"names_case_sensitive", "Data: a\nDATA: b\ndata: c\n\n", {msg("c")}},
        RuleCase{"space_before_colon_is_another_name", "data : a\n\n", {}},
        RuleCase{"long_unknown_name", "dataevent: a\nretryid\n\n", {}},
        // event type
        RuleCase{"event_type", "event: add\ndata: a\n\n", {{"add", "a", ""}}},
        RuleCase{"event_type_not_sticky", "event: add\ndata: a\n\ndata: b\n\n",
                 {{"add", "a", ""}, msg("b")}},
        RuleCase{"last_event_field_wins", "event: a\nevent: b\ndata: x\n\n", {{"b", "x", ""}}},
        RuleCase{"event_without_colon_is_default", "event: a\nevent\ndata: x\n\n", {msg("x")}},
        RuleCase{"blank_without_data_resets_type", "event: a\n\ndata: x\n\n", {msg("x")}},
        RuleCase{"event_alone_dispatches_nothing", "event: a\n\n", {}},
        // id
        RuleCase{"id_persists", "id: 5\ndata: a\n\ndata: b\n\n", {msg("a", "5"), msg("b", "5")}},
        RuleCase{"id_set_without_dispatch", "id: 9\n\ndata: a\n\n", {msg("a", "9")}},
        RuleCase{"id_cleared_by_bare_id", "id: 5\ndata: a\n\nid\ndata: b\n\n",
                 {msg("a", "5"), msg("b", "")}},
        RuleCase{"id_cleared_by_empty_value", "id: 5\ndata: a\n\nid:\ndata: b\n\n",
                 {msg("a", "5"), msg("b", "")}},
        RuleCase{"id_with_nul_ignored", "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"s,
                 {msg("a", "1"), msg("b", "1")}},
        RuleCase{"id_space_stripped_once", "id:  7\ndata: a\n\n", {msg("a", " 7")}},
        // retry
        RuleCase{"retry_digits", "retry: 1500\n", {}, true, 1500},
        RuleCase{"retry_last_valid_wins", "retry: 1500\nretry: 15x\nretry: 20\n\n", {}, false, 20},
        RuleCase{"retry_non_digits_ignored", "retry: 1.5\nretry: -1\nretry: +3\nretry: 1e3\n\n",
                 {}, false, std::nullopt},
        RuleCase{"retry_empty_ignored", "retry:\nretry\nretry: \n\n", {}, false, std::nullopt},
        RuleCase{"retry_two_spaces_ignored", "retry:  100\n\n", {}, false, std::nullopt},
        RuleCase{"retry_leading_zeros", "retry: 007\n\n", {}, false, 7},
        RuleCase{"retry_max_u64", "retry: 18446744073709551615\n\n", {}, false,
                 18446744073709551615ull},
        RuleCase{"retry_overflow_ignored", "retry: 18446744073709551616\n\n", {}, false,
                 std::nullopt},
        RuleCase{"retry_does_not_touch_event", "data: a\nretry: 10\n\n", {msg("a")}, false, 10},
        // end of stream
        RuleCase{"empty_stream", "", {}, false},
        RuleCase{"trailing_partial_line", "data: a\n\ndata: b", {msg("a")}, true},
        RuleCase{"trailing_event_without_blank_line", "data: a\n\ndata: b\n", {msg("a")}, true},
        RuleCase{"trailing_comment_counts_as_pending", "data: a\n\n: c\n", {msg("a")}, true},
        RuleCase{"trailing_cr_complete", "data: a\r\r", {msg("a")}, false}),
    [](const ::testing::TestParamInfo<RuleCase>& info) { return info.param.name; });

TEST(SseParser, CrAtEndOfFeedAndLfAtStartOfNextAreOneLineEnd) {
  Parser parser;
  std::vector<std::string> got;
  auto collect = [&](const Event& e) { got.emplace_back(e.data); };
  ASSERT_TRUE(parser.feed("data: a\r", collect));
  ASSERT_TRUE(parser.feed("\n", collect));  // must not be read as a blank line
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(parser.feed("data: b\r", collect));
  ASSERT_TRUE(parser.feed("", collect));  // an empty read keeps the pending CR
  ASSERT_TRUE(parser.feed("\n\r", collect));
  ASSERT_TRUE(parser.feed("\n", collect));
  EXPECT_EQ(got, std::vector<std::string>{"a\nb"});
  EXPECT_FALSE(parser.finish());
}

TEST(SseParser, BomSplitAcrossFeeds) {
  Parser parser;
  std::vector<std::string> got;
  auto collect = [&](const Event& e) { got.emplace_back(e.data); };
  ASSERT_TRUE(parser.feed("\xEF", collect));
  ASSERT_TRUE(parser.feed("\xBB", collect));
  ASSERT_TRUE(parser.feed("\xBF" "data", collect));
  ASSERT_TRUE(parser.feed(": x\n\n", collect));
  EXPECT_EQ(got, std::vector<std::string>{"x"});
}

// The line-end scan is vectorised in 16- and 32-byte blocks with overlapping tails; every line
// length and every terminator position relative to a block and to the end of the read must
// give the same lines.
TEST(SseParser, LineEndsAtEveryLengthAndBlockPosition) {
  for (std::size_t n = 0; n <= 140; ++n) {
    const std::string a = random_text(n, n);
    const std::string b = random_text(n % 37, n + 1000);
    for (const char* term : {"\n", "\r", "\r\n"}) {
      const std::string input = "data: " + a + term + term + "data: " + b + term + term;
      const Outcome want{{msg(a), msg(b)}, "", false, {}};
      expect_same(run(whole(input)), want, "n=" + std::to_string(n));
      for (const std::size_t k : {std::size_t{1}, std::size_t{7}, n / 2, n + 3, n + 5,
                                  input.size() - 1}) {
        expect_same(run(split_at(input, std::min(k, input.size()))), want,
                    "n=" + std::to_string(n) + " split at " + std::to_string(k));
      }
    }
    if (HasFailure()) return;
  }
}

// ---- zero copy -------------------------------------------------------------------------------

bool inside(std::string_view view, const std::string& buffer) {
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

TEST(SseParser, SingleDataLineInsideTheFeedIsNotCopied) {
  Parser parser;
  const std::string read = "data: {\"a\":1}\n\ndata: [DONE]\r\n\r\n";
  int n = 0;
  ASSERT_TRUE(parser.feed(read, [&](const Event& e) {
    EXPECT_TRUE(inside(e.data, read)) << e.data;
    ++n;
  }));
  EXPECT_EQ(n, 2);
}

TEST(SseParser, MultiLineAndSplitEventsAreBuffered) {
  Parser parser;
  const std::string multi = "data: a\ndata: b\n\n";
  ASSERT_TRUE(parser.feed(multi, [&](const Event& e) {
    EXPECT_EQ(e.data, "a\nb");
    EXPECT_FALSE(inside(e.data, multi));
  }));
  const std::string first = "data: xy";
  const std::string second = "z\n\n";
  int n = 0;
  ASSERT_TRUE(parser.feed(first, [&](const Event&) { ++n; }));
  ASSERT_TRUE(parser.feed(second, [&](const Event& e) {
    EXPECT_EQ(e.data, "xyz");
    ++n;
  }));
  EXPECT_EQ(n, 1);
  // A complete data line whose blank line comes in the next read is copied before feed returns.
  std::string line = "data: kept\n";
  ASSERT_TRUE(parser.feed(line, [&](const Event&) { ++n; }));
  std::fill(line.begin(), line.end(), '#');
  ASSERT_TRUE(parser.feed("\n", [&](const Event& e) {
    EXPECT_EQ(e.data, "kept");
    ++n;
  }));
  EXPECT_EQ(n, 2);
}

// ---- the cap ---------------------------------------------------------------------------------

// The message feed() returns when `what` goes over `cap` (its exact text is pinned below).
std::string cap_message(const std::string& what, std::size_t cap) {
  return what + " exceeds the cap of " + std::to_string(cap) +
         " bytes; raise the cap with --max-sse-event-bytes (for example --max-sse-event-bytes=" +
         std::to_string(cap * 4) + ") if the server legitimately sends events this large";
}

Outcome cap_error(std::vector<Got> events, std::size_t cap, bool truncated,
                  const std::string& what = "an SSE event's data") {
  return Outcome{std::move(events), cap_message(what, cap), truncated, std::nullopt};
}

TEST(SseParserCap, MessageNamesTheCapAndTheFlag) {
  Parser parser(1000);
  auto fed = parser.feed("data: " + std::string(1001, 'x') + "\n\n", [](const Event&) {
    ADD_FAILURE() << "no event may be dispatched";
  });
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().message,
            "an SSE event's data exceeds the cap of 1000 bytes; raise the cap with "
            "--max-sse-event-bytes (for example --max-sse-event-bytes=4000) if the server "
            "legitimately sends events this large");
  EXPECT_TRUE(parser.failed());
}

TEST(SseParserCap, DefaultIs16MiB) {
  EXPECT_EQ(kDefaultMaxEventBytes, 16u * 1024 * 1024);
  Parser parser;
  EXPECT_EQ(parser.max_event_bytes(), 16u * 1024 * 1024);
}

TEST(SseParserCap, ExactlyTheCapPassesOneMoreFails) {
  constexpr std::size_t kCap = 24;
  const std::string at_cap(kCap, 'a');
  expect_every_split("data: " + at_cap + "\n\n", Outcome{{msg(at_cap)}, "", false, {}}, kCap);
  expect_every_split("data: " + at_cap + "b\n\ndata: c\n\n",
                     cap_error({}, kCap, true), kCap);
  // The optional space after the colon is not data; a second space is.
  expect_every_split("data:  " + at_cap + "\n\n", cap_error({}, kCap, true), kCap);
  // Multi-line: 11 + '\n' + 12 = 24 bytes joined.
  const std::string joined = std::string(11, 'x') + "\n" + std::string(12, 'y');
  expect_every_split("data: " + std::string(11, 'x') + "\ndata:" + std::string(12, 'y') + "\n\n",
                     Outcome{{msg(joined)}, "", false, {}}, kCap);
  expect_every_split("data: " + std::string(11, 'x') + "\ndata:" + std::string(13, 'y') + "\n\n",
                     cap_error({}, kCap, true), kCap);
  // 24 empty data lines join to 23 newlines; 26 to 25.
  std::string many;
  for (int i = 0; i < 24; ++i) many += "data\n";
  expect_every_split(many + "\n", Outcome{{msg(std::string(23, '\n'))}, "", false, {}}, kCap);
  expect_every_split(many + "data\ndata\n\n", cap_error({}, kCap, true), kCap);
}

TEST(SseParserCap, EventsBeforeTheOversizeOneAreDispatched) {
  constexpr std::size_t kCap = 16;
  expect_every_split("data: ok\n\nid: 3\ndata: " + std::string(17, 'z') + "\n\ndata: never\n\n",
                     cap_error({msg("ok")}, kCap, true), kCap);
  // Unterminated oversize value at the end of the stream fails as well, whatever the split.
  expect_every_split("data: ok\n\ndata: " + std::string(17, 'z'),
                     cap_error({msg("ok")}, kCap, true), kCap);
}

TEST(SseParserCap, FieldValuesAreCapped) {
  constexpr std::size_t kCap = 8;
  const std::string v8(8, 'v');
  const std::string v9(9, 'v');
  expect_every_split("event: " + v8 + "\nid: " + v8 + "\nretry: 12345678\ndata: x\n\n",
                     Outcome{{{v8, "x", v8}}, "", false, 12345678}, kCap);
  expect_every_split("event: " + v9 + "\ndata: x\n\n",
                     cap_error({}, kCap, true, "an SSE 'event:' field value"), kCap);
  expect_every_split("id: " + v9 + "\ndata: x\n\n",
                     cap_error({}, kCap, true, "an SSE 'id:' field value"), kCap);
  expect_every_split("retry: 123456789\n\n",
                     cap_error({}, kCap, true, "an SSE 'retry:' field value"), kCap);
}

TEST(SseParserCap, CommentsAndUnknownFieldsAreSkippedNotBuffered) {
  constexpr std::size_t kCap = 8;
  const std::string big(100, 'c');
  expect_every_split(":" + big + "\nfoo: " + big + "\n" + big + "\ndata: x\n\n",
                     Outcome{{msg("x")}, "", false, {}}, kCap);
}

TEST(SseParserCap, StaysFailedUntilReset) {
  Parser parser(4);
  int n = 0;
  auto count = [&](const Event&) { ++n; };
  ASSERT_FALSE(parser.feed("data: 12345\n\n", count));
  auto again = parser.feed("data: ok\n\n", count);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("--max-sse-event-bytes"), std::string::npos);
  EXPECT_EQ(n, 0);
  parser.reset();
  EXPECT_FALSE(parser.failed());
  ASSERT_TRUE(parser.feed("data: ok\n\n", count));
  EXPECT_EQ(n, 1);
}

// ---- large events ----------------------------------------------------------------------------


void check_large_event(std::size_t size, std::uint64_t seed) {
  const std::string payload = random_text(size, seed);
  const std::string stream = "data: a\n\ndata: " + payload + "\n\ndata: [DONE]\n\n";
  const Outcome want{{msg("a"), msg(payload), msg("[DONE]")}, "", false, {}};
  expect_same(run(whole(stream)), want, "whole");
  core::Rng rng(seed, "sse-large-splits");
  for (int round = 0; round < 20; ++round) {
    // Two random split points, then realistic 16 KiB and tiny reads.
    auto a = static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(stream.size())));
    auto b = static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(stream.size())));
    if (a > b) std::swap(a, b);
    expect_same(run({stream.substr(0, a), stream.substr(a, b - a), stream.substr(b)}), want,
                "split at " + std::to_string(a) + "," + std::to_string(b));
  }
  expect_same(run(random_pieces(stream, seed, 16 * 1024)), want, "random reads up to 16 KiB");
  expect_same(run(random_pieces(stream, seed, 7)), want, "random reads up to 7 bytes");
}

TEST(SseParserLarge, OneMiBEvent) { check_large_event(1024 * 1024, 1); }

TEST(SseParserLarge, FiveMiBEvent) { check_large_event(5 * 1024 * 1024, 5); }

TEST(SseParserLarge, FiveMiBMultiLineEvent) {
  std::string stream;
  std::string want;
  for (int i = 0; i < 5 * 1024; ++i) {
    const std::string line = random_text(1023, static_cast<std::uint64_t>(i));
    stream += "data: " + line + "\r\n";
    if (i != 0) want.push_back('\n');
    want += line;
  }
  stream += "\r\n";
  expect_same(run(random_pieces(stream, 3, 64 * 1024)), Outcome{{msg(want)}, "", false, {}},
              "random reads up to 64 KiB");
}

TEST(SseParserLarge, CapOfExactlyTheEventSize) {
  const std::string payload = random_text(1024 * 1024, 2);
  const std::string stream = "data: " + payload + "\n\n";
  expect_same(run(random_pieces(stream, 9, 4096), payload.size()),
              Outcome{{msg(payload)}, "", false, {}}, "cap = size");
  const auto too_big = run(random_pieces(stream, 9, 4096), payload.size() - 1);
  EXPECT_TRUE(too_big.events.empty());
  EXPECT_NE(too_big.error.find("cap of 1048575 bytes"), std::string::npos) << too_big.error;
}

// ---- finish and reset ------------------------------------------------------------------------

TEST(SseParser, FinishReportsAndDiscardsThePendingEvent) {
  Parser parser;
  int n = 0;
  auto count = [&](const Event&) { ++n; };
  ASSERT_TRUE(parser.feed("id: 4\nretry: 50\ndata: done\n\ndata: partial", count));
  EXPECT_EQ(n, 1);
  EXPECT_TRUE(parser.finish());
  EXPECT_FALSE(parser.finish());  // already discarded
  EXPECT_EQ(parser.last_event_id(), "4");
  EXPECT_EQ(parser.retry_ms(), 50u);
}

TEST(SseParser, ResetStartsANewStream) {
  Parser parser;
  std::vector<Got> got;
  auto collect = [&](const Event& e) {
    got.push_back({std::string(e.type), std::string(e.data), std::string(e.id)});
  };
  // Leave every kind of state behind: BOM consumed, id, retry, type, data, partial line, CR.
  ASSERT_TRUE(
      parser.feed("\xEF\xBB\xBFid: 1\nretry: 9\nevent: t\ndata: x\ndata: partial\r", collect));
  parser.reset();
  EXPECT_EQ(parser.retry_ms(), std::nullopt);
  EXPECT_EQ(parser.last_event_id(), "");
  // The new stream may start with a BOM again, and the old stream's trailing CR must not
  // swallow this stream's first LF (a blank line, which dispatches nothing).
  ASSERT_TRUE(parser.feed("\xEF\xBB\xBF\ndata: y\n\n", collect));
  EXPECT_EQ(got, (std::vector<Got>{msg("y")}));
  EXPECT_FALSE(parser.finish());

  // Also mid-line and mid-BOM.
  parser.reset();
  ASSERT_TRUE(parser.feed("\xEF\xBB", collect));
  parser.reset();
  ASSERT_TRUE(parser.feed("data: z\n\n", collect));
  EXPECT_EQ(got, (std::vector<Got>{msg("y"), msg("z")}));
}

TEST(SseParser, ReusedAcrossManyStreams) {
  Parser parser;
  for (int i = 0; i < 100; ++i) {
    std::vector<std::string> got;
    ASSERT_TRUE(parser.feed("data: a\ndata: " + std::to_string(i) + "\n\ndata: t",
                            [&](const Event& e) { got.emplace_back(e.data); }));
    EXPECT_TRUE(parser.finish());
    parser.reset();
    EXPECT_EQ(got, std::vector<std::string>{"a\n" + std::to_string(i)});
  }
}

TEST(SseParser, CopiesKeepIndependentState) {
  Parser a;
  ASSERT_TRUE(a.feed("id: 1\ndata: x", [](const Event&) {}));
  Parser b = a;
  auto describe = [](std::string& out) {
    return [&out](const Event& e) { out = std::string(e.data) + "/" + std::string(e.id); };
  };
  std::string from_a, from_b;
  ASSERT_TRUE(a.feed("\n\n", describe(from_a)));
  ASSERT_TRUE(b.feed("y\n\n", describe(from_b)));
  EXPECT_EQ(from_a, "x/1");
  EXPECT_EQ(from_b, "xy/1");
}

}  // namespace
}  // namespace llmload::sse
