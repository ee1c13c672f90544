#pragma once
/// The dataset flags of `llmload bench` after validation (vLLM's names and defaults), read by
/// every dataset source.

#include "llmload/workload/random_dataset.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::workload {

/// One --random-mm-bucket-config entry: an image size and its probability.
struct MmBucket {
  std::int64_t height = 0;   ///< pixels
  std::int64_t width = 0;    ///< pixels
  std::int64_t frames = 1;   ///< 1 = image (videos, frames > 1, are not supported)
  double probability = 0;    ///< normalized to sum to 1 over the buckets
};

/// vLLM's RandomMultiModalDataset flags.
struct RandomMmOptions {
  std::int64_t base_items_per_request = 1;  ///< --random-mm-base-items-per-request
  double num_mm_items_range_ratio = 0.0;    ///< --random-mm-num-mm-items-range-ratio, in [0, 1]
  std::map<std::string, std::int64_t> limit_mm_per_prompt{{"image", 255}, {"video", 0}};
  std::vector<MmBucket> buckets{{256, 256, 1, 0.5}, {720, 1280, 1, 0.5}};  ///< --random-mm-bucket-config
  /// --random-mm-image-format (llmload's): "jpeg" (vLLM's encoding: PIL JPEG, quality 75) or "png"
  std::string image_format = "jpeg";
};

/// vLLM's timed_trace flags: how a JSON Lines trace names its fields, the unit of its
/// timestamps and the tokens each hash id stands for.
struct TimedTraceOptions {
  std::int64_t chunk_hash_size = 16;   ///< --timed-trace-chunk-hash-size: tokens per hash id
  double sec_multiplier = 1.0;         ///< --timed-trace-sec-multiplier: timestamp x this = seconds
  std::string label_timestamp = "timestamp";          ///< --timed-trace-label-timestamp
  std::string label_input_length = "input_length";    ///< --timed-trace-label-input-length
  std::string label_output_length = "output_length";  ///< --timed-trace-label-output-length
  std::string label_hash_ids = "hash_ids";            ///< --timed-trace-label-hash-ids
};

/// The Mooncake traces' format: timestamps in milliseconds, 512 tokens per hash id.
inline TimedTraceOptions mooncake_trace_format() {
  TimedTraceOptions f;
  f.chunk_hash_size = 512;
  f.sec_multiplier = 0.001;
  return f;
}

/// vLLM's flags of the datasets it loads from the Hugging Face Hub (read here from a local
/// export) and of spec_bench.
struct HubDatasetOptions {
  std::string hf_name;                       ///< --hf-name: which of vLLM's Hub datasets the file holds
  std::string hf_subset, hf_split;           ///< --hf-subset, --hf-split (a folder's files are filtered by the split)
  std::optional<std::int64_t> hf_output_len; ///< --hf-output-len / --output-len
  std::int64_t spec_bench_output_len = 256;  ///< --spec-bench-output-len / --output-len
  std::string spec_bench_category;           ///< --spec-bench-category: only this category
  double blazedit_min_distance = 0.0;        ///< --blazedit-min-distance, in [0, 1]
  double blazedit_max_distance = 1.0;        ///< --blazedit-max-distance, in [0, 1]
  double asr_min_audio_len_sec = 0.0;        ///< --asr-min-audio-len-sec: shorter clips are skipped
  double asr_max_audio_len_sec = std::numeric_limits<double>::infinity();  ///< --asr-max-audio-len-sec
};

/// Everything a dataset source may read. Plain data with vLLM's defaults.
struct DatasetOptions {
  std::string name = "random";      ///< --dataset-name
  std::string path;                 ///< --dataset-path
  std::size_t num_prompts = 1000;   ///< --num-prompts
  std::uint64_t seed = 0;           ///< --seed
  bool no_oversample = false;       ///< --no-oversample: a dataset smaller than num_prompts is an error
  bool disable_shuffle = false;     ///< --disable-shuffle (sharegpt, custom)
  bool chat = false;                ///< the backend sends chat messages (images allowed)
  bool audio = false;               ///< the backend sends audio files (openai-audio)
  RandomDatasetOptions random;      ///< random and random-mm text
  RandomMmOptions random_mm;
  std::int64_t random_batch_size = 1;  ///< --random-batch-size: random-rerank documents per request
  bool no_reranker = false;            ///< --no-reranker: random-rerank for an embedding model
  std::optional<std::int64_t> sharegpt_output_len;  ///< --sharegpt-output-len / --output-len
  std::optional<std::int64_t> custom_output_len;    ///< --custom-output-len / --output-len
  std::int64_t sonnet_input_len = 550;              ///< --sonnet-input-len / --input-len
  std::int64_t sonnet_output_len = 150;             ///< --sonnet-output-len / --output-len
  std::int64_t sonnet_prefix_len = 200;             ///< --sonnet-prefix-len
  std::int64_t prefix_repetition_prefix_len = 256;  ///< --prefix-repetition-prefix-len
  std::int64_t prefix_repetition_suffix_len = 256;  ///< --prefix-repetition-suffix-len
  std::int64_t prefix_repetition_num_prefixes = 10; ///< --prefix-repetition-num-prefixes
  std::int64_t prefix_repetition_output_len = 128;  ///< --prefix-repetition-output-len / --output-len
  double trace_time_scale = 1.0;                    ///< --trace-time-scale (trace replay), > 0
  TimedTraceOptions timed_trace;                    ///< timed_trace's format (mooncake has its own)
  HubDatasetOptions hub;                            ///< hf and spec_bench
};

/// The datasets make_dataset() knows.
enum class DatasetKind { kRandom, kRandomMm, kRandomRerank, kShareGpt, kCustom, kImageQa, kSonnet, kBurstGpt, kPrefixRepetition, kMooncake,
                         kTimedTrace, kSpecBench, kHf, kAudio };

/// A dataset's name (vLLM's spelling) and the properties the resolvers and checks ask about.
struct DatasetInfo {
  DatasetKind kind;
  const char* name;
  bool needs_path;         ///< reads --dataset-path
  bool synthetic;          ///< made up from lengths (random, random-mm): its lengths are the flags'
  bool forces_ignore_eos;  ///< vLLM sends ignore_eos so every output has the asked length
  bool images;             ///< sends images (chat requests only)
  bool trace;              ///< carries its own send times
};

/// Every dataset, in the order help texts list them.
inline constexpr DatasetInfo kDatasets[] = {
    {DatasetKind::kRandom, "random", false, true, true, false, false},
    {DatasetKind::kRandomMm, "random-mm", false, true, true, true, false},
    {DatasetKind::kRandomRerank, "random-rerank", false, true, false, false, false},
    {DatasetKind::kShareGpt, "sharegpt", true, false, false, false, false},
    {DatasetKind::kCustom, "custom", true, false, false, false, false},
    {DatasetKind::kImageQa, "image-qa", true, false, false, false, false},
    {DatasetKind::kSonnet, "sonnet", true, false, false, false, false},
    {DatasetKind::kBurstGpt, "burstgpt", true, false, false, false, false},
    {DatasetKind::kPrefixRepetition, "prefix_repetition", false, false, false, false, false},
    {DatasetKind::kMooncake, "mooncake", true, false, false, false, true},
    {DatasetKind::kTimedTrace, "timed_trace", true, false, false, false, true},
    {DatasetKind::kSpecBench, "spec_bench", true, false, false, false, false},
    {DatasetKind::kHf, "hf", true, false, false, false, false},
    {DatasetKind::kAudio, "audio", true, false, false, false, false},
};

/// The dataset called `name`, or null.
constexpr const DatasetInfo* find_dataset(std::string_view name) {
  for (const auto& d : kDatasets) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

/// The names joined with ", " (for messages).
std::string dataset_names();

}  // namespace llmload::workload
