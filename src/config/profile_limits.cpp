#include "llmload/config/profile_limits.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include <unistd.h>

namespace llmload::config {
namespace {

/// Walks the tree as a reader would see it (an alias visits its anchor's node again), counting
/// nodes; stops at the first limit passed.
class DocumentWalk {
 public:
  DocumentWalk(std::string file, std::vector<ProfileProblem>& out) : file_(std::move(file)), out_(out) {}

  /// False once a limit was passed (the walk is over).
  bool visit(const YAML::Node& node, int depth) {
    if (++nodes_ > kMaxProfileNodes) {
      add(node, fmt::format("the profile has more than {} values once its aliases (*name) are expanded; "
                            "a load profile needs far fewer (is an anchor referenced in a loop of aliases?)",
                            kMaxProfileNodes));
      return false;
    }
    if (depth > kMaxProfileDepth) {
      add(node, fmt::format("the profile nests deeper than {} levels", kMaxProfileDepth));
      return false;
    }
    if (node.IsSequence()) {
      for (const auto& item : node) {
        if (!visit(item, depth + 1)) return false;
      }
    } else if (node.IsMap()) {
      return visit_map(node, depth);
    }
    return true;
  }

 private:
  bool visit_map(const YAML::Node& node, int depth) {
    std::set<std::string> keys;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && !keys.insert(it->first.Scalar()).second && duplicates_ < 20) {
        ++duplicates_;
        add(it->first, fmt::format("key '{}' is written twice in the same mapping; keep one", it->first.Scalar()));
      }
      if (!visit(it->first, depth + 1) || !visit(it->second, depth + 1)) return false;
    }
    return true;
  }

  void add(const YAML::Node& node, std::string message) {
    const auto mark = node.Mark();
    out_.push_back({file_, mark.line >= 0 ? mark.line + 1 : 0, mark.line >= 0 ? mark.column + 1 : 0,
                    std::move(message)});
  }

  std::string file_;
  std::vector<ProfileProblem>& out_;
  std::int64_t nodes_ = 0;
  int duplicates_ = 0;
};

}  // namespace

std::vector<ProfileProblem> check_yaml_document(const YAML::Node& root, const std::string& file) {
  std::vector<ProfileProblem> problems;
  DocumentWalk(file, problems).visit(root, 0);
  return problems;
}

std::int64_t sweep_point_count(const std::vector<SweepAxis>& axes) {
  std::int64_t points = 1;
  for (const auto& axis : axes) {
    const auto n = static_cast<std::int64_t>(axis.values.size());
    if (n == 0) continue;
    if (points > (kMaxSweepPoints + 1) / n) return kMaxSweepPoints + 1;
    points = std::min(points * n, kMaxSweepPoints + 1);
  }
  return points;
}

core::Result<void> check_requests_fit(std::int64_t requests, std::int64_t input_tokens) {
  // Per request: its spec and record (about 1 KiB with their strings and vectors) and the
  // prompt text (a few bytes a token); kept from preparation to the end of the run.
  constexpr double kBytesPerRequest = 1024;
  constexpr double kBytesPerToken = 8;
  const double need = static_cast<double>(requests) *
                      (kBytesPerRequest + kBytesPerToken * static_cast<double>(std::max<std::int64_t>(input_tokens, 0)));
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  const double memory = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
  if (memory <= 0 || need <= memory / 2) return {};
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  return core::fail("{} requests would need about {:.1f} GiB of memory for their prompts and records, more than "
                    "half of this machine's {:.1f} GiB; send fewer (or bound the run by a duration)",
                    requests, need / kGiB, memory / kGiB);
}

}  // namespace llmload::config
