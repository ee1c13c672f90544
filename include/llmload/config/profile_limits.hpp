#pragma once
/// Bounds on a profile before it is read: the document's size, its nodes with aliases expanded
/// (a "billion laughs" of anchors), its nesting, duplicate keys, the number of sweep points and
/// the requests a stage plans (their prompts and records must fit in memory).

#include "llmload/config/profile.hpp"
#include "llmload/core/error.hpp"

#include <cstdint>
#include <vector>

namespace YAML {
class Node;
}

namespace llmload::config {

inline constexpr std::size_t kMaxProfileBytes = 1 << 20;       ///< a profile file, 1 MiB
inline constexpr std::int64_t kMaxProfileNodes = 100000;       ///< nodes, aliases expanded
inline constexpr int kMaxProfileDepth = 64;                    ///< nesting of maps and lists
inline constexpr std::int64_t kMaxSweepPoints = 10000;         ///< product of the sweep's axes

/// Problems of the document itself (file:line:column from `file`): more than
/// kMaxProfileNodes nodes once aliases are expanded, nesting deeper than kMaxProfileDepth, a
/// key written twice in one mapping. Empty when none; the walk stops at the node limit, so it
/// costs at most kMaxProfileNodes steps whatever the document.
std::vector<ProfileProblem> check_yaml_document(const YAML::Node& root, const std::string& file);

/// The number of points of `axes` (their sizes multiplied), saturated at kMaxSweepPoints + 1.
std::int64_t sweep_point_count(const std::vector<SweepAxis>& axes);

/// Whether `requests` requests of about `input_tokens` prompt tokens each fit in half of this
/// machine's memory (their prompts, specs and records are kept for the whole run); the error
/// names the estimate and the memory.
core::Result<void> check_requests_fit(std::int64_t requests, std::int64_t input_tokens);

}  // namespace llmload::config
