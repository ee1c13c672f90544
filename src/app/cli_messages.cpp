#include "llmload/app/cli_messages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

namespace llmload::app {
namespace {

/// The number in `text` (digits only), or -1.
long long whole_number(std::string_view text) {
  long long n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc() && end == text.data() + text.size() ? n : -1;
}

/// Flags of other tools (vLLM's sampling parameters, OpenAI's API, other load testers), with
/// dashes for underscores, and llmload's name for each.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kFlagAliases{{
    {"--max-tokens", "--output-len"},
    {"--max-new-tokens", "--output-len"},
    {"--max-completion-tokens", "--output-len"},
    {"--output-tokens", "--output-len"},
    {"--max-output-len", "--output-len"},
    {"--input-tokens", "--input-len"},
    {"--prompt-len", "--input-len"},
    {"--prompt-tokens", "--input-len"},
    {"--qps", "--request-rate"},
    {"--rps", "--request-rate"},
    {"--rate", "--request-rate"},
    {"--concurrency", "--max-concurrency"},
    {"--num-requests", "--num-prompts"},
    {"--requests", "--num-prompts"},
    {"--url", "--base-url"},
    {"--dataset", "--dataset-name"},
}};

/// "; did you mean NEW (for OLD)?" for every aliased flag among the unexpected arguments that
/// follow `list` in CLI11's message; "" when none is.
std::string suggestions(std::string_view list) {
  std::string out;
  std::size_t at = 0;
  while (at < list.size()) {
    const auto end = std::min(list.find(' ', at), list.size());
    std::string_view word = list.substr(at, end - at);
    at = end + 1;
    word = word.substr(0, word.find('='));
    const std::string_view alias = flag_alias(word);
    if (!alias.empty()) out += fmt::format("; did you mean {} (llmload's name for {})?", alias, word);
  }
  return out;
}

}  // namespace

std::string_view flag_alias(std::string_view flag) {
  if (!flag.starts_with("--") || flag.size() > 64) return {};
  std::string dashed(flag.substr(0, flag.find('=')));
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  std::transform(dashed.begin(), dashed.end(), dashed.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [name, alias] : kFlagAliases) {
    if (name == dashed) return alias;
  }
  return {};
}

std::string describe_parse_error(std::string_view what) {
  // "The following arguments were not expected: 100 --max_tokens": name llmload's flag.
  constexpr std::string_view kNotExpected = "not expected: ";
  if (const auto list = what.find(kNotExpected); list != std::string_view::npos) {
    return std::string(what) + suggestions(what.substr(list + kNotExpected.size()));
  }
  // "NAME: At Most N required but received M" (an option given more often than it takes values).
  constexpr std::string_view kAtMost = ": At Most ", kRequired = " required but received ";
  const auto at = what.find(kAtMost);
  const auto required = what.find(kRequired);
  if (at != std::string_view::npos && required != std::string_view::npos && required > at) {
    const std::string_view name = what.substr(0, at);
    const long long most = whole_number(what.substr(at + kAtMost.size(), required - at - kAtMost.size()));
    const long long received = whole_number(what.substr(required + kRequired.size()));
    if (most == 1 && received > 1) {
      return fmt::format("{} takes one value but was given {}; give it once", name, received);
    }
    if (most > 1 && received > most) {
      return fmt::format("{} takes at most {} values but was given {}", name, most, received);
    }
  }
  return std::string(what);
}

}  // namespace llmload::app
