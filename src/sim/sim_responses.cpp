#include "llmload/sim/sim_responses.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/sim/engine.hpp"
#include "llmload/sim/image_tokens.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace llmload::sim {

namespace json = boost::json;

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
  throw std::runtime_error(fmt::format("HTTP {}: {}", error.status, error.message));
}

namespace {

ApiError bad_request(std::string message) { return ApiError{400, std::move(message)}; }

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

// Counts a prompt's tokens and, when asked, collects their ids.
struct PromptCounter {
  const ParseOptions& options;
  std::vector<std::uint64_t>* ids;
  std::int64_t tokens = 0;
  std::int64_t images = 0;
  std::int64_t image_tokens = 0;

  void text(std::string_view t) {
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
        ids->push_back(((z ^ (z >> 29)) | (std::uint64_t{1} << 20)) & ~(std::uint64_t{1} << 63));
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

ApiResult<bool> chat_prompt(const json::object& o, PromptCounter& counter) {
  const auto* messages = find_field(o, "messages");
  if (messages == nullptr) return bad_request("'messages' is required.");
  if (!messages->is_array() || messages->get_array().empty()) {
    return bad_request("'messages' must be a non-empty array.");
  }
  const bool tmpl = counter.options.chat_template;
  if (tmpl) counter.special(kStart);
  std::size_t index = 0;
  for (const auto& m : messages->get_array()) {
    if (!m.is_object()) {
      return bad_request(fmt::format("'messages[{}]' must be an object, got {}.", index,
                                     kind_name(m)));
    }
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
        if (type->get_string() == "text") {
          const auto* text = p.if_contains("text");
          if (text != nullptr && text->is_string()) counter.text(as_view(text->get_string()));
        } else if (type->get_string() == "image_url" && counter.options.image_tokens) {
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

constexpr std::array<std::string_view, 64> kTokens = {
    " the",   " model", " of",   " and",  " to",    " a",     " in",    " is",
    " that",  " for",   " it",   " as",   " with",  " was",   " on",    " be",
    " at",    " by",    " this", " had",  " not",   " are",   " but",   " from",
    " or",    " have",  " an",   " they", " which", " one",   " you",   " were",
    " all",   " we",    " her",  " she",  " there", " would", " their", " will",
    " when",  " who",   " him",  " been", " has",   " more",  " if",    " no",
    " out",   " so",    " said", " what", " up",    " its",   " about", " than",
    " into",  " them",  " can",  " only", " other", " new",   " some",  " could"};

void append_int(std::string& out, std::int64_t v) {
  const fmt::format_int f(v);
  out.append(f.data(), f.size());
}

void append_hex(std::string& out, std::size_t v) {
  char buf[16];
  char* p = buf + sizeof buf;
  do {
    *--p = "0123456789abcdef"[v & 0xF];
    v >>= 4;
  } while (v != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

void append_usage_json(std::string& out, std::int64_t prompt, std::int64_t completion) {
  out += "{\"prompt_tokens\":";
  append_int(out, prompt);
  out += ",\"total_tokens\":";
  append_int(out, prompt + completion);
  out += ",\"completion_tokens\":";
  append_int(out, completion);
  out += '}';
}

std::string_view reason_phrase(int status) {
  const auto r = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return r.empty() || r == "<unknown-status>" ? std::string_view("Unknown") : std::string_view(r.data(), r.size());
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
    if (as_view(model->get_string()) != served_model) {
      return ApiError{404, fmt::format("The model `{}` does not exist.",
                                       as_view(model->get_string()))};
    }
  }

  GenerationRequest r;
  r.flavor = flavor;
  PromptCounter counter{options, options.token_ids ? &r.prompt_ids : nullptr};
  auto prompt = flavor == api::Flavor::kChat ? chat_prompt(o, counter) : completions_prompt(o, counter);
  if (!prompt) return prompt.error();
  r.prompt_tokens = counter.tokens;
  r.images = counter.images;
  r.image_tokens = counter.image_tokens;
  auto ignore_eos = optional_bool(o, "ignore_eos");
  if (!ignore_eos) return ignore_eos.error();
  r.ignore_eos = *ignore_eos;

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

ApiResult<FaultPlan> parse_fault_header(std::string_view header) {
  FaultPlan plan;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view spec = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!spec.empty() && (spec.front() == ' ' || spec.front() == '\t')) spec.remove_prefix(1);
    while (!spec.empty() && (spec.back() == ' ' || spec.back() == '\t')) spec.remove_suffix(1);
    if (spec.empty()) continue;

    if (spec == "no-done") {
      plan.no_done = true;
      continue;
    }
    if (spec == "split-writes") {
      plan.split_writes = true;
      continue;
    }
    const auto eq = spec.find('=');
    const std::string_view name = spec.substr(0, eq);
    const std::string_view arg = eq == std::string_view::npos ? std::string_view{} : spec.substr(eq + 1);
    std::int64_t* count = nullptr;
    if (name == "reset-after") count = &plan.reset_after;
    if (name == "malformed-after") count = &plan.malformed_after;
    if (name == "error-after") count = &plan.error_after;
    if (name == "stall-ms") count = &plan.stall_ms;
    if (name == "stall-after") count = &plan.stall_after;
    if (name == "slow-headers-ms") count = &plan.slow_headers_ms;
    if (count == nullptr && name != "status") {
      return bad_request(fmt::format(
          "Unknown fault '{}' in x-llmload-fault; known: status=<code>, reset-after=<k>, "
          "malformed-after=<k>, error-after=<k>, no-done, stall-ms=<ms>, stall-after=<k>, "
          "slow-headers-ms=<ms>, split-writes.", spec));
    }
    std::int64_t value = 0;
    bool ok = !arg.empty() && arg.size() <= 9;
    for (const char c : arg) {
      ok = ok && c >= '0' && c <= '9';
      value = value * 10 + (c - '0');
    }
    if (count != nullptr) {
      if (!ok) {
        return bad_request(fmt::format(
            "Bad fault '{}' in x-llmload-fault: the count must be a non-negative integer.", spec));
      }
      *count = value;
    } else {
      if (!ok || value < 200 || value > 599) {
        return bad_request(fmt::format(
            "Bad fault '{}' in x-llmload-fault: the status must be an integer in 200..599.", spec));
      }
      plan.status = static_cast<int>(value);
    }
  }
  return plan;
}

namespace {
constexpr std::string_view kFaultKinds[] = {"429", "500", "503", "reset", "error",
                                            "malformed", "no-done", "stall", "slow-headers", "split-writes"};
}  // namespace

std::span<const std::string_view> fault_kinds() noexcept { return kFaultKinds; }

ApiResult<FaultPlan> fault_of_kind(std::string_view kind, std::uint64_t random, std::int64_t max_tokens) {
  FaultPlan plan;
  const auto at = static_cast<std::int64_t>(random % static_cast<std::uint64_t>(std::max<std::int64_t>(max_tokens, 1)));
  if (kind == "429") plan.status = 429;
  else if (kind == "500") plan.status = 500;
  else if (kind == "503") plan.status = 503;
  else if (kind == "reset") plan.reset_after = at;
  else if (kind == "error") plan.error_after = at;
  else if (kind == "malformed") plan.malformed_after = at;
  else if (kind == "no-done") plan.no_done = true;
  else if (kind == "stall") {
    plan.stall_ms = 1000;
    plan.stall_after = at;
  } else if (kind == "slow-headers") plan.slow_headers_ms = 1000;
  else if (kind == "split-writes") plan.split_writes = true;
  else return bad_request(fmt::format("Unknown fault kind '{}'.", kind));
  return plan;
}

std::string_view token_text(std::int64_t k) noexcept {
  return kTokens[static_cast<std::size_t>(k) % kTokens.size()];
}

void append_generated_text(std::string& out, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) out += token_text(k);
}

std::string make_response_id(api::Flavor flavor, std::uint64_t a, std::uint64_t b) {
  return fmt::format("{}{:016x}{:016x}", flavor == api::Flavor::kChat ? "chatcmpl-" : "cmpl-", a, b);
}

void ChunkFormatter::reset(const ResponseIdentity& identity, const GenerationRequest& request) {
  flavor_ = request.flavor;
  prompt_tokens_ = request.prompt_tokens;
  continuous_usage_ = request.continuous_usage;
  prefix_.clear();
  prefix_ += "{\"id\":";
  core::append_json_string(prefix_, identity.id);
  prefix_ += flavor_ == api::Flavor::kChat ? ",\"object\":\"chat.completion.chunk\",\"created\":"
                                      : ",\"object\":\"text_completion\",\"created\":";
  append_int(prefix_, identity.created);
  prefix_ += ",\"model\":";
  prefix_ += identity.model_json;
  prefix_ += ",\"choices\":[";
}

void ChunkFormatter::append_usage_object(std::string& out, std::int64_t completion_tokens) const {
  // vLLM writes "usage":null in completions chunks and leaves the key out of chat chunks
  // (exclude_unset) unless running usage was asked for.
  if (continuous_usage_) {
    out += ",\"usage\":";
    append_usage_json(out, prompt_tokens_, completion_tokens);
  } else if (flavor_ == api::Flavor::kCompletions) {
    out += ",\"usage\":null";
  }
}

void ChunkFormatter::append_role(std::string& out) const {
  out += prefix_;
  out += "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
         "\"finish_reason\":null}]";
  append_usage_object(out, 0);
  out += '}';
}

void ChunkFormatter::append_token(std::string& out, std::int64_t k, std::int64_t n) const {
  append_token(out, k, k + 1 == n ? std::string_view("length") : std::string_view());
}

void ChunkFormatter::append_token(std::string& out, std::int64_t k,
                                  std::string_view finish_reason) const {
  const bool last = !finish_reason.empty();
  out += prefix_;
  out += flavor_ == api::Flavor::kChat ? "{\"index\":0,\"delta\":{\"content\":\"" : "{\"index\":0,\"text\":\"";
  out += token_text(k);
  out += flavor_ == api::Flavor::kChat ? "\"}" : "\"";
  if (last) {
    out += ",\"logprobs\":null,\"finish_reason\":\"";
    out += finish_reason;
    out += "\",\"stop_reason\":null}]";
  } else {
    out += flavor_ == api::Flavor::kChat ? ",\"logprobs\":null,\"finish_reason\":null}]"
                                    : ",\"logprobs\":null,\"finish_reason\":null,\"stop_reason\":null}]";
  }
  append_usage_object(out, k + 1);
  out += '}';
}

void ChunkFormatter::append_usage(std::string& out, std::int64_t completion_tokens) const {
  out += prefix_;
  out += "],\"usage\":";
  append_usage_json(out, prompt_tokens_, completion_tokens);
  out += '}';
}

void SseBatch::clear() noexcept {
  data_.clear();
  committed_ = 0;
  events_.clear();
  last_chunk_ = false;
}

void SseBatch::commit_event(bool stamped) {
  const auto end = static_cast<std::uint32_t>(data_.size());
  events_.push_back(Event{committed_, end, stamped && end > committed_ && data_.back() == '}'});
  committed_ = end;
}

void SseBatch::add_event(std::string_view data) {
  data_.resize(committed_);
  data_ += data;
  commit_event(false);
}

void SseBatch::add_last_chunk() { last_chunk_ = true; }

std::string_view SseBatch::finalize(core::Nanos send_ns) {
  static constexpr std::string_view kStampKey = ",\"llmload_send_ns\":";
  const fmt::format_int stamp(send_ns);
  wire_.clear();
  for (const Event& e : events_) {
    std::string_view data(data_.data() + e.begin, e.end - e.begin);
    std::size_t size = 6 + data.size() + 2;  // "data: " + data + "\n\n"
    if (e.stamped) {
      data.remove_suffix(1);  // the closing '}' goes after the stamp
      size += kStampKey.size() + stamp.size();
    }
    append_hex(wire_, size);
    wire_ += "\r\ndata: ";
    wire_ += data;
    if (e.stamped) {
      wire_ += kStampKey;
      wire_.append(stamp.data(), stamp.size());
      wire_ += '}';
    }
    wire_ += "\n\n\r\n";
  }
  if (last_chunk_) wire_ += "0\r\n\r\n";
  return wire_;
}

std::string_view error_type(int status) noexcept {
  switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 403: return "PermissionDeniedError";
    case 404: return "NotFoundError";
    case 405: return "MethodNotAllowedError";
    case 408: return "RequestTimeoutError";
    case 413: return "RequestTooLargeError";
    case 422: return "UnprocessableEntityError";
    case 429: return "RateLimitError";
    case 503: return "ServiceUnavailableError";
    default: break;
  }
  if (status >= 500) return "InternalServerError";
  if (status >= 400) return "BadRequestError";
  return "Error";
}

std::string error_body(int status, std::string_view message) {
  std::string out = "{\"error\":{\"message\":";
  core::append_json_string(out, message);
  out += ",\"type\":\"";
  out += error_type(status);
  out += "\",\"param\":null,\"code\":";
  append_int(out, status);
  out += "}}";
  return out;
}

void append_response(std::string& out, int status, std::string_view content_type,
                     std::string_view body, bool keep_alive, std::string_view extra_headers) {
  out += "HTTP/1.1 ";
  append_int(out, status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: llmload-sim\r\n";
  if (!content_type.empty()) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
  out += "Content-Length: ";
  append_int(out, static_cast<std::int64_t>(body.size()));
  out += "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
}

void append_error_response(std::string& out, const ApiError& error, bool keep_alive,
                           std::string_view extra_headers) {
  append_response(out, error.status, "application/json", error_body(error.status, error.message),
                  keep_alive, extra_headers);
}

void append_stream_head(std::string& out, bool keep_alive) {
  out += "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\n"
         "Content-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request) {
  append_completion_body(out, identity, request, request.max_tokens, "length");
}

void append_completion_body(std::string& out, const ResponseIdentity& identity,
                            const GenerationRequest& request, std::int64_t completion_tokens,
                            std::string_view finish_reason) {
  const bool chat = request.flavor == api::Flavor::kChat;
  out += "{\"id\":";
  core::append_json_string(out, identity.id);
  out += chat ? ",\"object\":\"chat.completion\",\"created\":"
              : ",\"object\":\"text_completion\",\"created\":";
  append_int(out, identity.created);
  out += ",\"model\":";
  out += identity.model_json;
  out += chat ? ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
              : ",\"choices\":[{\"index\":0,\"text\":\"";
  append_generated_text(out, completion_tokens);
  out += chat ? "\"},\"logprobs\":null,\"finish_reason\":\"" : "\",\"logprobs\":null,\"finish_reason\":\"";
  out += finish_reason;
  out += "\",\"stop_reason\":null}]";
  out += ",\"usage\":";
  append_usage_json(out, request.prompt_tokens, completion_tokens);
  out += '}';
}

namespace {

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
    if (id < kTokens.size()) {
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

void append_models_body(std::string& out, std::string_view model, std::int64_t created,
                        std::int64_t max_model_len) {
  out += "{\"object\":\"list\",\"data\":[{\"id\":";
  core::append_json_string(out, model);
  out += ",\"object\":\"model\",\"created\":";
  append_int(out, created);
  out += ",\"owned_by\":\"llmload\",\"root\":";
  core::append_json_string(out, model);
  out += ",\"parent\":null,\"max_model_len\":";
  append_int(out, max_model_len);
  out += "}]}";
}

}  // namespace llmload::sim
