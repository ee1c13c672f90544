#include "llmload/net/port_budget.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace llmload::net {
namespace {

std::filesystem::path write_range_file(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("llmload-port-range-" + std::to_string(::getpid()));
  std::ofstream(path) << text;
  return path;
}

TEST(PortBudget, ReadsTheKernelsFormat) {
  const auto path = write_range_file("32768\t60999\n");
  const auto range = read_local_port_range(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->low, 32768);
  EXPECT_EQ(range->high, 60999);
  EXPECT_EQ(range->size(), 28232);
}

TEST(PortBudget, MissingOrMalformedFileChecksNothing) {
  EXPECT_FALSE(read_local_port_range("/nonexistent/ip_local_port_range").has_value());
  const auto path = write_range_file("not numbers\n");
  EXPECT_FALSE(read_local_port_range(path.string()).has_value());
  std::filesystem::remove(path);
}

TEST(PortBudget, RefusesOnlyBeyondTheRange) {
  const PortRange range{40000, 40999};
  EXPECT_TRUE(check_local_ports(1000, range));
  const auto refused = check_local_ports(1001, range);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("1001 concurrent streams"), std::string::npos);
  EXPECT_NE(refused.error().message.find("40000-40999 holds only 1000"), std::string::npos);
  EXPECT_NE(refused.error().message.find("ip_local_port_range"), std::string::npos);
}

}  // namespace
}  // namespace llmload::net
