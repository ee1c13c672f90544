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

// Flags that users of vLLM's sampling parameters and other tools type get llmload's name.
TEST(CliMessages, OtherToolsFlagsGetADidYouMean) {
  EXPECT_EQ(flag_alias("--max-tokens"), "--output-len");
  EXPECT_EQ(flag_alias("--max_tokens"), "--output-len");
  EXPECT_EQ(flag_alias("--MAX_TOKENS=100"), "--output-len");
  EXPECT_EQ(flag_alias("--max-new-tokens"), "--output-len");
  EXPECT_EQ(flag_alias("--qps"), "--request-rate");
  EXPECT_EQ(flag_alias("--concurrency"), "--max-concurrency");
  EXPECT_EQ(flag_alias("--num_requests"), "--num-prompts");
  EXPECT_EQ(flag_alias("--output-len"), "");  // llmload's own
  EXPECT_EQ(flag_alias("max-tokens"), "");    // not a flag
  EXPECT_EQ(flag_alias("--nope"), "");
  EXPECT_EQ(describe_parse_error("The following arguments were not expected: 100 --max_tokens"),
            "The following arguments were not expected: 100 --max_tokens; did you mean --output-len "
            "(llmload's name for --max_tokens)?");
  EXPECT_EQ(describe_parse_error("The following argument was not expected: --qps=4"),
            "The following argument was not expected: --qps=4; did you mean --request-rate "
            "(llmload's name for --qps)?");
}

}  // namespace
}  // namespace llmload::app
