#include "llmload/sim/request_parser.hpp"
#include "llmload/core/text.hpp"
#include "llmload/core/rng.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/sim/chunk_writer.hpp"
#include "llmload/sim/image_tokens.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>

namespace llmload::sim {

namespace json = boost::json;

namespace {

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// Absent and null both mean "not given".
const json::value* find_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

ApiResult<std::optional<std::int64_t>> optional_int(const json::object& o, std::string_view key) {
  const auto* v = find_field(o, key);
  if (v == nullptr) return std::optional<std::int64_t>{};
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    n = v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)
            ? INT64_MAX
            : static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double() && std::isfinite(v->get_double()) &&
             std::trunc(v->get_double()) == v->get_double() && std::abs(v->get_double()) < 9e18) {
    n = static_cast<std::int64_t>(v->get_double());
  } else {
    return bad_request(fmt::format("'{}' must be an integer, got {}.", key, kind_name(*v)));
  }
  return std::optional<std::int64_t>{n};
}

ApiResult<bool> optional_bool(const json::object& o, std::string_view key) {
  const auto* v = find_field(o, key);
  if (v == nullptr) return false;
  if (!v->is_bool()) {
    return bad_request(fmt::format("'{}' must be a boolean, got {}.", key, kind_name(*v)));
  }
  return v->get_bool();
}

std::string_view as_view(const json::string& s) { return {s.data(), s.size()}; }

// Qwen2's ids for the template's special tokens, so /tokenize output looks familiar.
constexpr std::uint64_t kNewline = 198;
constexpr std::uint64_t kStart = 151643;       // <|endoftext|>, the simulator's start token
constexpr std::uint64_t kImStart = 151644;     // <|im_start|>
constexpr std::uint64_t kImEnd = 151645;       // <|im_end|>
constexpr std::uint64_t kVisionStart = 151652; // <|vision_start|>
constexpr std::uint64_t kVisionEnd = 151653;   // <|vision_end|>
static_assert(kVisionEnd < kVocabSize);

// Hashed ids (words outside the generated list, image tokens) fall in [kHashedBegin, kStart):
// clear of the generated words, the newline and every special token.
constexpr std::uint64_t kHashedBegin = 256;

using core::mix64;

std::uint64_t hashed_id(std::uint64_t hash) { return kHashedBegin + hash % (kStart - kHashedBegin); }

// Counts a prompt's tokens and, when asked, collects their ids.
struct PromptCounter {
  const ParseOptions& options;
  std::vector<std::uint64_t>* ids;
  std::string* question = nullptr;  // the last message's text (answers mode)
  std::int64_t tokens = 0;
  std::int64_t images = 0;
  std::int64_t image_tokens = 0;

  void text(std::string_view t) {
    if (question != nullptr) {
      if (!question->empty()) *question += '\n';
      *question += t;
    }
    tokens += count_words(t);
    if (ids != nullptr) append_word_token_ids(*ids, t);
  }
  void special(std::uint64_t id) {
    ++tokens;
    if (ids != nullptr) ids->push_back(id);
  }
  ApiResult<bool> image(std::string_view url, std::size_t message, std::size_t part) {
    auto size = data_url_image_size(url);
    if (!size) {
      return bad_request(fmt::format("'messages[{}].content[{}].image_url': {}", message, part,
                                     size.error().message));
    }
    // Qwen2-VL's processor refuses these too; they would also cost absurd token counts.
    if (size->width < 1 || size->height < 1 ||
        std::max(size->width, size->height) > 200 * std::min(size->width, size->height)) {
      return bad_request(fmt::format(
          "'messages[{}].content[{}].image_url': a {}x{} image is not accepted (each side must be "
          ">= 1 and the aspect ratio at most 200).", message, part, size->width, size->height));
    }
    const std::int64_t n = qwen2_vl_image_tokens(*size);
    if (options.chat_template) special(kVisionStart);
    tokens += n;
    ++images;
    image_tokens += n;
    if (ids != nullptr) {
      std::uint64_t h = 0xcbf29ce484222325ULL;
      for (const char c : url) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
      for (std::int64_t i = 0; i < n; ++i) {
        std::uint64_t z = h + static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ULL;
        ids->push_back(hashed_id(z ^ (z >> 29)));
      }
    }
    if (options.chat_template) special(kVisionEnd);
    return true;
  }
};

ApiResult<bool> completions_prompt(const json::object& o, PromptCounter& counter) {
  const auto* prompt = find_field(o, "prompt");
  if (prompt == nullptr) return bad_request("'prompt' is required.");
  if (prompt->is_string()) {
    counter.text(as_view(prompt->get_string()));
    return true;
  }
  if (!prompt->is_array()) {
    return bad_request(fmt::format("'prompt' must be a string or an array, got {}.",
                                   kind_name(*prompt)));
  }
  const auto& items = prompt->get_array();
  if (items.empty()) return bad_request("'prompt' must not be an empty array.");
  const auto& first = items.front();
  if (first.is_string()) {
    counter.text(as_view(first.get_string()));
    return true;
  }
  const json::array* ids = first.is_number() ? &items : first.is_array() ? &first.get_array() : nullptr;
  if (ids == nullptr) {
    return bad_request(fmt::format(
        "'prompt' must hold strings or token ids, got an array of {}s.", kind_name(first)));
  }
  for (const auto& id : *ids) {
    std::uint64_t v = 0;
    if (id.is_uint64()) v = id.get_uint64();
    else if (id.is_int64() && id.get_int64() >= 0) v = static_cast<std::uint64_t>(id.get_int64());
    else if (!id.is_number()) return bad_request("'prompt' token ids must be integers.");
    counter.special(v);
  }
  return true;
}

// Chat's `messages`, or the Responses API's `input` list (field "input": parts of type
// input_text and input_image, whose image_url is a string).
ApiResult<bool> chat_prompt(const json::object& o, PromptCounter& counter, std::string_view field = "messages") {
  const auto* messages = find_field(o, field);
  if (messages == nullptr) return bad_request(fmt::format("'{}' is required.", field));
  if (!messages->is_array() || messages->get_array().empty()) {
    return bad_request(fmt::format("'{}' must be a non-empty array.", field));
  }
  const bool tmpl = counter.options.chat_template;
  if (tmpl) counter.special(kStart);
  std::size_t index = 0;
  for (const auto& m : messages->get_array()) {
    if (!m.is_object()) {
      return bad_request(fmt::format("'messages[{}]' must be an object, got {}.", index,
                                     kind_name(m)));
    }
    if (counter.question != nullptr) counter.question->clear();
    if (tmpl) {
      const auto* role = find_field(m.get_object(), "role");
      counter.special(kImStart);
      counter.special(word_token_id(role != nullptr && role->is_string() ? as_view(role->get_string())
                                                                          : std::string_view("user")));
      counter.special(kNewline);
    }
    const auto* content = find_field(m.get_object(), "content");
    if (content == nullptr) {
      // An assistant turn with tool calls only has no content.
    } else if (content->is_string()) {
      counter.text(as_view(content->get_string()));
    } else if (content->is_array()) {
      std::size_t part_index = 0;
      for (const auto& part : content->get_array()) {
        const std::size_t this_part = part_index++;
        if (!part.is_object()) continue;
        const auto& p = part.get_object();
        const auto* type = p.if_contains("type");
        if (type == nullptr || !type->is_string()) continue;
        if (type->get_string() == "text" || type->get_string() == "input_text") {
          const auto* text = p.if_contains("text");
          if (text != nullptr && text->is_string()) counter.text(as_view(text->get_string()));
        } else if ((type->get_string() == "image_url" || type->get_string() == "input_image") &&
                   counter.options.image_tokens) {
          const auto* image = find_field(p, "image_url");
          const json::value* url = image == nullptr          ? nullptr
                                   : image->is_string()      ? image
                                   : image->is_object()      ? find_field(image->get_object(), "url")
                                                             : nullptr;
          if (url == nullptr || !url->is_string()) {
            return bad_request(fmt::format(
                "'messages[{}].content[{}].image_url' must be an object with a string 'url'.", index,
                this_part));
          }
          auto ok = counter.image(as_view(url->get_string()), index, this_part);
          if (!ok) return ok.error();
        }
      }
    } else {
      return bad_request(fmt::format(
          "'messages[{}].content' must be a string or an array of parts, got {}.", index,
          kind_name(*content)));
    }
    if (tmpl) {
      counter.special(kImEnd);
      counter.special(kNewline);
    }
    ++index;
  }
  if (tmpl) {
    counter.special(kImStart);
    counter.special(word_token_id("assistant"));
    counter.special(kNewline);
  }
  return true;
}

// The Responses API's `input`: a string, or a list of messages (as chat's, see chat_prompt).
ApiResult<bool> responses_prompt(const json::object& o, PromptCounter& counter) {
  const auto* input = find_field(o, "input");
  if (input == nullptr) return bad_request("'input' is required.");
  if (input->is_string()) {
    counter.text(as_view(input->get_string()));
    return true;
  }
  if (!input->is_array()) {
    return bad_request(fmt::format("'input' must be a string or an array of messages, got {}.", kind_name(*input)));
  }
  return chat_prompt(o, counter, "input");
}

// The Responses API's max_output_tokens and stream (the simulator streams it only); the
// final response.completed event always carries the usage.
ApiResult<GenerationRequest> responses_limits(const json::object& o, std::int64_t default_max_tokens,
                                              GenerationRequest r) {
  auto max_output = optional_int(o, "max_output_tokens");
  if (!max_output) return max_output.error();
  r.max_tokens = max_output->value_or(default_max_tokens);
  if (r.max_tokens < 1) return bad_request(fmt::format("'max_output_tokens' must be at least 1, got {}.", r.max_tokens));
  auto stream = optional_bool(o, "stream");
  if (!stream) return stream.error();
  if (!*stream) return bad_request("The simulator answers /v1/responses only as a stream: set 'stream': true.");
  r.stream = true;
  r.include_usage = true;
  return r;
}

using core::append_int;

ApiResult<bool> check_model(const json::object& o, std::string_view served_model) {
  if (const auto* model = find_field(o, "model")) {
    if (!model->is_string()) {
      return bad_request(fmt::format("'model' must be a string, got {}.", kind_name(*model)));
    }
    if (as_view(model->get_string()) != served_model) {
      return ApiError{404, fmt::format("The model `{}` does not exist.", as_view(model->get_string()))};
    }
  }
  return true;
}

ApiResult<const json::object*> parse_object(std::string_view body, json::value& root) {
  boost::system::error_code ec;
  root = json::parse(body, ec);
  if (ec) return bad_request(fmt::format("The request body is not valid JSON: {}.", ec.message()));
  if (!root.is_object()) {
    return bad_request(fmt::format("The request body must be a JSON object, got {}.", kind_name(root)));
  }
  return &root.get_object();
}

}  // namespace

ApiResult<GenerationRequest> parse_generation_request(api::Flavor flavor, std::string_view body,
                                                      std::string_view served_model,
                                                      std::int64_t default_max_tokens,
                                                      const ParseOptions& options) {
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec);
  if (ec) return bad_request(fmt::format("The request body is not valid JSON: {}.", ec.message()));
  if (!root.is_object()) {
    return bad_request(fmt::format("The request body must be a JSON object, got {}.",
                                   kind_name(root)));
  }
  const auto& o = root.get_object();

  if (const auto* model = find_field(o, "model")) {
    if (!model->is_string()) {
      return bad_request(fmt::format("'model' must be a string, got {}.", kind_name(*model)));
    }
    const auto name = as_view(model->get_string());
    if (name != served_model &&
        std::find(options.lora_modules.begin(), options.lora_modules.end(), name) == options.lora_modules.end()) {
      return ApiError{404, fmt::format("The model `{}` does not exist.", name)};
    }
  }

  GenerationRequest r;
  r.flavor = flavor;
  PromptCounter counter{options, options.token_ids ? &r.prompt_ids : nullptr,
                        options.question ? &r.question : nullptr};
  auto prompt = flavor == api::Flavor::kChat        ? chat_prompt(o, counter)
                : flavor == api::Flavor::kResponses ? responses_prompt(o, counter)
                                                    : completions_prompt(o, counter);
  if (!prompt) return prompt.error();
  r.prompt_tokens = counter.tokens;
  r.images = counter.images;
  r.image_tokens = counter.image_tokens;
  auto ignore_eos = optional_bool(o, "ignore_eos");
  if (!ignore_eos) return ignore_eos.error();
  r.ignore_eos = *ignore_eos;

  if (flavor == api::Flavor::kResponses) return responses_limits(o, default_max_tokens, std::move(r));
  auto max_completion = optional_int(o, "max_completion_tokens");
  if (!max_completion) return max_completion.error();
  auto max_tokens = optional_int(o, "max_tokens");
  if (!max_tokens) return max_tokens.error();
  const char* used = max_completion->has_value() ? "max_completion_tokens" : "max_tokens";
  const auto given = max_completion->has_value() ? *max_completion : *max_tokens;
  r.max_tokens = given.value_or(default_max_tokens);
  if (r.max_tokens < 1) {
    return bad_request(fmt::format("'{}' must be at least 1, got {}.", used, r.max_tokens));
  }

  auto stream = optional_bool(o, "stream");
  if (!stream) return stream.error();
  r.stream = *stream;
  if (const auto* options = find_field(o, "stream_options")) {
    if (!options->is_object()) {
      return bad_request(fmt::format("'stream_options' must be an object, got {}.",
                                     kind_name(*options)));
    }
    auto include = optional_bool(options->get_object(), "include_usage");
    if (!include) return include.error();
    auto continuous = optional_bool(options->get_object(), "continuous_usage_stats");
    if (!continuous) return continuous.error();
    r.include_usage = *include;
    r.continuous_usage = *continuous;
  }
  return r;
}

std::string_view response_token(const GenerationRequest& request, std::int64_t k) noexcept {
  return k < static_cast<std::int64_t>(request.answer_tokens.size())
             ? std::string_view(request.answer_tokens[static_cast<std::size_t>(k)])
             : token_text(k);
}

std::int64_t count_words(std::string_view text) noexcept {
  std::int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || (c >= '\t' && c <= '\r');
    words += (!space && !in_word) ? 1 : 0;
    in_word = !space;
  }
  return words;
}

ApiResult<std::string> tokenize_body(std::string_view body, std::string_view served_model,
                                     std::int64_t max_model_len) {
  json::value root;
  auto o = parse_object(body, root);
  if (!o) return o.error();
  if (auto ok = check_model(**o, served_model); !ok) return ok.error();
  ParseOptions options;
  options.chat_template = true;
  options.token_ids = true;
  options.image_tokens = true;
  std::vector<std::uint64_t> ids;
  PromptCounter counter{options, &ids};
  auto parsed = find_field(**o, "messages") != nullptr ? chat_prompt(**o, counter)
                                                       : completions_prompt(**o, counter);
  if (!parsed) return parsed.error();
  std::string out = "{\"count\":";
  append_int(out, static_cast<std::int64_t>(ids.size()));
  out += ",\"max_model_len\":";
  append_int(out, max_model_len);
  out += ",\"tokens\":[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", ids[i]);
  }
  out += "],\"token_strs\":null}";
  return out;
}

ApiResult<std::string> detokenize_body(std::string_view body, std::string_view served_model) {
  json::value root;
  auto o = parse_object(body, root);
  if (!o) return o.error();
  if (auto ok = check_model(**o, served_model); !ok) return ok.error();
  const auto* tokens = find_field(**o, "tokens");
  if (tokens == nullptr || !tokens->is_array()) return bad_request("'tokens' must be an array of token ids.");
  std::string text;
  for (const auto& t : tokens->get_array()) {
    std::uint64_t id = 0;
    if (t.is_uint64()) id = t.get_uint64();
    else if (t.is_int64() && t.get_int64() >= 0) id = static_cast<std::uint64_t>(t.get_int64());
    else return bad_request("'tokens' must hold non-negative integers.");
    if (!text.empty()) text += ' ';
    if (id < static_cast<std::uint64_t>(kTokenWords)) {
      text += token_text(static_cast<std::int64_t>(id)).substr(1);
    } else {
      switch (id) {
        case kNewline: text += "\n"; break;
        case kStart: text += "<|endoftext|>"; break;
        case kImStart: text += "<|im_start|>"; break;
        case kImEnd: text += "<|im_end|>"; break;
        case kVisionStart: text += "<|vision_start|>"; break;
        case kVisionEnd: text += "<|vision_end|>"; break;
        default: fmt::format_to(std::back_inserter(text), "<|{}|>", id);
      }
    }
  }
  std::string out = "{\"prompt\":";
  core::append_json_string(out, text);
  out += '}';
  return out;
}

std::uint64_t word_token_id(std::string_view word) noexcept {
  for (std::int64_t k = 0; k < kTokenWords; ++k) {
    if (token_text(k).substr(1) == word) return static_cast<std::uint64_t>(k);
  }
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : word) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return hashed_id(mix64(h));
}

void append_word_token_ids(std::vector<std::uint64_t>& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) ++i;
    const std::size_t start = i;
    while (i < text.size() && !(text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) ++i;
    if (i > start) out.push_back(word_token_id(text.substr(start, i - start)));
  }
}

}  // namespace llmload::sim
