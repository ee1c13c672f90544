#include "llmload/workload/file_datasets.hpp"

#include "llmload/workload/dataset_file.hpp"

#include "llmload/core/input_file.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/image_data.hpp"
#include "llmload/workload/json_array_scanner.hpp"
#include "llmload/workload/py_random.hpp"
#include "llmload/workload/random_dataset.hpp"
#include "llmload/core/rng.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <optional>
#include <unordered_map>

namespace llmload::workload {
namespace {

namespace od = simdjson::ondemand;
static_assert(simdjson::SIMDJSON_PADDING <= 64, "json_array_scanner reserves 64 spare bytes");

// ---- sharegpt ------------------------------------------------------------------------------

struct ShareGptTurns {
  std::string prompt, completion;
};

core::Result<ShareGptTurns> sharegpt_turns(od::parser& parser, const std::string& buffer,
                                           const std::filesystem::path& path, const JsonElementPos& pos) {
  const auto bad = [&](std::string_view what, simdjson::error_code ec) {
    return core::fail("{}: conversation {}: {} ({})", where(path, pos.line), pos.index, what,
                      simdjson::error_message(ec));
  };
  od::document doc;
  if (auto ec = parser.iterate(padded(buffer)).get(doc)) return bad("invalid JSON", ec);
  od::object obj;
  if (auto ec = doc.get_object().get(obj)) return bad("not a JSON object", ec);
  od::array turns;
  if (auto ec = obj.find_field_unordered("conversations").get_array().get(turns)) {
    return bad("no 'conversations' array", ec);
  }
  ShareGptTurns out;
  std::size_t i = 0;
  for (auto turn : turns) {
    std::string_view value;
    od::object t;
    if (auto ec = turn.get_object().get(t)) return bad(fmt::format("conversations[{}] is not an object", i), ec);
    if (auto ec = t.find_field_unordered("value").get_string().get(value)) {
      return bad(fmt::format("conversations[{}] has no string 'value'", i), ec);
    }
    (i == 0 ? out.prompt : out.completion) = value;
    if (++i == 2) break;
  }
  return out;
}

// ---- custom --------------------------------------------------------------------------------

struct CustomLine {
  std::string prompt;
  std::optional<std::int64_t> output_tokens;
  std::vector<std::string> images;
  std::string category;
  std::vector<std::string> answers;
};

core::Result<CustomLine> parse_custom_line(od::parser& parser, const std::string& buffer,
                                           const std::filesystem::path& path, std::uint32_t line) {
  const auto bad = [&](std::string_view what) {
    return core::fail("{}: {}; each line must be a JSON object like {{\"prompt\": \"...\"}}",
                      where(path, line), what);
  };
  od::document doc;
  od::object obj;
  if (auto problem = line_object(parser, buffer, doc, obj)) return bad(*problem);
  CustomLine out;
  bool have_prompt = false;
  for (auto field : obj) {
    std::string_view key;
    if (auto ec = field.unescaped_key().get(key)) return bad(fmt::format("invalid JSON ({})", simdjson::error_message(ec)));
    od::value value;
    if (field.value().get(value)) return bad("invalid JSON");
    if (key == "prompt" || key == "question") {
      if (have_prompt) return bad("both 'prompt' and 'question'; give one");
      std::string_view s;
      if (value.get_string().get(s)) return bad(fmt::format("'{}' must be a string", key));
      out.prompt = s;
      have_prompt = true;
    } else if (key == "output_tokens") {
      std::int64_t n = 0;
      if (value.get_int64().get(n) || n < 1) return bad("'output_tokens' must be an integer >= 1");
      out.output_tokens = n;
    } else if (key == "category") {
      std::string_view s;
      if (value.get_string().get(s)) return bad("'category' must be a string");
      out.category = s;
    } else if (key == "images" || key == "answers") {
      auto& list = key == "images" ? out.images : out.answers;
      od::json_type type;
      if (value.type().get(type)) return bad(fmt::format("invalid JSON in '{}'", key));
      if (type == od::json_type::string && key == "answers") {
        std::string_view s;
        if (value.get_string().get(s)) return bad("invalid 'answers'");
        list.emplace_back(s);
        continue;
      }
      od::array items;
      if (value.get_array().get(items)) return bad(fmt::format("'{}' must be an array of strings", key));
      for (auto item : items) {
        std::string_view s;
        if (item.get_string().get(s)) return bad(fmt::format("'{}' must be an array of strings", key));
        list.emplace_back(s);
      }
    }
    // Other keys (ids, metadata) are ignored, as vLLM ignores them.
  }
  if (!have_prompt) return bad("no 'prompt' (or 'question')");
  return out;
}

// ---- burstgpt -------------------------------------------------------------------------------

/// The fields of one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes).
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

/// A token count field: an integer, or a float with no fraction ("12.0", as pandas writes).
std::optional<std::int64_t> parse_count(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !(std::floor(v) == v) || std::abs(v) > 1e12) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v);
}

struct BurstRow {
  std::int64_t input_len = 0, output_len = 0;
};

}  // namespace

core::Result<Dataset> make_sharegpt_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_dataset_file(path);
  if (!file) return file.error();

  // Pass 1: the usable entries (vLLM keeps those whose "conversations" has >= 2 turns).
  od::parser parser;
  std::vector<JsonElementPos> usable;
  std::uint32_t total = 0;
  auto scanned = scan_json_array(path, [&](std::string_view bytes, const JsonElementPos& pos) -> core::Result<void> {
    ++total;
    od::document doc;
    const simdjson::padded_string_view view(bytes.data(), bytes.size(), bytes.size() + simdjson::SIMDJSON_PADDING);
    if (auto ec = parser.iterate(view).get(doc)) {
      return core::fail("{}: conversation {}: invalid JSON ({})", where(path, pos.line), pos.index,
                        simdjson::error_message(ec));
    }
    od::object obj;
    if (doc.get_object().get(obj)) return {};
    od::array turns;
    if (obj.find_field_unordered("conversations").get_array().get(turns)) return {};
    std::size_t n = 0;
    if (auto ec = turns.count_elements().get(n)) {
      return core::fail("{}: conversation {}: invalid JSON ({})", where(path, pos.line), pos.index,
                        simdjson::error_message(ec));
    }
    if (n >= 2) usable.push_back(pos);
    return {};
  });
  if (!scanned) return scanned.error();
  if (usable.empty()) {
    return core::fail("{}: none of its {} entries has a 'conversations' array with at least two "
                      "turns; is this a ShareGPT file?", path.string(), total);
  }
  shuffle_entries(usable, options.seed, options.disable_shuffle);

  // Pass 2: read entries back in that order until enough pass the filters.
  Dataset out;
  const bool fixed_output = options.sharegpt_output_len.has_value();
  std::string buffer;
  std::size_t filtered = 0;
  for (const auto& pos : usable) {
    if (out.specs.size() >= options.num_prompts) break;
    if (auto r = read_element(file->get(), path, pos, buffer); !r) return r.error();
    auto turns = sharegpt_turns(parser, buffer, path, pos);
    if (!turns) return turns.error();
    const std::int64_t prompt_len = count_prompt_tokens(tokenizer, turns->prompt);
    const std::int64_t output_len =
        fixed_output ? *options.sharegpt_output_len
                     : std::max<std::int64_t>(count_prompt_tokens(tokenizer, turns->completion), 1);
    if (tokenizer != nullptr && !is_valid_sequence(prompt_len, output_len, fixed_output)) {
      ++filtered;
      continue;
    }
    RequestSpec spec;
    spec.prompt = std::move(turns->prompt);
    spec.prompt_len = static_cast<std::int32_t>(prompt_len);
    spec.expected_output_len = static_cast<std::int32_t>(output_len);
    out.specs.push_back(std::move(spec));
  }
  out.notes.push_back(fmt::format(
      "sharegpt: {} has {} entries, {} with >= 2 turns; took {}{}", path.string(), total, usable.size(),
      out.specs.size(),
      tokenizer != nullptr ? fmt::format(" (skipped {} outside vLLM's length limits)", filtered)
                           : std::string(" (no tokenizer: lengths counted in words, vLLM's length "
                                         "filters not applied)")));
  if (auto r = oversample(out, options.num_prompts, options.seed, options.no_oversample, "sharegpt"); !r) {
    return r.error();
  }
  return out;
}

core::Result<Dataset> make_custom_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_dataset_file(path);
  if (!file) return file.error();
  od::parser parser;
  std::vector<JsonElementPos> lines;
  bool any_images = false;
  auto scanned = for_each_line(file->get(), path, [&](const std::string& bytes, const JsonElementPos& pos) -> core::Result<void> {
    auto line = parse_custom_line(parser, bytes, path, pos.line);
    if (!line) return line.error();
    if (!line->images.empty()) {
      if (!options.chat) {
        return core::fail("{}: the line has images, which only chat requests can carry; use "
                          "--backend openai-chat", where(path, pos.line));
      }
      any_images = true;
      // A missing image is reported now, with its line, even if the line is not picked.
      for (const auto& ref : line->images) {
        if (auto ok = check_local_image(ref, path.parent_path()); !ok) {
          return core::fail("{}: {}", where(path, pos.line), ok.error().message);
        }
      }
    }
    lines.push_back(pos);
    return {};
  });
  if (!scanned) return scanned.error();
  if (lines.empty()) return core::fail("{}: no lines; expected JSON Lines like {{\"prompt\": \"...\"}}", path.string());
  shuffle_entries(lines, options.seed, options.disable_shuffle);

  Dataset out;
  ImageCache images;
  const auto base_dir = path.parent_path();
  std::string buffer;
  for (const auto& pos : lines) {
    if (out.specs.size() >= options.num_prompts) break;
    if (auto r = read_element(file->get(), path, pos, buffer); !r) return r.error();
    auto line = parse_custom_line(parser, buffer, path, pos.line);
    if (!line) return line.error();
    RequestSpec spec;
    spec.prompt_len = static_cast<std::int32_t>(count_prompt_tokens(tokenizer, line->prompt));
    spec.prompt = std::move(line->prompt);
    spec.expected_output_len = static_cast<std::int32_t>(
        options.custom_output_len.value_or(line->output_tokens.value_or(256)));
    spec.category = std::move(line->category);
    spec.answers = std::move(line->answers);
    for (const auto& ref : line->images) {
      auto url = images.get(ref, base_dir);
      if (!url) return core::fail("{}: {}", where(path, pos.line), url.error().message);
      spec.images.push_back(std::move(*url));
    }
    out.specs.push_back(std::move(spec));
  }
  out.notes.push_back(fmt::format("{}: {} has {} prompts; took {}{}{}", options.name, path.string(), lines.size(),
                                  out.specs.size(),
                                  any_images ? fmt::format(" ({:.1f} MB of distinct images, each read once)",
                                                           static_cast<double>(images.bytes()) / 1e6)
                                             : std::string(),
                                  tokenizer != nullptr ? "" : " (no tokenizer: input lengths counted in words)"));
  if (auto r = oversample(out, options.num_prompts, options.seed, options.no_oversample, options.name); !r) {
    return r.error();
  }
  return out;
}

core::Result<std::vector<ReferenceLine>> read_reference_lines(const std::filesystem::path& path,
                                                              std::uint64_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    return core::fail("{}: {} bytes, over the limit of {} bytes", path.string(), size, max_bytes);
  }
  auto file = open_dataset_file(path);
  if (!file) return file.error();
  od::parser parser;
  std::vector<ReferenceLine> out;
  auto scanned = for_each_line(file->get(), path, [&](const std::string& bytes, const JsonElementPos& pos) -> core::Result<void> {
    auto line = parse_custom_line(parser, bytes, path, pos.line);
    if (!line) return line.error();
    out.push_back({std::move(line->prompt), std::move(line->category), std::move(line->answers), pos.line});
    return {};
  });
  if (!scanned) return scanned.error();
  if (out.empty()) return core::fail("{}: no lines; expected JSON Lines like {{\"prompt\": \"...\", \"answers\": [...]}}", path.string());
  return out;
}

core::Result<Dataset> make_sonnet_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_dataset_file(path);
  if (!file) return file.error();
  // Python's readlines(): every line keeps its newline.
  std::vector<std::string> lines;
  std::string current;
  for (int c; (c = std::fgetc(file->get())) != EOF;) {
    current.push_back(static_cast<char>(c));
    if (c == '\n') lines.push_back(std::exchange(current, {}));
  }
  if (!current.empty()) lines.push_back(std::move(current));
  if (lines.empty()) return core::fail("{}: the sonnet file is empty", path.string());

  double total_tokens = 0;
  for (const auto& l : lines) total_tokens += static_cast<double>(count_prompt_tokens(tokenizer, l));
  const double avg_len = total_tokens / static_cast<double>(lines.size());
  if (avg_len <= 0) return core::fail("{}: the lines have no tokens", path.string());
  const std::string base_prompt = "Pick as many lines as you can from these poem lines:\n";
  const std::int64_t base_offset = count_prompt_tokens(tokenizer, base_prompt);
  const std::int64_t input_len = options.sonnet_input_len;
  if (input_len <= base_offset) {
    return core::fail("--sonnet-input-len {} must be higher than the base prompt length ({})",
                      input_len, base_offset);
  }
  const auto num_input_lines = static_cast<std::int64_t>(std::nearbyint(static_cast<double>(input_len - base_offset) / avg_len));
  const auto num_prefix_lines = std::max<std::int64_t>(
      static_cast<std::int64_t>(std::nearbyint(static_cast<double>(options.sonnet_prefix_len - base_offset) / avg_len)), 0);
  std::string prefix = base_prompt;
  for (std::int64_t i = 0; i < num_prefix_lines && i < static_cast<std::int64_t>(lines.size()); ++i) {
    prefix += lines[static_cast<std::size_t>(i)];
  }
  const std::int64_t extra = std::max<std::int64_t>(num_input_lines - num_prefix_lines, 0);

  PyRandom rng(options.seed);
  Dataset out;
  const std::size_t max_attempts = 1000 * options.num_prompts + 1000;
  for (std::size_t attempt = 0; out.specs.size() < options.num_prompts; ++attempt) {
    if (attempt >= max_attempts) {
      return core::fail("sonnet: no prompt of {} lines fits --sonnet-input-len {} after {} tries; "
                        "raise --sonnet-input-len", num_input_lines, input_len, attempt);
    }
    std::string prompt = prefix;
    for (std::int64_t k = 0; k < extra; ++k) prompt += lines[rng.choices_index(lines.size())];
    const std::int64_t prompt_len = count_prompt_tokens(tokenizer, prompt);
    if (prompt_len > input_len) continue;
    RequestSpec spec;
    spec.prompt = std::move(prompt);
    spec.prompt_len = static_cast<std::int32_t>(prompt_len);
    spec.expected_output_len = static_cast<std::int32_t>(options.sonnet_output_len);
    out.specs.push_back(std::move(spec));
  }
  out.notes.push_back(fmt::format("sonnet: {} lines of {} (average {:.1f} {} a line), {} prefix lines, "
                                  "no chat template applied", num_input_lines, path.string(), avg_len,
                                  tokenizer != nullptr ? "tokens" : "words", num_prefix_lines));
  return out;
}

core::Result<Dataset> make_burstgpt_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_dataset_file(path);
  if (!file) return file.error();
  std::vector<BurstRow> rows;
  std::size_t model_col = 0, in_col = 0, out_col = 0, columns = 0, total = 0;
  bool header = true;
  auto scanned = for_each_line(file->get(), path, [&](const std::string& text, const JsonElementPos& pos) -> core::Result<void> {
    const auto fields = split_csv(text);
    if (header) {
      header = false;
      columns = fields.size();
      const auto column = [&](std::string_view name, std::size_t& at) -> core::Result<void> {
        const auto it = std::find(fields.begin(), fields.end(), name);
        if (it == fields.end()) {
          return core::fail("{}: no '{}' column; a BurstGPT CSV starts with the header Timestamp,Model,"
                            "Request tokens,Response tokens,Total tokens,Log Type", where(path, pos.line), name);
        }
        at = static_cast<std::size_t>(it - fields.begin());
        return {};
      };
      if (auto r = column("Model", model_col); !r) return r;
      if (auto r = column("Request tokens", in_col); !r) return r;
      return column("Response tokens", out_col);
    }
    ++total;
    if (fields.size() != columns) {
      return core::fail("{}: {} fields, but the header has {} columns", where(path, pos.line), fields.size(), columns);
    }
    const auto in = parse_count(fields[in_col]), out = parse_count(fields[out_col]);
    if (!in || !out || *in < 0) {
      return core::fail("{}: 'Request tokens' and 'Response tokens' must be whole numbers (got '{}' and '{}')",
                        where(path, pos.line), fields[in_col], fields[out_col]);
    }
    if (fields[model_col] == "GPT-4" && *out > 0) rows.push_back({*in, *out});
    return {};
  });
  if (!scanned) return scanned.error();
  if (header) return core::fail("{}: the file is empty; expected a BurstGPT CSV", path.string());
  if (rows.empty()) {
    return core::fail("{}: none of its {} rows has Model GPT-4 and Response tokens > 0 (the rows vLLM's "
                      "burstgpt dataset uses)", path.string(), total);
  }
  const std::size_t n = options.num_prompts;
  std::vector<std::size_t> picked;
  if (rows.size() >= n) {
    picked.resize(rows.size());
    std::iota(picked.begin(), picked.end(), std::size_t{0});
    PyRandom rng(options.seed);
    rng.shuffle(picked);
    picked.resize(n);
  } else {
    if (auto r = check_no_oversample(rows.size(), n, options.no_oversample, "burstgpt"); !r) return r.error();
    PyRandom rng(options.seed);
    for (std::size_t i = 0; i < n; ++i) picked.push_back(rng.choice_index(rows.size()));
  }

  Dataset out;
  core::Rng rng(options.seed, "burstgpt");
  std::vector<std::int32_t> allowed;
  if (tokenizer != nullptr) allowed = allowed_token_ids(*tokenizer);
  if (tokenizer != nullptr && allowed.empty()) return core::fail("the tokenizer has no usable (non-special) tokens");
  std::vector<std::int32_t> ids;
  std::size_t missed = 0;
  for (std::size_t i = 0; i < picked.size(); ++i) {
    const BurstRow& row = rows[picked[i]];
    RequestSpec spec;
    spec.prompt_len = static_cast<std::int32_t>(row.input_len);
    if (tokenizer != nullptr) {
      ids.clear();
      for (std::int64_t j = 0; j < row.input_len; ++j) {
        ids.push_back(allowed[(i + static_cast<std::size_t>(j)) % allowed.size()]);
      }
      // vLLM sends decode(ids) as it is, and runs of consecutive ids merge when re-encoded (300
      // ids came back as ~130 Qwen3 tokens); the random dataset's correction makes it exact.
      std::size_t encoded = 0;
      auto text = decode_to_target_len(*tokenizer, ids, static_cast<std::size_t>(row.input_len), rng, &encoded);
      if (!text) return text.error();
      spec.prompt = std::move(*text);
      missed += encoded != static_cast<std::size_t>(row.input_len);
      spec.prompt_len = static_cast<std::int32_t>(encoded);
    } else {
      append_random_words(spec.prompt, row.input_len, rng);
    }
    spec.expected_output_len = static_cast<std::int32_t>(row.output_len);
    out.specs.push_back(std::move(spec));
  }
  out.notes.push_back(fmt::format(
      "burstgpt: {} has {} rows, {} with Model GPT-4 and Response tokens > 0; picked {} {} replacement "
      "(Python's random after --seed {}, not pandas' sampler, so not vLLM's rows for that seed){}",
      path.string(), total, rows.size(), n, rows.size() >= n ? "without" : "with", options.seed,
      tokenizer != nullptr ? "" : "; no tokenizer: prompts are built-in words"));
  if (missed > 0) {
    out.notes.push_back(fmt::format("burstgpt: {} of {} prompts missed their Request tokens after decode/re-encode "
                                    "retries; their prompt_len is their true length", missed, picked.size()));
  }
  return out;
}

}  // namespace llmload::workload
