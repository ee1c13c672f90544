// The latency breakdown's parts in `llmload compare` (issue 13): read from each result file's
// "llmload"."server_breakdown" and shown as rows (mean, median, P99 of each part) with their
// changes against the first run; files without the block get no such rows.
#include "llmload/report/compare.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace llmload::report {
namespace {

std::string result(double queue_mean, double prefill_p99) {
  return R"({"completed":100,"duration":10,"llmload":{"server_breakdown":{"requests_sent":100,"requests_joined":100,)"
         R"("parts":{"client_queue_ms":{"count":0,"mean":0,"median":0,"p99":0},)"
         R"("server_queue_ms":{"count":100,"mean":)" + std::to_string(queue_mean) +
         R"(,"median":4,"p99":9},"prefill_ms":{"count":100,"mean":30,"median":30,"p99":)" +
         std::to_string(prefill_p99) + R"(}}}}})";
}

TEST(BreakdownCompare, PartsAreRowsWithChanges) {
  const auto dir = std::filesystem::temp_directory_path() / "llmload-breakdown-compare";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.json") << result(5, 40);
  std::ofstream(dir / "b.json") << result(10, 40);
  std::ofstream(dir / "plain.json") << R"({"completed":100,"duration":10})";
  const auto a = read_compared_run((dir / "a.json").string());
  const auto b = read_compared_run((dir / "b.json").string());
  const auto plain = read_compared_run((dir / "plain.json").string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(a && b && plain);
  const std::string text = format_comparison({*a, *b}, {}, false);
  EXPECT_NE(text.find("Mean Server queue (ms, server traces, not in vLLM)"), std::string::npos) << text;
  EXPECT_NE(text.find("+5 (+100.0%) worse"), std::string::npos) << text;
  EXPECT_NE(text.find("P99 Prefill (ms, server traces, not in vLLM)"), std::string::npos) << text;
  // A part no request had (count 0) is left out; the order is the parts' own.
  EXPECT_EQ(text.find("Client queue"), std::string::npos) << text;
  EXPECT_LT(text.find("Server queue"), text.find("Prefill")) << text;
  EXPECT_EQ(format_comparison({*plain, *plain}, {}, false).find("server traces"), std::string::npos);
}

}  // namespace
}  // namespace llmload::report
