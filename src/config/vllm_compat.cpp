// vLLM's `vllm bench serve` flags beyond BenchOptions' own (config/vllm_compat.hpp).

#include "llmload/config/vllm_compat.hpp"

#include "llmload/config/run_plan.hpp"
#include "llmload/core/text.hpp"
#include "llmload/workload/dataset_options.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

namespace llmload::config {
namespace {

constexpr const char* kCompatGroup = "vLLM compatibility";
constexpr double kMaxProbeRate = 1000;  ///< probes per second (each one awaited, then a pause)

/// Records `flag` as given and without effect (once, however often it is given).
void record(VllmCompatOptions& o, const std::string& flag, const std::string& why) {
  const std::string line = flag + ": " + why;
  if (std::find(o.given_without_effect.begin(), o.given_without_effect.end(), line) == o.given_without_effect.end()) {
    o.given_without_effect.push_back(line);
  }
}

/// A vLLM flag (store_true) accepted without effect here.
void inert_flag(CLI::App& app, VllmCompatOptions& o, const std::string& flag, const std::string& why) {
  app.add_flag_function(flag, [&o, flag, why](std::int64_t) { record(o, flag, why); }, "vLLM's; no effect here: " + why)
      ->group(kCompatGroup);
}

/// A vLLM flag taking values (`numeric`: numbers only), accepted without effect here.
void inert_option(CLI::App& app, VllmCompatOptions& o, const std::string& flag, const std::string& why,
                  bool numeric, bool many = false) {
  auto* option = app.add_option_function<std::vector<std::string>>(
      flag, [&o, flag, why](const std::vector<std::string>&) { record(o, flag, why); },
      "vLLM's; no effect here: " + why);
  option->group(kCompatGroup)->expected(1, many ? -1 : 1);
  if (numeric) option->check(CLI::Number);
}

/// vLLM's flags for datasets llmload has not got, and for hub and tokenizer loading.
void add_inert_flags(CLI::App& app, VllmCompatOptions& o) {
  const std::string no_dataset = "its dataset is not one of llmload's (--dataset-name lists them)";
  inert_option(app, o, "--tokenizer-mode", "llmload reads a tokenizer.json itself (see --tokenizer)", false);
  inert_flag(app, o, "--trust-remote-code", "llmload runs no model code from the Hugging Face Hub");
  inert_flag(app, o, "--no-stream", "vLLM: do not stream a Hugging Face Hub dataset while loading; llmload reads local files");
  inert_flag(app, o, "--skip-chat-template",
             "llmload never applies a chat template on the client (custom and sonnet prompts are sent as written)");
  inert_flag(app, o, "--enable-multimodal-chat",
             "llmload sends a dataset's images as parts of a chat message always (--backend openai-chat)");
  inert_flag(app, o, "--use-beam-search", "vLLM's client parses it but sends nothing for it, and neither does llmload");
  inert_flag(app, o, "--custom-ensure-client-side-data",
             "llmload's custom and image-qa datasets always send their images as data: URLs from the client");
  inert_option(app, o, "--speed-bench-output-len", no_dataset, true);
  inert_option(app, o, "--speed-bench-category", no_dataset, false);
  inert_option(app, o, "--speed-bench-dataset-subset", no_dataset, false);
  inert_option(app, o, "--bfcl-categories", no_dataset, false, true);
}

/// vLLM's flags that mean here what they mean in vLLM (or map onto llmload's equivalent).
void add_meaningful_flags(CLI::App& app, VllmCompatOptions& o) {
  app.add_flag("--skip-tokenizer-init", o.skip_tokenizer_init,
               "As vLLM without a tokenizer: the table leaves out the generated-token rows, the "
               "throughputs that use them and the TTFT/TPOT/ITL sections; tokenizer_id is null")
      ->group(kCompatGroup);
  app.add_flag("--profile", o.profile,
               "POST /start_profile before the measured run and /stop_profile after it (the server "
               "must have its profiler configured)")->group(kCompatGroup);
  app.add_option("--lora-modules", o.lora_modules,
                 "LoRA adapter names served by the target: each request's model is one of them")
      ->expected(1, -1)->group(kCompatGroup);
  app.add_option("--lora-assignment", o.lora_assignment,
                 "How --lora-modules are given to requests: random (seeded by --seed) or round-robin")
      ->check(CLI::IsMember({"random", "round-robin"}))->capture_default_str()->group(kCompatGroup);
  app.add_flag("--plot-timeline", o.plot_timeline,
               "Write the HTML report beside the result file (its request timeline; llmload's "
               "counterpart of vLLM's timeline plot)")->group(kCompatGroup);
  app.add_option("--timeline-itl-thresholds", o.timeline_itl_thresholds,
                 "Two comma-separated ITL thresholds in ms (vLLM colours its timeline by them; "
                 "checked and recorded in the plan)")->capture_default_str()->group(kCompatGroup);
  app.add_flag("--plot-dataset-stats", o.plot_dataset_stats,
               "Write the HTML report beside the result file (its token-length charts)")->group(kCompatGroup);
  app.add_option("--chat-template-kwargs", o.chat_template_kwargs,
                 "JSON object for a client-side chat template; llmload applies none, so it is only "
                 "checked and recorded (send server-side template arguments with --extra-body)")
      ->group(kCompatGroup);
  app.add_flag_function("--self-timed", [&o](std::int64_t) { o.self_timed = true; },
                        "Trace replay (mooncake, timed_trace): send at the trace's timestamps (the default)")
      ->group(kCompatGroup);
  app.add_flag_function("--no-self-timed", [&o](std::int64_t) { o.self_timed = false; },
                        "Trace replay (mooncake, timed_trace): send by --request-rate instead of the trace's timestamps")
      ->group(kCompatGroup);
  app.add_option("--probe-request-rate", o.probe_request_rate,
                 "vLLM's probe requests: while the run lasts, one small request at a time (\"Hi\", one output "
                 "token) followed by a pause of 1/RATE s, their latency printed in a \"Probe Requests\" section "
                 "(probe_* keys) and not counted in the run; 0 (the default): none. At most 1000")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(kCompatGroup);
  app.add_option("--random-batch-size", o.random_batch_size,
                 "random-rerank: documents per request (vLLM's batch of the reranker benchmark)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(kCompatGroup);
  app.add_flag("--no-reranker", o.no_reranker,
               "random-rerank for a model that does not rerank natively (an embeddings backend): the "
               "query goes once ahead of each batch, as vLLM's reranker benchmark sends it")->group(kCompatGroup);
  app.add_option("--chat-content-format", o.chat_content_format,
                 "Chat message content (llmload's; vLLM's server calls it --chat-template-content-format): "
                 "openai (an array of parts, as vLLM's client sends) or string (text-only messages as a "
                 "plain string, for servers that take only that)")
      ->check(CLI::IsMember({"openai", "string"}))->capture_default_str()->group(kCompatGroup);
}

std::optional<std::vector<double>> parse_thresholds(std::string_view text) {
  std::vector<double> values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto part = core::trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    double v = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc{} || ptr != part.data() + part.size() || !std::isfinite(v) || v < 0) {
      return std::nullopt;
    }
    values.push_back(v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (values.size() != 2) return std::nullopt;
  return values;
}

}  // namespace

void add_vllm_compat_flags(CLI::App& app, VllmCompatOptions& o) {
  add_meaningful_flags(app, o);
  add_inert_flags(app, o);
}

std::vector<std::string> resolve_vllm_compat(const VllmCompatOptions& o, std::string_view dataset_name,
                                             RunPlan& plan) {
  std::vector<std::string> problems;
  auto& v = plan.vllm;
  v.skip_tokenizer_init = o.skip_tokenizer_init;
  v.profile = o.profile;
  v.lora_modules = o.lora_modules;
  v.lora_round_robin = o.lora_assignment == "round-robin";
  for (const auto& name : o.lora_modules) {
    if (name.empty() || name.find_first_of(std::string_view(" \t\r\n\0", 5)) != std::string::npos) {
      problems.push_back(fmt::format("--lora-modules: '{}' is not a model name (no spaces or line breaks)", name));
    }
  }
  if (auto thresholds = parse_thresholds(o.timeline_itl_thresholds)) {
    v.timeline_itl_thresholds_ms = *thresholds;
  } else {
    problems.push_back(fmt::format("--timeline-itl-thresholds {}: expected two comma-separated milliseconds, e.g. 25,50",
                                   o.timeline_itl_thresholds));
  }
  if ((o.plot_timeline || o.plot_dataset_stats) &&
      std::find(plan.results.report_formats.begin(), plan.results.report_formats.end(), "html") ==
          plan.results.report_formats.end()) {
    plan.results.report_formats.emplace_back("html");
  }
  if (!o.chat_template_kwargs.empty()) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(o.chat_template_kwargs, ec);
    if (ec || !value.is_object()) {
      problems.push_back("--chat-template-kwargs: expected a JSON object, e.g. '{\"enable_thinking\": false}'");
    }
  }
  const workload::DatasetInfo* dataset = workload::find_dataset(dataset_name);
  if (o.self_timed && (dataset == nullptr || !dataset->trace)) {
    problems.push_back(fmt::format("--{}self-timed applies to trace replay (--dataset-name mooncake or timed_trace), not {}",
                                   *o.self_timed ? "" : "no-", dataset_name));
  }
  v.self_timed = o.self_timed.value_or(true);
  if (!std::isfinite(o.probe_request_rate) || o.probe_request_rate > kMaxProbeRate) {
    problems.push_back(fmt::format("--probe-request-rate {}: expected 0 (no probes) up to {} probes per second",
                                   o.probe_request_rate, kMaxProbeRate));
  } else {
    v.probe_request_rate = o.probe_request_rate;
  }
  plan.dataset.random_batch_size = o.random_batch_size;
  plan.dataset.no_reranker = o.no_reranker;
  const bool rerank = dataset != nullptr && dataset->kind == workload::DatasetKind::kRandomRerank;
  plan.body.string_content = o.chat_content_format == "string";
  v.without_effect = o.given_without_effect;
  if (!rerank && (o.random_batch_size != 1 || o.no_reranker)) {
    v.without_effect.emplace_back("--random-batch-size, --no-reranker: they shape the random-rerank dataset only");
  }
  if (!o.chat_template_kwargs.empty()) v.without_effect.emplace_back("--chat-template-kwargs: llmload applies no chat template on the client");
  return problems;
}

}  // namespace llmload::config
