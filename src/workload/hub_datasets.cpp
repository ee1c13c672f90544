// vLLM's Hugging Face Hub datasets (`hf`) and spec_bench, from local exports
// (workload/hub_datasets.hpp).

#include "llmload/workload/hub_datasets.hpp"

#include "llmload/core/base64.hpp"
#include "llmload/core/input_file.hpp"
#include "llmload/core/text.hpp"
#include "llmload/workload/audio_data.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/dataset_file.hpp"
#include "llmload/workload/image_data.hpp"
#include "llmload/workload/json_array_scanner.hpp"
#include "llmload/workload/parquet_reader.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <optional>

namespace llmload::workload {
namespace {

namespace dom = simdjson::dom;

// ---- one record, as vLLM's dataset class reads it -------------------------------------------

/// What a record contributes: the prompt, the reference answer whose length is the output
/// length when none is fixed, and an image part.
struct HubSample {
  std::string prompt;
  std::optional<std::string> completion;
  std::optional<dom::element> image;
  std::optional<dom::element> audio;
  std::string category;
  bool skip = false;  ///< filtered out, as vLLM filters it
};

using Extractor = core::Result<HubSample> (*)(dom::element record, const HubDatasetOptions& hub);

/// "/conversation/0/0/content" → "conversation[0][0].content", for messages.
std::string field_name(std::string_view pointer) {
  std::string out;
  std::size_t start = 1;
  while (start <= pointer.size()) {
    const auto slash = pointer.find('/', start);
    const auto part = pointer.substr(start, slash == std::string_view::npos ? pointer.npos : slash - start);
    const bool index = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    out += index ? fmt::format("[{}]", part) : (out.empty() ? std::string(part) : "." + std::string(part));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

core::Result<std::string> text_at(dom::element record, std::string_view pointer) {
  std::string_view s;
  if (record.at_pointer(pointer).get_string().get(s)) return core::fail("no string '{}'", field_name(pointer));
  return core::Result<std::string>(boost::system::in_place_value, s);
}

core::Result<HubSample> prompt_only(dom::element record, std::string_view pointer) {
  auto prompt = text_at(record, pointer);
  if (!prompt) return prompt.error();
  HubSample out;
  out.prompt = std::move(*prompt);
  return out;
}

core::Result<HubSample> with_image(core::Result<HubSample> sample, dom::element record, std::string_view pointer) {
  if (!sample) return sample;
  dom::element image;
  if (record.at_pointer(pointer).get(image)) return core::fail("no image at '{}'", field_name(pointer));
  sample->image = image;
  return sample;
}

core::Result<HubSample> vision_arena_chat(dom::element r, const HubDatasetOptions&) {
  return with_image(prompt_only(r, "/conversation/0/0/content"), r, "/images/0");
}
core::Result<HubSample> vision_arena_bench(dom::element r, const HubDatasetOptions&) {
  return with_image(prompt_only(r, "/turns/0/0/content"), r, "/images/0");
}
core::Result<HubSample> mt_bench(dom::element r, const HubDatasetOptions&) { return prompt_only(r, "/turns/0"); }
core::Result<HubSample> humaneval(dom::element r, const HubDatasetOptions&) { return prompt_only(r, "/prompt"); }
core::Result<HubSample> gsm8k(dom::element r, const HubDatasetOptions&) { return prompt_only(r, "/question"); }

core::Result<HubSample> instruct_coder(dom::element r, const HubDatasetOptions&) {
  auto input = text_at(r, "/input");
  auto instruction = text_at(r, "/instruction");
  if (!input) return input.error();
  if (!instruction) return instruction.error();
  HubSample out;
  out.prompt = fmt::format("{}\n\n{} Just output the code, do not include any explanation.", *input, *instruction);
  return out;
}

core::Result<HubSample> aimo(dom::element r, const HubDatasetOptions&) {
  auto out = prompt_only(r, "/problem");
  if (!out) return out;
  auto solution = text_at(r, "/solution");
  if (!solution) return solution.error();
  out->completion = std::move(*solution);
  return out;
}

/// ShareGPT-style records (vLLM's ConversationDataset and MultiModalConversationDataset):
/// records with fewer than two turns are skipped; an "image" is sent when present.
core::Result<HubSample> conversation(dom::element r, const HubDatasetOptions&) {
  HubSample out;
  dom::array turns;
  if (r.at_pointer("/conversations").get_array().get(turns)) return core::fail("no array 'conversations'");
  if (turns.size() < 2) {
    out.skip = true;
    return out;
  }
  auto prompt = text_at(r, "/conversations/0/value");
  auto completion = text_at(r, "/conversations/1/value");
  if (!prompt) return prompt.error();
  if (!completion) return completion.error();
  out.prompt = std::move(*prompt);
  out.completion = std::move(*completion);
  dom::element image;
  if (!r.at_pointer("/image").get(image) && !image.is_null()) out.image = image;
  return out;
}

core::Result<HubSample> blazedit(dom::element r, const HubDatasetOptions& hub) {
  auto code = text_at(r, "/code");
  auto change = text_at(r, "/change_request");
  if (!code) return code.error();
  if (!change) return change.error();
  double distance = 0;
  if (r.at_pointer("/norm_distance").get_double().get(distance)) return core::fail("no number 'norm_distance'");
  HubSample out;
  if (distance < hub.blazedit_min_distance || distance > hub.blazedit_max_distance) {
    out.skip = true;
    return out;
  }
  // Blazedit's prompt format, as vLLM's BlazeditDataset sends it.
  out.prompt = fmt::format(
      "Given a code file, please apply the change requests and generate the new file.\n\nOriginal file:\n"
      "```python\n{}\n```\n\nChange request:\n{}\n\nPlease generate the new code file in the \"New file\" "
      "section below.", *code, *change);
  return out;
}

core::Result<HubSample> mmstar(dom::element r, const HubDatasetOptions&) {
  auto question = text_at(r, "/question");
  if (!question) return question.error();
  HubSample out;
  out.prompt = std::string(core::trim(std::string_view(*question).substr(0, question->find("Options:"))));
  return with_image(std::move(out), r, "/image");
}

/// Zed's next-edit prediction records, in vLLM's zeta prompt format; the output length is the
/// reference output's from its editable-region marker on.
core::Result<HubSample> zeta(dom::element r, const HubDatasetOptions&) {
  auto events = text_at(r, "/events");
  auto input = text_at(r, "/input");
  auto output = text_at(r, "/output");
  if (!events) return events.error();
  if (!input) return input.error();
  if (!output) return output.error();
  HubSample out;
  out.prompt = fmt::format(
      "### Instruction:\nYou are a code completion assistant and your task is to analyze user edits and then "
      "rewrite an excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking "
      "into account the cursor location.\n\n### User Edits:\n\n{}\n\n### User Excerpt:\n\n{}\n\n### Response:\n\n",
      *events, *input);
  const auto marker = output->find("<|editable_region_start|>");
  // Python's str.find gives -1 when absent, and output[-1:] is the last character.
  out.completion = marker == std::string::npos ? output->substr(output->empty() ? 0 : output->size() - 1)
                                               : output->substr(marker);
  return out;
}

core::Result<HubSample> spec_bench(dom::element r, const HubDatasetOptions& hub) {
  dom::element turns;
  if (r.at_key("turns").get(turns)) return core::fail("no 'turns' (Spec-Bench lines hold a 'turns' array)");
  auto out = prompt_only(r, "/turns/0");
  if (!out) return out;
  std::string_view category;
  if (!r.at_key("category").get_string().get(category)) out->category = category;
  out->skip = !hub.spec_bench_category.empty() && out->category != hub.spec_bench_category;
  return out;
}

/// vLLM's ASRDataset: the record's "audio" is the request; the prompt is Whisper's
/// transcription preamble, counted for the input tokens but never sent (the form has no
/// prompt field).
core::Result<HubSample> asr(dom::element r, const HubDatasetOptions&) {
  dom::element audio;
  if (r.at_key("audio").get(audio) || audio.is_null()) return core::fail("no 'audio'");
  HubSample out;
  out.prompt = "<|startoftranscript|><|en|><|transcribe|><|notimestamps|>";
  out.audio = audio;
  return out;
}

// ---- the datasets ---------------------------------------------------------------------------

/// One of vLLM's dataset classes: the names it answers to, vLLM's defaults, how a record reads.
struct HubRecipe {
  std::array<const char*, 3> names;
  const char* split;             ///< vLLM's default --hf-split (files of a folder are filtered by it)
  std::int64_t default_output;   ///< output tokens when none is given; 0: the reference answer's length
  std::int64_t max_prompt_len;   ///< vLLM's length filter for answer-length outputs; 0: none
  std::int64_t max_total_len;
  bool images;
  Extractor extract;
  bool audio = false;  ///< the records are speech clips (openai-audio only)
};

constexpr HubRecipe kRecipes[] = {
    {{"lmarena-ai/VisionArena-Chat"}, "train", 128, 0, 0, true, vision_arena_chat},
    {{"lmarena-ai/vision-arena-bench-v0.1"}, "train", 128, 0, 0, true, vision_arena_bench},
    {{"likaixin/InstructCoder"}, "train", 200, 0, 0, false, instruct_coder},
    {{"philschmid/mt-bench"}, "train", 256, 0, 0, false, mt_bench},
    {{"openai/openai_humaneval"}, "test", 256, 0, 0, false, humaneval},
    {{"openai/gsm8k"}, "test", 256, 0, 0, false, gsm8k},
    {{"AI-MO/aimo-validation-aime", "AI-MO/NuminaMath-1.5", "AI-MO/NuminaMath-CoT"}, "train", 0, 2048, 32000, false, aimo},
    {{"Aeala/ShareGPT_Vicuna_unfiltered"}, "", 0, 1024, 2048, false, conversation},
    {{"lmms-lab/LLaVA-OneVision-Data"}, "", 0, 1024, 2048, false, conversation},
    {{"vdaita/edit_5k_char", "vdaita/edit_10k_char"}, "train", 4000, 0, 0, false, blazedit},
    {{"Lin-Chen/MMStar"}, "val", 128, 0, 0, true, mmstar},
    {{"zed-industries/zeta"}, "train", 0, 0, 0, false, zeta},
    {{"openslr/librispeech_asr", "facebook/voxpopuli", "LIUM/tedlium"}, "train", 128, 0, 0, false, asr, true},
    {{"edinburghcstr/ami", "speechcolab/gigaspeech", "kensho/spgispeech"}, "train", 128, 0, 0, false, asr, true},
};
constexpr HubRecipe kAudioRecipe{{"audio"}, "", 128, 0, 0, false, asr, true};
constexpr HubRecipe kSpecBench{{"spec_bench"}, "", 256, 0, 0, false, spec_bench};

const HubRecipe* find_recipe(std::string_view name) {
  for (const auto& recipe : kRecipes) {
    for (const char* n : recipe.names) {
      if (n != nullptr && name == n) return &recipe;
    }
  }
  return nullptr;
}

// ---- records of a local export --------------------------------------------------------------

constexpr std::size_t kMaxFiles = 1024;
constexpr int kMaxFolderDepth = 3;  ///< folders below --dataset-path searched for files

struct RecordPos {
  std::uint32_t file = 0;
  JsonElementPos pos;
};

/// The files of an export and where each record lies in them. A JSON file's records are read
/// again from the file when used; a Parquet file's rows are kept as JSON text (`rows`, a
/// record's offset is its index there) and its FilePtr is null.
struct RecordSource {
  std::vector<std::filesystem::path> paths;
  std::vector<FilePtr> files;
  std::vector<RecordPos> records;
  std::vector<std::string> rows;
  std::uint64_t row_bytes = 0;  ///< of `rows`, at most core::kMaxDatasetBytes
};

/// "FILE:LINE" of a JSON record, "FILE: row N" of a Parquet one, for messages.
std::string record_where(const RecordSource& source, const RecordPos& record) {
  const auto& path = source.paths[record.file];
  return source.files[record.file] ? where(path, record.pos.line) : fmt::format("{}: row {}", path.string(), record.pos.line);
}

/// The export's files: the file itself, or a folder's .json/.jsonl/.parquet files, its
/// subfolders' too (a Hub snapshot keeps them in data/ or CONFIG/SPLIT/; hidden ones and those
/// over kMaxFolderDepth deep are left out), sorted; those whose path in the folder contains
/// `split`, when any does.
core::Result<std::vector<std::filesystem::path>> export_files(const std::filesystem::path& path, std::string_view split) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return std::vector<fs::path>{path};
  std::vector<fs::path> all;
  fs::recursive_directory_iterator it(path, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const bool hidden = it->path().filename().string().starts_with('.');
    if (it->is_directory(ec) && (hidden || it.depth() + 1 >= kMaxFolderDepth)) it.disable_recursion_pending();
    if (hidden) continue;
    const auto ext = it->path().extension();
    if (it->is_regular_file(ec) && (ext == ".json" || ext == ".jsonl" || ext == ".parquet")) all.push_back(it->path());
    if (all.size() > kMaxFiles) return core::fail("{}: more than {} dataset files; point --dataset-path at one", path.string(), kMaxFiles);
  }
  if (ec) return core::fail("{}: cannot list: {}", path.string(), ec.message());
  std::sort(all.begin(), all.end());
  std::vector<fs::path> picked;
  for (const auto& p : all) {
    if (!split.empty() && p.lexically_relative(path).generic_string().find(split) != std::string::npos) picked.push_back(p);
  }
  if (picked.empty()) picked = all;
  if (picked.empty()) return core::fail("{}: no .json, .jsonl or .parquet file in the folder or its subfolders", path.string());
  return picked;
}

/// A Parquet file's rows, each kept as the JSON text of its record.
core::Result<void> index_parquet(RecordSource& source, std::uint32_t index) {
  const auto& path = source.paths[index];
  auto rows = read_parquet_file(path, [&](boost::json::object&& row, std::uint64_t i) -> core::Result<void> {
    std::string text = boost::json::serialize(row);
    source.row_bytes += text.size();
    if (source.row_bytes > core::kMaxDatasetBytes) {
      return core::fail("the export's Parquet rows take more than {} GiB as JSON", core::kMaxDatasetBytes >> 30);
    }
    text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    const JsonElementPos pos{source.rows.size(), text.size(), static_cast<std::uint32_t>(i + 1), static_cast<std::uint32_t>(i)};
    source.records.push_back({index, pos});
    source.rows.push_back(std::move(text));
    return {};
  });
  if (!rows) return rows.error();
  source.files.emplace_back();
  return {};
}

core::Result<void> index_file(RecordSource& source, std::uint32_t index) {
  const auto& path = source.paths[index];
  if (is_parquet_file(path)) return index_parquet(source, index);
  auto file = open_dataset_file(path);
  if (!file) return file.error();
  int first = 0;
  while ((first = std::fgetc(file->get())) != EOF && std::isspace(first)) {}
  std::rewind(file->get());
  auto keep = [&](const auto&, const JsonElementPos& pos) -> core::Result<void> {
    source.records.push_back({index, pos});
    return {};
  };
  auto scanned = first == '[' ? scan_json_array(path, keep) : for_each_line(file->get(), path, keep);
  if (!scanned) return scanned.error();
  source.files.push_back(std::move(*file));
  return {};
}

core::Result<RecordSource> index_export(const std::filesystem::path& path, std::string_view split) {
  RecordSource source;
  auto files = export_files(path, split);
  if (!files) return files.error();
  source.paths = std::move(*files);
  for (std::uint32_t i = 0; i < source.paths.size(); ++i) {
    if (auto r = index_file(source, i); !r) return r.error();
  }
  if (source.records.empty()) return core::fail("{}: no records", path.string());
  return source;
}

/// The image part of a record: a path or URL string, {"bytes": base64} or {"path": ...}.
core::Result<std::shared_ptr<const std::string>> image_url(dom::element image, const std::filesystem::path& base_dir,
                                                           ImageCache& cache) {
  std::string_view ref;
  if (!image.get_string().get(ref)) return cache.get(ref, base_dir);
  std::string_view b64;
  if (image.at_key("bytes").get_string().get(b64) || b64.empty()) {
    if (!image.at_key("path").get_string().get(ref)) return cache.get(ref, base_dir);
    return core::fail("an image must be a path or URL string, or an object with 'bytes' (base64) or 'path'");
  }
  auto bytes = core::base64_decode(b64);
  if (!bytes) return core::fail("the image's 'bytes' are not base64: {}", bytes.error().message);
  const std::string_view raw(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const auto mime = sniff_image_mime(raw);
  if (mime.empty()) return core::fail("the image's bytes are not a PNG, JPEG, GIF or WebP image");
  return std::make_shared<const std::string>(image_data_url(mime, raw));
}

/// The clip of a record's "audio": a path string, or the Hub's {"bytes": base64, "path": ...}
/// (bytes first; a path alone is a local file). Hub exports of decoded arrays are refused.
core::Result<std::shared_ptr<const AudioClip>> audio_clip(dom::element audio, const std::filesystem::path& base_dir,
                                                          AudioCache& cache) {
  std::string_view ref;
  if (!audio.get_string().get(ref)) return cache.get(ref, base_dir);
  std::string_view b64;
  if (!audio.at_key("bytes").get_string().get(b64) && !b64.empty()) {
    auto bytes = core::base64_decode(b64);
    if (!bytes) return core::fail("the audio's 'bytes' are not base64: {}", bytes.error().message);
    return make_audio_clip(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()), "audio");
  }
  if (!audio.at_key("path").get_string().get(ref)) return cache.get(ref, base_dir);
  if (!audio.at_key("array").error()) {
    return core::fail("the audio is a decoded array: export the dataset with the audio's encoded bytes "
                      "(Parquet, or datasets' Audio(decode=False)) or as file paths");
  }
  return core::fail("'audio' must be a file path or an object with 'bytes' (base64) or 'path'");
}

// ---- building the requests ------------------------------------------------------------------

/// How the records become requests.
struct BuildRules {
  const HubRecipe* recipe = nullptr;
  std::optional<std::int64_t> fixed_output;  ///< --hf-output-len / --spec-bench-output-len / --output-len
  std::uint64_t shuffle_seed = 0;
  std::string label;                         ///< for messages: "hf (likaixin/InstructCoder)"
};

struct BuildCounts {
  std::size_t skipped = 0, filtered = 0, audio_outside = 0;
};

/// One record's request, or nothing when vLLM would skip it.
core::Result<std::optional<RequestSpec>> record_request(const HubSample& sample, const BuildRules& rules,
                                                        const tokenizer::Tokenizer* tokenizer, BuildCounts& counts) {
  if (sample.skip) {
    ++counts.skipped;
    return std::optional<RequestSpec>{};
  }
  RequestSpec spec;
  const std::int64_t prompt_len = count_prompt_tokens(tokenizer, sample.prompt);
  std::int64_t output_len = rules.fixed_output.value_or(rules.recipe->default_output);
  if (!rules.fixed_output && rules.recipe->default_output == 0) {
    output_len = std::max<std::int64_t>(count_prompt_tokens(tokenizer, sample.completion.value_or("")), 1);
    if (tokenizer != nullptr && rules.recipe->max_prompt_len > 0 &&
        !is_valid_sequence(prompt_len, output_len, false, rules.recipe->max_prompt_len, rules.recipe->max_total_len)) {
      ++counts.filtered;
      return std::optional<RequestSpec>{};
    }
  }
  spec.prompt = sample.prompt;
  spec.prompt_len = static_cast<std::int32_t>(std::min<std::int64_t>(prompt_len, INT32_MAX));
  spec.expected_output_len = static_cast<std::int32_t>(std::min<std::int64_t>(output_len, INT32_MAX));
  spec.category = sample.category;
  return std::optional<RequestSpec>{std::move(spec)};
}

core::Result<Dataset> build_requests(const DatasetOptions& options, const BuildRules& rules, RecordSource& source,
                                     const tokenizer::Tokenizer* tokenizer) {
  shuffle_entries(source.records, rules.shuffle_seed, options.disable_shuffle);
  Dataset out;
  BuildCounts counts;
  ImageCache images;
  AudioCache audio;
  dom::parser parser;
  std::string buffer;
  for (const auto& entry : source.records) {
    if (out.specs.size() >= options.num_prompts) break;
    const auto& [file, pos] = entry;
    const auto& path = source.paths[file];
    if (!source.files[file]) {
      buffer.reserve(pos.size + simdjson::SIMDJSON_PADDING);
      buffer.assign(source.rows[pos.offset]);
    } else if (auto r = read_element(source.files[file].get(), path, pos, buffer); !r) {
      return r.error();
    }
    dom::element record;
    if (auto ec = parser.parse(buffer.data(), buffer.size(), false).get(record)) {
      return core::fail("{}: invalid JSON ({})", record_where(source, entry), simdjson::error_message(ec));
    }
    auto sample = rules.recipe->extract(record, options.hub);
    if (!sample) {
      return core::fail("{}: {} (as {} reads a record)", record_where(source, entry), sample.error().message, rules.label);
    }
    auto spec = record_request(*sample, rules, tokenizer, counts);
    if (!spec) return spec.error();
    if (!*spec) continue;
    if (sample->image) {
      auto url = image_url(*sample->image, path.parent_path(), images);
      if (!url) return core::fail("{}: {}", record_where(source, entry), url.error().message);
      (*spec)->images.push_back(std::move(*url));
    }
    if (sample->audio) {
      auto clip = audio_clip(*sample->audio, path.parent_path(), audio);
      if (!clip) return core::fail("{}: {}", record_where(source, entry), clip.error().message);
      // vLLM's ASRDataset skips clips outside [--asr-min-audio-len-sec, --asr-max-audio-len-sec].
      if ((*clip)->duration_s < options.hub.asr_min_audio_len_sec || (*clip)->duration_s > options.hub.asr_max_audio_len_sec) {
        ++counts.audio_outside;
        continue;
      }
      (*spec)->audio = std::move(*clip);
    }
    out.specs.push_back(std::move(**spec));
  }
  out.notes.push_back(fmt::format(
      "{}: {} records in {} file(s) of {}; took {}{}{}{}", rules.label, source.records.size(), source.paths.size(),
      options.path, out.specs.size(),
      counts.skipped + counts.filtered > 0
          ? fmt::format(" (skipped {} as vLLM skips them, {} outside vLLM's length limits)", counts.skipped, counts.filtered)
          : std::string(),
      counts.audio_outside > 0 ? fmt::format(" ({} clips outside --asr-min-audio-len-sec {} / --asr-max-audio-len-sec {})",
                                             counts.audio_outside, options.hub.asr_min_audio_len_sec,
                                             options.hub.asr_max_audio_len_sec)
                               : std::string(),
      tokenizer != nullptr ? "" : "; no tokenizer: lengths counted in words, vLLM's length filters not applied"));
  if (out.specs.empty()) return core::fail("{}: no record of {} gave a request", rules.label, options.path);
  if (auto r = oversample(out, options.num_prompts, rules.shuffle_seed, options.no_oversample, rules.label); !r) return r.error();
  return out;
}

std::string known_names() {
  std::string out;
  for (const auto& name : hub_dataset_names()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

/// The recipe --hf-name (or a --dataset-path spelled as a Hub name) asks for.
core::Result<std::pair<const HubRecipe*, std::string>> resolve_recipe(const DatasetOptions& options) {
  const std::string& name = options.hub.hf_name.empty() ? options.path : options.hub.hf_name;
  if (const HubRecipe* recipe = find_recipe(name)) return std::pair{recipe, name};
  // A local snapshot folder named like the Hub's repository: ".../owner/name".
  const std::filesystem::path p(options.path);
  const std::string tail = (p.parent_path().filename() / p.filename()).generic_string();
  if (options.hub.hf_name.empty()) {
    if (const HubRecipe* recipe = find_recipe(tail)) return std::pair{recipe, tail};
  }
  if (!options.hub.hf_name.empty()) {
    return core::fail("--hf-name {}: not one of the Hub datasets llmload reads ({}); export other datasets as "
                      "--dataset-name custom JSON Lines", options.hub.hf_name, known_names());
  }
  return core::fail("--dataset-name hf: give --hf-name NAME for the dataset the file holds (one of {})", known_names());
}

}  // namespace

std::vector<std::string> hub_dataset_names() {
  std::vector<std::string> out;
  for (const auto& recipe : kRecipes) {
    for (const char* n : recipe.names) {
      if (n != nullptr) out.emplace_back(n);
    }
  }
  return out;
}

core::Result<void> check_hub_options(const HubDatasetOptions& hub) {
  const auto in_unit = [](double v) { return v >= 0.0 && v <= 1.0; };
  if (!in_unit(hub.blazedit_min_distance) || !in_unit(hub.blazedit_max_distance)) {
    return core::fail("--blazedit-min-distance / --blazedit-max-distance must be in [0, 1]");
  }
  if (hub.blazedit_min_distance > hub.blazedit_max_distance) {
    return core::fail("--blazedit-min-distance {} is above --blazedit-max-distance {}", hub.blazedit_min_distance,
                      hub.blazedit_max_distance);
  }
  if (hub.hf_output_len && *hub.hf_output_len < 1) return core::fail("--hf-output-len must be at least 1");
  if (hub.spec_bench_output_len < 1) return core::fail("--spec-bench-output-len must be at least 1");
  if (std::isnan(hub.asr_min_audio_len_sec) || std::isnan(hub.asr_max_audio_len_sec) ||
      hub.asr_min_audio_len_sec > hub.asr_max_audio_len_sec) {
    return core::fail("--asr-min-audio-len-sec {} must not be above --asr-max-audio-len-sec {}", hub.asr_min_audio_len_sec,
                      hub.asr_max_audio_len_sec);
  }
  return {};
}

core::Result<Dataset> make_hf_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  if (auto r = check_hub_options(options.hub); !r) return r.error();
  auto recipe = resolve_recipe(options);
  if (!recipe) return recipe.error();
  std::error_code ec;
  if (!std::filesystem::exists(options.path, ec)) {
    return core::fail("--dataset-path {}: no such file or folder; llmload does not download from the Hugging Face "
                      "Hub: download {} and give its local Parquet/JSON/JSONL export with --dataset-path FILE_OR_FOLDER "
                      "--hf-name {}", options.path, recipe->second, recipe->second);
  }
  if (recipe->first->audio != options.audio) {
    if (recipe->first->audio) return core::fail("--hf-name {} holds speech: add --backend openai-audio", recipe->second);
    return core::fail("--hf-name {} is not a speech dataset; --backend openai-audio sends the audio of "
                      "openslr/librispeech_asr and vLLM's other speech datasets", recipe->second);
  }
  if (recipe->first->images && !options.chat) {
    return core::fail("--hf-name {} sends images, which only chat requests carry; add --backend openai-chat", recipe->second);
  }
  const std::string split = options.hub.hf_split.empty() ? recipe->first->split : options.hub.hf_split;
  auto source = index_export(options.path, split);
  if (!source) return source.error();
  BuildRules rules{recipe->first, options.hub.hf_output_len, options.seed, fmt::format("hf ({})", recipe->second)};
  auto out = build_requests(options, rules, *source, tokenizer);
  if (out) {
    out->notes.push_back(fmt::format("{}: records taken in the order of Python's random.shuffle after --seed {} "
                                     "(vLLM streams the Hub's own shuffle); no chat template applied on the client",
                                     rules.label, options.seed));
  }
  return out;
}

core::Result<Dataset> make_audio_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  if (auto r = check_hub_options(options.hub); !r) return r.error();
  auto source = index_export(options.path, "");
  if (!source) return source.error();
  BuildRules rules{&kAudioRecipe, options.hub.hf_output_len, options.seed, "audio"};
  return build_requests(options, rules, *source, tokenizer);
}

core::Result<Dataset> make_spec_bench_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  if (auto r = check_hub_options(options.hub); !r) return r.error();
  auto source = index_export(options.path, "");
  if (!source) return source.error();
  // vLLM's SpecBench is made without the run's seed, so it always shuffles with seed 0.
  BuildRules rules{&kSpecBench, options.hub.spec_bench_output_len, 0, "spec_bench"};
  auto out = build_requests(options, rules, *source, tokenizer);
  if (!out && !options.hub.spec_bench_category.empty()) {
    return core::fail("{} (--spec-bench-category {})", out.error().message, options.hub.spec_bench_category);
  }
  return out;
}

}  // namespace llmload::workload
