#pragma once
/// CLI11's parse errors in words a user acts on ("--num-prompts was given 2 times; give it
/// once" for "--num-prompts: At Most 1 required but received 2").

#include <string>
#include <string_view>

namespace llmload::app {

/// `what` (a CLI::ParseError's text) rephrased where CLI11's wording confuses; else unchanged.
std::string describe_parse_error(std::string_view what);

/// The flag llmload spells differently for one that users of vLLM's or OpenAI's tools type
/// (`--max-tokens` and `--max_tokens` → `--output-len`, ...); "" when `flag` is none of them.
/// `flag` is as written on the command line (with its dashes, without "=VALUE").
std::string_view flag_alias(std::string_view flag);

}  // namespace llmload::app
