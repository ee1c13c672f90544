// The simulator's faults: the x-llmload-fault header, --fault-rate kinds, and where a fault
// cuts a stream.
#include "llmload/sim/faults.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::sim {
namespace {

// ---- parse_fault_header ------------------------------------------------------------------

struct FaultCase {
  std::string header;
  FaultPlan plan;           // expected when error is empty
  std::string error_part;   // non-empty: expect 400 whose message contains this
};

class FaultHeader : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultHeader, ParsesEverySpecAndNamesBadOnes) {
  const auto& c = GetParam();
  const auto r = parse_fault_header(c.header);
  if (!c.error_part.empty()) {
    ASSERT_FALSE(r) << c.header;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_NE(r.error().message.find(c.error_part), std::string::npos) << r.error().message;
    return;
  }
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, c.plan.status);
  EXPECT_EQ(r->reset_after, c.plan.reset_after);
  EXPECT_EQ(r->malformed_after, c.plan.malformed_after);
  EXPECT_EQ(r->error_after, c.plan.error_after);
  EXPECT_EQ(r->no_done, c.plan.no_done);
  EXPECT_EQ(r->stall_ms, c.plan.stall_ms);
  EXPECT_EQ(r->stall_after, c.plan.stall_after);
  EXPECT_EQ(r->slow_headers_ms, c.plan.slow_headers_ms);
  EXPECT_EQ(r->split_writes, c.plan.split_writes);
}

FaultPlan stalls() {
  FaultPlan p;
  p.stall_ms = 250;
  p.stall_after = 3;
  p.slow_headers_ms = 40;
  p.split_writes = true;
  return p;
}

TEST(SimFaults, EveryKindMakesAPlan) {
  for (const auto kind : fault_kinds()) {
    const auto plan = fault_of_kind(kind, 12345, 10);
    ASSERT_TRUE(plan) << kind;
    const FaultPlan& p = *plan;
    const bool any = p.status != 0 || p.reset_after >= 0 || p.malformed_after >= 0 || p.error_after >= 0 ||
                     p.no_done || p.stall_ms > 0 || p.slow_headers_ms > 0 || p.split_writes;
    EXPECT_TRUE(any) << kind;
  }
  EXPECT_EQ(fault_of_kind("reset", 12345, 10)->reset_after, 5);
  EXPECT_EQ(fault_of_kind("429", 0, 1)->status, 429);
  EXPECT_FALSE(fault_of_kind("boom", 0, 1));
}

FaultPlan plan(int status, std::int64_t reset, std::int64_t malformed, std::int64_t error, bool no_done) {
  FaultPlan p;
  p.status = status;
  p.reset_after = reset;
  p.malformed_after = malformed;
  p.error_after = error;
  p.no_done = no_done;
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    Sim, FaultHeader,
    ::testing::Values(
        FaultCase{"", plan(0, -1, -1, -1, false), ""},
        FaultCase{"status=503", plan(503, -1, -1, -1, false), ""},
        FaultCase{"status=200", plan(200, -1, -1, -1, false), ""},
        FaultCase{"reset-after=0", plan(0, 0, -1, -1, false), ""},
        FaultCase{"malformed-after=7", plan(0, -1, 7, -1, false), ""},
        FaultCase{"error-after=12", plan(0, -1, -1, 12, false), ""},
        FaultCase{"no-done", plan(0, -1, -1, -1, true), ""},
        FaultCase{" no-done , reset-after=3 ,", plan(0, 3, -1, -1, true), ""},
        FaultCase{"reset-after=1,reset-after=4", plan(0, 4, -1, -1, false), ""},
        FaultCase{"stall-ms=250,stall-after=3,slow-headers-ms=40,split-writes", stalls(), ""},
        FaultCase{"explode", {}, "'explode'"},
        FaultCase{"no-done,slow=5", {}, "'slow=5'"},
        FaultCase{"reset-after=", {}, "'reset-after='"},
        FaultCase{"reset-after=-1", {}, "non-negative"},
        FaultCase{"error-after=x", {}, "'error-after=x'"},
        FaultCase{"status=99", {}, "200..599"},
        FaultCase{"status=600", {}, "200..599"},
        FaultCase{"status", {}, "'status'"}));

// ---- stream_cut ----------------------------------------------------------------------------

TEST(SimFaults, StreamCutTakesTheEarliestFaultAndAResetOnATie) {
  FaultPlan none;
  EXPECT_EQ(stream_cut(none, 5), std::make_pair(Cut::kNone, std::int64_t{5}));
  FaultPlan reset;
  reset.reset_after = 2;
  EXPECT_EQ(stream_cut(reset, 5), std::make_pair(Cut::kReset, std::int64_t{2}));
  EXPECT_EQ(stream_cut(reset, 1), std::make_pair(Cut::kReset, std::int64_t{1}));  // after the last token
  FaultPlan both = reset;
  both.error_after = 1;
  EXPECT_EQ(stream_cut(both, 5), std::make_pair(Cut::kError, std::int64_t{1}));
  both.error_after = 2;
  EXPECT_EQ(stream_cut(both, 5), std::make_pair(Cut::kReset, std::int64_t{2}));
  both.error_after = 3;
  EXPECT_EQ(stream_cut(both, 5), std::make_pair(Cut::kReset, std::int64_t{2}));
  FaultPlan error;
  error.error_after = 9;
  EXPECT_EQ(stream_cut(error, 4), std::make_pair(Cut::kError, std::int64_t{4}));
  FaultPlan malformed;  // not a cut
  malformed.malformed_after = 1;
  malformed.no_done = true;
  EXPECT_EQ(stream_cut(malformed, 4), std::make_pair(Cut::kNone, std::int64_t{4}));
}

}  // namespace
}  // namespace llmload::sim
