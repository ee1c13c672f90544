#include "llmload/config/dataset_flags.hpp"

#include <CLI/CLI.hpp>

namespace llmload::config {
namespace {

constexpr const char* kWorkloadGroup = "Workload";

void add_trace_flags(CLI::App& app, workload::TimedTraceOptions& t) {
  app.add_option("--timed-trace-chunk-hash-size", t.chunk_hash_size,
                 "timed_trace: tokens each hash id stands for (16 in Qwen/Alibaba traces, 512 in Mooncake's)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--timed-trace-sec-multiplier", t.sec_multiplier,
                 "timed_trace: timestamps times this are seconds (0.001 for milliseconds)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--timed-trace-label-timestamp", t.label_timestamp, "timed_trace: the timestamp's field name")
      ->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--timed-trace-label-input-length", t.label_input_length, "timed_trace: the input length's field name")
      ->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--timed-trace-label-output-length", t.label_output_length,
                 "timed_trace: the output length's field name")->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--timed-trace-label-hash-ids", t.label_hash_ids, "timed_trace: the hash ids' field name")
      ->capture_default_str()->group(kWorkloadGroup);
}

void add_hub_flags(CLI::App& app, workload::HubDatasetOptions& h) {
  app.add_option("--hf-name", h.hf_name,
                 "hf: which of vLLM's Hugging Face datasets --dataset-path holds (a local Parquet/JSON/JSONL "
                 "export; nothing is downloaded), e.g. likaixin/InstructCoder")->group(kWorkloadGroup);
  app.add_option("--hf-split", h.hf_split, "hf: the split; a folder's files whose path contains it are read")
      ->group(kWorkloadGroup);
  app.add_option("--hf-subset", h.hf_subset, "hf: the subset (recorded; export the subset you want)")
      ->group(kWorkloadGroup);
  app.add_option("--hf-output-len", h.hf_output_len,
                 "hf: output tokens (default: the dataset's, as vLLM's)")
      ->check(CLI::PositiveNumber)->group(kWorkloadGroup);
  app.add_option("--spec-bench-output-len", h.spec_bench_output_len, "spec_bench: output tokens")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--spec-bench-category", h.spec_bench_category,
                 "spec_bench: only this category (default: all)")->group(kWorkloadGroup);
  app.add_option("--blazedit-min-distance", h.blazedit_min_distance,
                 "hf (vdaita/edit_*): smallest normalized edit distance kept, in [0, 1]")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--blazedit-max-distance", h.blazedit_max_distance,
                 "hf (vdaita/edit_*): largest normalized edit distance kept, in [0, 1]")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--asr-min-audio-len-sec", h.asr_min_audio_len_sec,
                 "hf (speech datasets) and audio: shortest clip kept, in seconds")
      ->check(CLI::Number)->capture_default_str()->group(kWorkloadGroup);
  app.add_option("--asr-max-audio-len-sec", h.asr_max_audio_len_sec,
                 "hf (speech datasets) and audio: longest clip kept, in seconds")
      ->check(CLI::Number)->capture_default_str()->group(kWorkloadGroup);
}

}  // namespace

void add_dataset_source_flags(CLI::App& app, workload::TimedTraceOptions& trace, workload::HubDatasetOptions& hub) {
  add_trace_flags(app, trace);
  add_hub_flags(app, hub);
}

}  // namespace llmload::config
