// Fuzz target of the file dataset readers (custom JSONL, ShareGPT JSON, BurstGPT CSV,
// Mooncake JSONL): the input is written to a scratch file and read by each; a dataset or an
// error naming the file, never a crash. The first byte picks the reader.
#include "llmload/workload/dataset_options.hpp"
#include "llmload/workload/file_datasets.hpp"
#include "llmload/workload/trace_dataset.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::string path = "/tmp/llmload-datasets-fuzz-" + std::to_string(::getpid());
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  } else {
    return 0;
  }
  llmload::workload::DatasetOptions options;
  options.path = path;
  options.num_prompts = 4;
  using Make = llmload::core::Result<llmload::workload::Dataset> (*)(const llmload::workload::DatasetOptions&,
                                                                     const llmload::tokenizer::Tokenizer*);
  const Make makers[] = {llmload::workload::make_custom_dataset, llmload::workload::make_sharegpt_dataset,
                         llmload::workload::make_burstgpt_dataset, llmload::workload::make_mooncake_dataset};
  (void)makers[data[0] % 4](options, nullptr);
  return 0;
}
