#include "llmload/app/cli_messages.hpp"

#include <fmt/format.h>

#include <charconv>

namespace llmload::app {
namespace {

/// The number in `text` (digits only), or -1.
long long whole_number(std::string_view text) {
  long long n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc() && end == text.data() + text.size() ? n : -1;
}

}  // namespace

std::string describe_parse_error(std::string_view what) {
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
