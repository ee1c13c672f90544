#include "llmload/workload/dataset.hpp"

#include "llmload/workload/file_datasets.hpp"
#include "llmload/workload/py_random.hpp"
#include "llmload/workload/random_dataset.hpp"
#include "llmload/workload/synthetic_datasets.hpp"

#include <fmt/format.h>

namespace llmload::workload {

std::int64_t count_prompt_tokens(const Tokenizer* tokenizer, std::string_view text) {
  if (tokenizer == nullptr) return count_words(text);
  return static_cast<std::int64_t>(tokenizer->encode(text, {.add_special_tokens = true}).size());
}

core::Result<void> oversample(Dataset& dataset, std::size_t num_prompts, std::uint64_t seed,
                              bool no_oversample, std::string_view what) {
  const std::size_t have = dataset.specs.size();
  if (have == 0) return core::fail("{}: no usable prompt in the dataset", what);
  if (have >= num_prompts) return {};
  if (no_oversample) {
    dataset.notes.push_back(fmt::format("{}: only {} prompts for --num-prompts {}; --no-oversample: "
                                        "sending {} requests", what, have, num_prompts, have));
    return {};
  }
  PyRandom rng(seed);
  dataset.specs.reserve(num_prompts);
  for (std::size_t i = have; i < num_prompts; ++i) dataset.specs.push_back(dataset.specs[rng.choice_index(have)]);
  dataset.notes.push_back(fmt::format("{}: oversampled {} prompts to --num-prompts {} (repeats picked "
                                      "at random; --no-oversample sends only the {})",
                                      what, have, num_prompts, have));
  return {};
}

core::Result<Dataset> make_dataset(const DatasetOptions& options, const Tokenizer* tokenizer) {
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
  if (name == "sharegpt") return make_sharegpt_dataset(options, tokenizer);
  if (name == "custom") return make_custom_dataset(options, tokenizer);
  if (name == "sonnet") return make_sonnet_dataset(options, tokenizer);
  if (name == "prefix_repetition") return make_prefix_repetition_dataset(options, tokenizer);
  std::string names;
  for (const char* n : kDatasetNames) names += (names.empty() ? "" : ", ") + std::string(n);
  return core::fail("--dataset-name {}: unknown dataset; choose from {}", name, names);
}

}  // namespace llmload::workload
