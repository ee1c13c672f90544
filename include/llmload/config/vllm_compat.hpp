#pragma once
/// The vLLM release `llmload bench` matches, and vLLM's `vllm bench serve` flags beyond the
/// ones BenchOptions names itself: registered on the bench command, each one accepted with its
/// vLLM meaning or, where it cannot apply here (hub access, client-side chat templates, the
/// datasets llmload has not got), accepted, recorded in the plan and said once.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace llmload::config {

/// The `vllm bench serve` llmload matches: vLLM's main branch as read at these commits
/// (vllm/benchmarks/serve.py; the flag list vLLM generates from its parser). Written in
/// `--help`, the README and every result (llmload.vllm_compat).
inline constexpr std::string_view kVllmCompat = "vLLM main (serve.py 009e6d4a1cd6, flag list 1597854e5f44)";

/// vLLM's flags as written (those BenchOptions does not hold itself), plus llmload's
/// --chat-content-format. Validated by resolve_vllm_compat().
struct VllmCompatOptions {
  bool skip_tokenizer_init = false;       ///< vLLM: no tokenizer; the table leaves token rows out
  bool profile = false;                   ///< POST /start_profile and /stop_profile around the run
  std::vector<std::string> lora_modules;  ///< model name per request, chosen among these
  std::string lora_assignment = "random"; ///< random | round-robin
  bool plot_timeline = false, plot_dataset_stats = false;  ///< the HTML report
  std::string timeline_itl_thresholds = "25,50";           ///< two ms values
  std::string chat_template_kwargs;       ///< a JSON object (client-side templating: none here)
  std::optional<bool> self_timed;         ///< --self-timed / --no-self-timed (trace datasets)
  double probe_request_rate = 0;          ///< vLLM's probe requests beside the run (0: none)
  std::int64_t random_batch_size = 1;     ///< random-rerank: documents per request
  bool no_reranker = false;               ///< random-rerank for an embedding model
  std::string chat_content_format = "openai";  ///< llmload: string | openai
  /// Flags given that have no effect here, each "--flag: why", once each, in the flags' order.
  std::vector<std::string> given_without_effect;
};

/// Registers the flags of VllmCompatOptions on `app`, bound to `options`.
void add_vllm_compat_flags(CLI::App& app, VllmCompatOptions& options);

struct RunPlan;

/// Checks the flags and sets the plan's `vllm` settings (and the report formats the plot
/// flags ask for). `dataset_name` is the resolved dataset. Returns one line per problem.
std::vector<std::string> resolve_vllm_compat(const VllmCompatOptions& options, std::string_view dataset_name,
                                             RunPlan& plan);

}  // namespace llmload::config
