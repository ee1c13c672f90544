#include "llmload/api/trace_context.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace llmload::api {
namespace {

TEST(TraceContext, HeaderIsW3cTraceparentWithNonZeroIds) {
  const auto parents = make_trace_parents(0, "traceparent", 3);
  ASSERT_EQ(parents.size(), 3u);
  for (const auto& p : parents) {
    const std::string header(p.header());
    ASSERT_EQ(header.size(), 55u);
    EXPECT_EQ(header.substr(0, 3), "00-");
    EXPECT_EQ(header.substr(3, 32), to_hex(p.trace_id));
    EXPECT_EQ(header[35], '-');
    EXPECT_EQ(header.substr(36, 16), to_hex(p.parent_id));
    EXPECT_EQ(header.substr(52), "-01");
    TraceId trace{};
    SpanId parent{};
    ASSERT_TRUE(parse_traceparent(header, trace, parent)) << header;
    EXPECT_EQ(trace, p.trace_id);
    EXPECT_EQ(parent, p.parent_id);
  }
}

TEST(TraceContext, UniquePerRequestAndReproducibleFromTheSeed) {
  const auto a = make_trace_parents(42, "traceparent", 20000);
  const auto b = make_trace_parents(42, "traceparent", 20000);
  const auto other_seed = make_trace_parents(43, "traceparent", 1);
  const auto warmup = make_trace_parents(42, "traceparent-warmup", 1);
  std::set<std::string> traces, spans;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].header(), b[i].header());
    traces.insert(to_hex(a[i].trace_id));
    spans.insert(to_hex(a[i].parent_id));
  }
  EXPECT_EQ(traces.size(), a.size());
  EXPECT_EQ(spans.size(), a.size());
  EXPECT_NE(other_seed[0].trace_id, a[0].trace_id);
  EXPECT_EQ(traces.count(to_hex(warmup[0].trace_id)), 0u);
}

TEST(TraceContext, ParseRejectsWhatW3cRejects) {
  TraceId t{};
  SpanId s{};
  const std::string good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  EXPECT_TRUE(parse_traceparent(good, t, s));
  EXPECT_EQ(to_hex(t), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(to_hex(s), "b7ad6b7169203331");
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01", t, s));
  EXPECT_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", t, s));
  EXPECT_FALSE(parse_traceparent("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", t, s));
  EXPECT_FALSE(parse_traceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", t, s));
  EXPECT_FALSE(parse_traceparent(good + "-x", t, s));  // version 00 has exactly four fields
  EXPECT_TRUE(parse_traceparent("01" + good.substr(2) + "-later", t, s));
  EXPECT_FALSE(parse_traceparent(good.substr(0, 54), t, s));
  EXPECT_FALSE(parse_traceparent("", t, s));
}

}  // namespace
}  // namespace llmload::api
