// vLLM's speculative-decoding block from a server's /metrics: the counters as vLLM reads them,
// the figures of their difference, and the section and keys as vLLM prints and writes them.
#include "llmload/scrape/spec_decode.hpp"

#include "llmload/metrics/run_summary.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/sim/engine_metrics.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace llmload::scrape {
namespace {

std::string exposition(int drafts, int draft_tokens, int accepted, int pos0, int pos1) {
  return "# HELP vllm:spec_decode_num_drafts Number of spec decoding drafts.\n"
         "# TYPE vllm:spec_decode_num_drafts counter\n"
         "vllm:spec_decode_num_drafts_total{engine=\"0\",model_name=\"m\"} " + std::to_string(drafts) + ".0\n"
         "vllm:spec_decode_num_draft_tokens_total{engine=\"0\",model_name=\"m\"} " + std::to_string(draft_tokens) + ".0\n"
         "vllm:spec_decode_num_accepted_tokens_total{engine=\"0\",model_name=\"m\"} " + std::to_string(accepted) + ".0\n"
         "vllm:spec_decode_num_accepted_tokens_per_pos_total{engine=\"0\",model_name=\"m\",position=\"0\"} " +
         std::to_string(pos0) + ".0\n"
         "vllm:spec_decode_num_accepted_tokens_per_pos_total{engine=\"0\",model_name=\"m\",position=\"1\"} " +
         std::to_string(pos1) + ".0\n"
         "vllm:spec_decode_num_drafts_created 1.7e9\n"  // not a _total: ignored, as vLLM does
         "vllm:num_requests_running{model_name=\"m\"} 3\n";
}

TEST(SpecDecode, CountersAreReadAsVllmReadsThem) {
  const auto c = parse_spec_decode(exposition(10, 20, 15, 9, 6));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->drafts, 10);
  EXPECT_EQ(c->draft_tokens, 20);
  EXPECT_EQ(c->accepted, 15);
  EXPECT_EQ(c->accepted_per_position.at(0), 9);
  EXPECT_EQ(c->accepted_per_position.at(1), 6);
  // Two engines: summed.
  const auto two = parse_spec_decode("vllm:spec_decode_num_drafts_total{engine=\"0\"} 4\n"
                                     "vllm:spec_decode_num_drafts_total{engine=\"1\"} 5\n");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->drafts, 9);
  // No spec-decode counter: no speculative decoding.
  EXPECT_FALSE(parse_spec_decode("vllm:num_requests_running 1\n"));
  EXPECT_FALSE(parse_spec_decode(""));
}

TEST(SpecDecode, FiguresOfTheRunAreTheDifference) {
  const auto s = spec_decode_stats(parse_spec_decode(exposition(10, 20, 15, 9, 6)),
                                   parse_spec_decode(exposition(110, 220, 175, 89, 71)));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->drafts, 100);
  EXPECT_EQ(s->draft_tokens, 200);
  EXPECT_EQ(s->accepted, 160);
  EXPECT_DOUBLE_EQ(s->acceptance_rate_pct, 80.0);
  EXPECT_DOUBLE_EQ(s->acceptance_length, 2.6);
  ASSERT_EQ(s->per_position.size(), 2u);
  EXPECT_DOUBLE_EQ(s->per_position[0], 0.8);
  EXPECT_DOUBLE_EQ(s->per_position[1], 0.65);
  // Nothing proposed during the run, or a side missing: no block, as in vLLM.
  EXPECT_FALSE(spec_decode_stats(parse_spec_decode(exposition(1, 2, 1, 1, 0)), parse_spec_decode(exposition(1, 2, 1, 1, 0))));
  EXPECT_FALSE(spec_decode_stats(std::nullopt, parse_spec_decode(exposition(1, 2, 1, 1, 0))));
}

TEST(SpecDecode, TheSimulatorsCountersReadBackAsVllmReadsThem) {
  sim::EngineMetrics m;
  std::string plain;
  sim::append_prometheus(plain, m, "m");
  EXPECT_FALSE(parse_spec_decode(plain));  // no speculative mode: no counter at all
  m.spec_positions = 2;
  m.spec_drafts = 7;
  m.spec_draft_tokens = 14;
  m.spec_accepted = 9;
  m.spec_accepted_per_pos = {6, 3};
  std::string text;
  sim::append_prometheus(text, m, "m");
  const auto c = parse_spec_decode(text);
  ASSERT_TRUE(c) << text;
  EXPECT_EQ(c->drafts, 7);
  EXPECT_EQ(c->draft_tokens, 14);
  EXPECT_EQ(c->accepted, 9);
  EXPECT_EQ(c->accepted_per_position.at(0), 6);
  EXPECT_EQ(c->accepted_per_position.at(1), 3);
}

TEST(SpecDecode, TheTableEndsWithVllmsSection) {
  metrics::RunSummary summary;
  summary.options.percentile_metrics = {"ttft"};
  summary.options.percentiles = {99};
  report::TableContext context;
  context.spec_decode = spec_decode_stats(parse_spec_decode(exposition(0, 0, 0, 0, 0)),
                                          parse_spec_decode(exposition(100, 200, 160, 80, 80)));
  const auto table = report::format_result_table(summary, context);
  const std::string expected =
      "---------------Speculative Decoding---------------\n"
      "Acceptance rate (%):                     80.00     \n"
      "Acceptance length:                       2.60      \n"
      "Drafts:                                  100       \n"
      "Draft tokens:                            200       \n"
      "Accepted tokens:                         160       \n"
      "Per-position acceptance (%):\n"
      "  Position 0:                            80.00     \n"
      "  Position 1:                            80.00     \n"
      "==================================================\n";
  ASSERT_GE(table.size(), expected.size());
  EXPECT_EQ(table.substr(table.size() - expected.size()), expected) << table;
}

TEST(SpecDecode, TheResultHasVllmsKeysAfterRtfx) {
  metrics::RunSummary summary;
  summary.options.percentile_metrics = {"ttft"};
  report::RunInfo info;
  info.spec_decode = spec_decode_stats(parse_spec_decode(exposition(0, 0, 0, 0, 0)),
                                       parse_spec_decode(exposition(100, 200, 160, 80, 80)));
  const auto text = report::result_json(summary, info, false);
  const auto doc = boost::json::parse(text).as_object();
  EXPECT_DOUBLE_EQ(doc.at("spec_decode_acceptance_rate").as_double(), 80.0);
  EXPECT_DOUBLE_EQ(doc.at("spec_decode_acceptance_length").as_double(), 2.6);
  EXPECT_EQ(doc.at("spec_decode_num_drafts").as_int64(), 100);
  EXPECT_EQ(doc.at("spec_decode_draft_tokens").as_int64(), 200);
  EXPECT_EQ(doc.at("spec_decode_accepted_tokens").as_int64(), 160);
  EXPECT_EQ(doc.at("spec_decode_per_position_acceptance_rates").as_array().size(), 2u);
  EXPECT_LT(text.find("\"rtfx\""), text.find("\"spec_decode_acceptance_rate\""));
  EXPECT_LT(text.find("\"spec_decode_per_position_acceptance_rates\""), text.find("\"mean_ttft_ms\""));
}

}  // namespace
}  // namespace llmload::scrape
