// Fuzz target of the YAML profile loader (the validator, aliases, --set-free): any bytes give
// a profile or problems, never a crash, a hang or unbounded memory (aliases are capped).
#include "llmload/config/profile.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto loaded = llmload::config::parse_profile(text, "fuzz.yaml");
  if (loaded.profile) (void)llmload::config::describe_profile(*loaded.profile);
  else (void)llmload::config::format_problems(loaded.problems);
  return 0;
}
