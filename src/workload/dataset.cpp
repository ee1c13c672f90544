#include "llmload/workload/dataset.hpp"

#include "llmload/workload/file_datasets.hpp"
#include "llmload/workload/hub_datasets.hpp"
#include "llmload/workload/trace_dataset.hpp"
#include "llmload/workload/py_random.hpp"
#include "llmload/workload/random_dataset.hpp"
#include "llmload/workload/rerank_dataset.hpp"
#include "llmload/workload/synthetic_datasets.hpp"

#include <fmt/format.h>

namespace llmload::workload {

std::int64_t count_prompt_tokens(const tokenizer::Tokenizer* tokenizer, std::string_view text) {
  if (tokenizer == nullptr) return count_words(text);
  return static_cast<std::int64_t>(tokenizer->encode(text, {.add_special_tokens = true}).size());
}

core::Result<void> check_no_oversample(std::size_t have, std::size_t num_prompts, bool no_oversample,
                                       std::string_view what) {
  if (!no_oversample || have >= num_prompts) return {};
  return core::fail("{}: the dataset has {} prompts but --num-prompts is {}, and --no-oversample "
                    "forbids repeating prompts; lower --num-prompts to {} or drop --no-oversample",
                    what, have, num_prompts, have);
}

core::Result<void> oversample(Dataset& dataset, std::size_t num_prompts, std::uint64_t seed,
                              bool no_oversample, std::string_view what) {
  const std::size_t have = dataset.specs.size();
  if (have == 0) return core::fail("{}: no usable prompt in the dataset", what);
  if (auto r = check_no_oversample(have, num_prompts, no_oversample, what); !r) return r;
  if (have >= num_prompts) return {};
  PyRandom rng(seed);
  dataset.specs.reserve(num_prompts);
  for (std::size_t i = have; i < num_prompts; ++i) dataset.specs.push_back(dataset.specs[rng.choice_index(have)]);
  dataset.notes.push_back(fmt::format("{}: oversampled {} prompts to --num-prompts {} (repeats picked "
                                      "at random; --no-oversample sends only the {})",
                                      what, have, num_prompts, have));
  return {};
}

core::Result<Dataset> make_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  const std::string& name = options.name;
  if (name == "random") {
    if (tokenizer != nullptr) return make_random_dataset(options.num_prompts, options.random, *tokenizer);
    auto specs = make_random_dataset(options.num_prompts, options.random);
    if (!specs) return specs.error();
    Dataset out;
    out.specs = std::move(*specs);
    out.notes.emplace_back("random dataset: no tokenizer loaded, so prompts are words from a built-in "
                           "list and input lengths are approximate (exact for llmload's simulator, which counts words); "
                           "give --tokenizer PATH for exact token counts");
    return out;
  }
  if (name == "random-mm") return make_random_mm_dataset(options, tokenizer);
  if (name == "random-rerank") return make_random_rerank_dataset(options, tokenizer);
  if (name == "sharegpt") return make_sharegpt_dataset(options, tokenizer);
  if (name == "custom" || name == "image-qa") return make_custom_dataset(options, tokenizer);
  if (name == "burstgpt") return make_burstgpt_dataset(options, tokenizer);
  if (name == "mooncake") return make_mooncake_dataset(options, tokenizer);
  if (name == "timed_trace") return make_timed_trace_dataset(options, tokenizer);
  if (name == "spec_bench") return make_spec_bench_dataset(options, tokenizer);
  if (name == "hf") return make_hf_dataset(options, tokenizer);
  if (name == "audio") return make_audio_dataset(options, tokenizer);
  if (name == "sonnet") return make_sonnet_dataset(options, tokenizer);
  if (name == "prefix_repetition") return make_prefix_repetition_dataset(options, tokenizer);
  return core::fail("--dataset-name {}: unknown dataset; choose from {}", name, dataset_names());
}

std::string dataset_names() {
  std::string names;
  for (const auto& d : kDatasets) names += (names.empty() ? "" : ", ") + std::string(d.name);
  return names;
}

}  // namespace llmload::workload
