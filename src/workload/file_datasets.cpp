#include "llmload/workload/file_datasets.hpp"

#include "llmload/workload/dataset.hpp"
#include "llmload/workload/image_data.hpp"
#include "llmload/workload/json_array_scanner.hpp"
#include "llmload/workload/py_random.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>

namespace llmload::workload {
namespace {

namespace od = simdjson::ondemand;
static_assert(simdjson::SIMDJSON_PADDING <= 64, "json_array_scanner reserves 64 spare bytes");

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

core::Result<FilePtr> open_file(const std::filesystem::path& path) {
  if (path.empty()) return core::fail("this dataset needs --dataset-path FILE");
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) return core::fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  return file;
}

simdjson::padded_string_view padded(const std::string& buffer) {
  return simdjson::padded_string_view(buffer.data(), buffer.size(), buffer.capacity());
}

std::string where(const std::filesystem::path& path, std::uint32_t line) {
  return fmt::format("{}:{}", path.string(), line);
}

/// The order entries are considered in: shuffled as Python's random.shuffle after
/// random.seed(seed), unless disabled.
template <class T>
void shuffle_entries(std::vector<T>& entries, const DatasetOptions& options) {
  if (options.disable_shuffle) return;
  PyRandom rng(options.seed);
  rng.shuffle(entries);
}

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

/// vLLM's is_valid_sequence() with its defaults.
bool is_valid_sequence(std::int64_t prompt_len, std::int64_t output_len, bool skip_min_output_len_check) {
  constexpr std::int64_t kMinLen = 4, kMaxPromptLen = 1024, kMaxTotalLen = 2048;
  return !(prompt_len < kMinLen || (!skip_min_output_len_check && output_len < kMinLen) ||
           prompt_len > kMaxPromptLen || prompt_len + output_len > kMaxTotalLen);
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
  if (auto ec = parser.iterate(padded(buffer)).get(doc)) return bad(fmt::format("invalid JSON ({})", simdjson::error_message(ec)));
  od::object obj;
  if (auto ec = doc.get_object().get(obj)) {
    return bad(ec == simdjson::INCORRECT_TYPE ? std::string("not a JSON object")
                                              : fmt::format("invalid JSON ({})", simdjson::error_message(ec)));
  }
  CustomLine out;
  bool have_prompt = false;
  for (auto field : obj) {
    std::string_view key;
    if (auto ec = field.unescaped_key().get(key)) return bad(fmt::format("invalid JSON ({})", simdjson::error_message(ec)));
    od::value value;
    if (field.value().get(value)) return bad("invalid JSON");
    if (key == "prompt") {
      std::string_view s;
      if (value.get_string().get(s)) return bad("'prompt' must be a string");
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
  if (!have_prompt) return bad("no 'prompt'");
  return out;
}

/// Calls fn(line_bytes, pos) for each non-blank line of `path` (the bytes have 64 spare bytes
/// reserved after them).
template <class Fn>
core::Result<void> for_each_line(std::FILE* file, const std::filesystem::path& path, Fn&& fn) {
  std::string line;
  std::vector<char> block(1 << 20);
  std::uint64_t offset = 0, line_start = 0;
  std::uint32_t number = 1;
  auto flush = [&]() -> core::Result<void> {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    const bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (!blank) {
      line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
      JsonElementPos pos{line_start, line.size(), number, 0};
      if (auto r = fn(line, pos); !r) return r;
    }
    line.clear();
    return {};
  };
  while (true) {
    const std::size_t got = std::fread(block.data(), 1, block.size(), file);
    if (got == 0) {
      if (std::ferror(file)) return core::fail("{}: read error: {}", path.string(), std::strerror(errno));
      break;
    }
    for (std::size_t i = 0; i < got; ++i, ++offset) {
      if (block[i] == '\n') {
        if (auto r = flush(); !r) return r;
        ++number;
        line_start = offset + 1;
      } else {
        line.push_back(block[i]);
      }
    }
  }
  return flush();
}

}  // namespace

core::Result<Dataset> make_sharegpt_dataset(const DatasetOptions& options, const Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_file(path);
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
  shuffle_entries(usable, options);

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

core::Result<Dataset> make_custom_dataset(const DatasetOptions& options, const Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_file(path);
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
    }
    lines.push_back(pos);
    return {};
  });
  if (!scanned) return scanned.error();
  if (lines.empty()) return core::fail("{}: no lines; expected JSON Lines like {{\"prompt\": \"...\"}}", path.string());
  shuffle_entries(lines, options);

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
  out.notes.push_back(fmt::format("custom: {} has {} prompts; took {}{}{}", path.string(), lines.size(),
                                  out.specs.size(),
                                  any_images ? fmt::format(" ({:.1f} MB of distinct images, each read once)",
                                                           static_cast<double>(images.bytes()) / 1e6)
                                             : std::string(),
                                  tokenizer != nullptr ? "" : " (no tokenizer: input lengths counted in words)"));
  if (auto r = oversample(out, options.num_prompts, options.seed, options.no_oversample, "custom"); !r) {
    return r.error();
  }
  return out;
}

core::Result<Dataset> make_sonnet_dataset(const DatasetOptions& options, const Tokenizer* tokenizer) {
  const std::filesystem::path path = options.path;
  auto file = open_file(path);
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

}  // namespace llmload::workload
