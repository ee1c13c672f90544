#pragma once
/// `llmload merge SHARD.json… [-o merged.json] [--report html,md]`: a sharded run's result
/// files into one result of the single-host form (merge/merge_shards.hpp), its table on
/// standard output and the reports beside it.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace llmload::app {

/// The arguments of `llmload merge`.
struct MergeArgs {
  std::vector<std::string> files;
  std::string output = "merged.json";
  std::vector<std::string> report_formats;  ///< subset of html, md, csv
};

CLI::App* add_merge_command(CLI::App& app, MergeArgs& args);

/// Exit 0 merged; 2 the files do not make one run (named) or cannot be read; 3 the merged
/// result or a report cannot be written.
int run_merge(const MergeArgs& args);

}  // namespace llmload::app
