// CLI11's confusing parse errors rephrased.
#include "llmload/app/cli_messages.hpp"

#include <gtest/gtest.h>

namespace llmload::app {
namespace {

TEST(CliMessages, AtMostIsSaidInWords) {
  EXPECT_EQ(describe_parse_error("--num-prompts: At Most 1 required but received 2"),
            "--num-prompts takes one value but was given 2; give it once");
  EXPECT_EQ(describe_parse_error("--goodput: At Most 3 required but received 5"),
            "--goodput takes at most 3 values but was given 5");
  EXPECT_EQ(describe_parse_error("The following argument was not expected: --nope"),
            "The following argument was not expected: --nope");
}

}  // namespace
}  // namespace llmload::app
