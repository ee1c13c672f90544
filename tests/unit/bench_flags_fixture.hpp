#pragma once
/// Bench's flags parsed as `llmload bench` parses them (other spellings, such as vLLM's
/// underscores, normalized first), for the unit tests of the flags and of the plans they
/// resolve to. CLI11 throws on a flag it does not know, as the command would refuse it.

#include "llmload/config/bench_options.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace llmload::testing_support {

inline config::BenchOptions parse_bench_flags(std::vector<std::string> args) {
  config::BenchOptions o;
  CLI::App app;
  config::add_bench_options(app, o);
  args.insert(args.begin(), "bench");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  const auto normalized = config::normalize_flag_spelling(static_cast<int>(argv.size()), argv.data());
  std::vector<const char*> ptrs;
  for (const auto& a : normalized) ptrs.push_back(a.c_str());
  app.parse(static_cast<int>(ptrs.size()), ptrs.data());
  return o;
}

}  // namespace llmload::testing_support
