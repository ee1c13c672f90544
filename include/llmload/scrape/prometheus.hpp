#pragma once
/// Prometheus text exposition format (version 0.0.4), as vLLM, SGLang, the DCGM exporter and
/// Ascend's npu-exporter serve it on /metrics. Synchronous and pure: no sockets here.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::scrape {

/// One sample line: `name{label="value",...} value [timestamp]`. Plain value.
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  ///< in line order, unescaped
  double value = 0;  ///< NaN, +Inf and -Inf are kept as such

  /// The value of label `key`, or "" when the sample has no such label.
  std::string_view label(std::string_view key) const noexcept;
};

/// A parsed exposition: every sample that parsed, and a note per line that did not (a bad
/// line never fails the whole scrape: servers add metrics we do not know).
struct Exposition {
  std::vector<Sample> samples;
  std::vector<std::string> problems;  ///< "line N: what is wrong", at most 10 kept
  std::size_t bad_lines = 0;          ///< all lines that did not parse

  /// Sum of the values of every sample called `name` (all label sets, e.g. one per GPU or
  /// per model), or nullopt-like `found == false` when there is none.
  struct Total {
    bool found = false;
    double value = 0;
  };
  Total total(std::string_view name) const;
  /// Largest value of the samples called `name` (e.g. the fullest GPU).
  Total max(std::string_view name) const;
};

/// Parses the text. `# HELP` / `# TYPE` and other comments are skipped; label values may
/// hold escaped `\\`, `\"` and `\n`; values are Go float syntax (incl. NaN, +Inf, -Inf).
/// Never fails; see Exposition::problems.
Exposition parse_exposition(std::string_view text);

}  // namespace llmload::scrape
