#include "llmload/api/chunk_decoder.hpp"

#include "llmload/core/text.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/core/simdjson_dom.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace llmload::api {

namespace dom = simdjson::dom;

namespace {

constexpr std::size_t kSnippetBytes = 120;
// The padded copy buffer and the parser start at this size so that typical chunks never
// trigger a reallocation; both grow on demand.
constexpr std::size_t kInitialCapacity = 16 * 1024;
// After a payload larger than this, the next ordinary one gives the memory back: the DOM
// parser holds ~14 bytes per byte of capacity (tape, structural index, string buffer), and
// one huge chunk should not pin that.
constexpr std::size_t kShrinkAbove = 1024 * 1024;


using core::trim;  // JSON white space is a subset of what it trims

using Type = dom::element_type;

using core::as_array;
using core::as_object;

// Each reader returns nullptr on success, else the sentence saying which field is wrong.

const char* read_string_or_null(dom::element v, std::string_view& out, const char* wrong) {
  switch (v.type()) {
    case Type::STRING: out = v.get_string().value_unsafe(); return nullptr;
    case Type::NULL_VALUE: out = {}; return nullptr;
    default: return wrong;
  }
}

// Integer or null; `out` keeps its value for null.
const char* read_int_or_null(dom::element v, std::int64_t& out, const char* wrong) {
  switch (v.type()) {
    case Type::INT64: out = v.get_int64().value_unsafe(); return nullptr;
    case Type::NULL_VALUE: return nullptr;
    default: return wrong;  // fractions, and integers beyond int64
  }
}

// A token count (usage): an integer in [0, 2^31 - 1] or null; a server's answer is untrusted,
// and a count outside that range (negative, or beyond any context) is a protocol error.
const char* read_count_or_null(dom::element v, std::int64_t& out, const char* wrong) {
  if (v.type() == Type::NULL_VALUE) return nullptr;
  if (v.type() != Type::INT64) return wrong;
  const std::int64_t value = v.get_int64().value_unsafe();
  if (value < 0 || value > kMaxUsageTokens) return wrong;
  out = value;
  return nullptr;
}

// Any JSON value as text for an error report: strings as they are, null as "", anything else
// as compact JSON (so an integer code 400 reads "400"). Only runs for error payloads.
std::string error_text(dom::element v) {
  switch (v.type()) {
    case Type::STRING: return std::string(v.get_string().value_unsafe());
    case Type::NULL_VALUE: return {};
    default: return simdjson::minify(v);
  }
}

ServerError read_error_object(dom::object o) {
  ServerError error;
  for (const auto field : o) {
    if (field.key == "message") {
      error.message = error_text(field.value);
    } else if (field.key == "type") {
      error.type = error_text(field.value);
    } else if (field.key == "code") {
      error.code = error_text(field.value);
    }
  }
  return error;
}

// choices[0].delta (streamed chat) or choices[0].message (a non-streamed chat response).
const char* read_message(dom::element v, Chunk& c) {
  if (v.type() == Type::NULL_VALUE) return nullptr;
  if (v.type() != Type::OBJECT) return "choices[0].delta is not an object or null";
  for (const auto field : as_object(v)) {
    if (field.key == "content") {
      if (auto wrong = read_string_or_null(field.value, c.text,
                                           "choices[0].delta.content is not a string or null")) {
        return wrong;
      }
    } else if (field.key == "reasoning_content" || field.key == "reasoning") {
      // Some vLLM versions send both names with the same text; keep the first non-empty one.
      std::string_view reasoning;
      if (auto wrong = read_string_or_null(field.value, reasoning,
                                           "choices[0].delta.reasoning is not a string or null")) {
        return wrong;
      }
      if (c.reasoning.empty()) c.reasoning = reasoning;
    }
  }
  return nullptr;
}

const char* read_choice(dom::element v, Chunk& c) {
  if (v.type() != Type::OBJECT) return "choices[0] is not an object";
  for (const auto field : as_object(v)) {
    if (field.key == "text") {
      if (auto wrong = read_string_or_null(field.value, c.text, "choices[0].text is not a string or null")) {
        return wrong;
      }
    } else if (field.key == "delta" || field.key == "message") {
      if (auto wrong = read_message(field.value, c)) return wrong;
    } else if (field.key == "finish_reason") {
      if (auto wrong = read_string_or_null(field.value, c.finish_reason,
                                           "choices[0].finish_reason is not a string or null")) {
        return wrong;
      }
    }
  }
  return nullptr;
}

const char* read_choices(dom::element v, Chunk& c) {
  c.has_choices = false;
  c.text = c.reasoning = c.finish_reason = {};
  if (v.type() == Type::NULL_VALUE) return nullptr;
  if (v.type() != Type::ARRAY) return "\"choices\" is not an array or null";
  const dom::array choices = as_array(v);
  auto first = choices.begin();
  if (first == choices.end()) return nullptr;
  // Only the first choice is read, as vLLM does.
  c.has_choices = true;
  return read_choice(*first, c);
}

const char* read_usage(dom::element v, Chunk& c) {
  if (v.type() != Type::OBJECT) {
    c.usage.reset();  // null (or anything but an object) carries no counts
    return nullptr;
  }
  Usage u;
  for (const auto field : as_object(v)) {
    if (field.key == "prompt_tokens") {
      if (auto wrong = read_count_or_null(field.value, u.prompt_tokens,
                                          "usage.prompt_tokens is not an integer in 0..2147483647 or null")) {
        return wrong;
      }
    } else if (field.key == "completion_tokens") {
      if (auto wrong = read_count_or_null(field.value, u.completion_tokens,
                                          "usage.completion_tokens is not an integer in 0..2147483647 or null")) {
        return wrong;
      }
    } else if (field.key == "total_tokens") {
      if (auto wrong = read_count_or_null(field.value, u.total_tokens,
                                          "usage.total_tokens is not an integer in 0..2147483647 or null")) {
        return wrong;
      }
    }
  }
  c.usage = u;
  return nullptr;
}

// response.usage of the Responses API: input_tokens / output_tokens / total_tokens.
const char* read_response_usage(dom::element v, Chunk& c) {
  if (v.type() != Type::OBJECT) return nullptr;  // null before the response completed
  Usage u;
  for (const auto field : as_object(v)) {
    std::int64_t* out = field.key == "input_tokens"    ? &u.prompt_tokens
                        : field.key == "output_tokens" ? &u.completion_tokens
                        : field.key == "total_tokens"  ? &u.total_tokens
                                                       : nullptr;
    if (out != nullptr &&
        read_count_or_null(field.value, *out, "response.usage token counts must be integers in 0..2147483647 or null")) {
      return "response.usage token counts must be integers in 0..2147483647 or null";
    }
  }
  c.usage = u;
  return nullptr;
}

// The Responses API's "response" object (created, completed, incomplete, failed events): its
// usage, and its error (kept as an element; read only for response.failed).
const char* read_response(dom::element v, Chunk& c, dom::element& error, bool& has_error) {
  if (v.type() != Type::OBJECT) return "\"response\" is not an object";
  for (const auto field : as_object(v)) {
    if (field.key == "usage") {
      if (auto wrong = read_response_usage(field.value, c)) return wrong;
    } else if (field.key == "error") {
      error = field.value;
      has_error = field.value.type() == Type::OBJECT;
    }
  }
  return nullptr;
}

// What a Responses API event (Chunk::type) means, once every field is read.
void finish_response_event(Chunk& c, std::string_view delta, const ServerError& event_error,
                           std::optional<ServerError> response_error) {
  if (c.type == "response.output_text.delta") {
    c.text_delta = true;
    c.text = delta;
  } else if (c.type == "response.completed" || c.type == "response.incomplete") {
    c.completed = true;
  } else if (c.type == "error" && !c.error) {
    c.error = event_error;
  } else if (c.type == "response.failed" && !c.error) {
    c.error = response_error ? std::move(*response_error) : ServerError{"the response failed (response.failed)", "", ""};
  }
}

// One pass over the top-level fields in document order. Error payloads are rare, so their
// parts are only remembered here (as elements) and turned into strings at the end.
const char* read_document(dom::object top, Chunk& c) {
  dom::element error_field, error_type, legacy_message, legacy_type, legacy_code, response_error;
  bool has_error = false, has_error_type = false, object_is_error = false;
  bool has_message = false, has_type = false, has_code = false, has_response_error = false;
  std::string_view delta;
  for (const auto field : top) {
    const std::string_view key = field.key;
    if (key.empty()) continue;
    // Dispatch on the first letter: most keys of a token chunk (id, created, model) then
    // cost one byte comparison.
    switch (key.front()) {
      case 'c':
        if (key == "choices") {
          if (auto wrong = read_choices(field.value, c)) return wrong;
        } else if (key == "code") {
          legacy_code = field.value;
          has_code = true;
        }
        break;
      case 'u':
        if (key == "usage") {
          if (auto wrong = read_usage(field.value, c)) return wrong;
        }
        break;
      case 'o':
        if (key == "object") {
          object_is_error = field.value.type() == Type::STRING &&
                            field.value.get_string().value_unsafe() == "error";
        }
        break;
      case 'e':
        if (key == "error") {
          error_field = field.value;
          has_error = true;
        } else if (key == "error_type") {
          error_type = field.value;
          has_error_type = true;
        }
        break;
      case 'm':
        if (key == "message") {
          legacy_message = field.value;
          has_message = true;
        }
        break;
      case 't':
        if (key == "type") {
          legacy_type = field.value;
          has_type = true;
          if (field.value.type() == Type::STRING) c.type = field.value.get_string().value_unsafe();
        }
        break;
      case 'd':
        // The Responses API's output_text.delta (chat's delta lies inside choices).
        if (key == "delta" && field.value.type() == Type::STRING) delta = field.value.get_string().value_unsafe();
        break;
      case 'r':
        if (key == "response") {
          if (auto wrong = read_response(field.value, c, response_error, has_response_error)) return wrong;
        }
        break;
      case 'l':
        if (key == "llmload_send_ns") {
          if (field.value.type() == Type::NULL_VALUE) {
            c.server_send_ns.reset();
          } else {
            std::int64_t ns = 0;
            if (auto wrong = read_int_or_null(field.value, ns, "\"llmload_send_ns\" is not an integer or null")) {
              return wrong;
            }
            c.server_send_ns = ns;
          }
        }
        break;
      default:
        break;
    }
  }

  if (has_error && error_field.type() == Type::OBJECT) {
    c.error = read_error_object(as_object(error_field));
  } else if (has_error && error_field.type() == Type::STRING) {
    // TGI: {"error": "...", "error_type": "validation"}
    c.error = ServerError{error_text(error_field), has_error_type ? error_text(error_type) : "", ""};
  } else if (object_is_error) {
    // vLLM's legacy top-level error: {"object":"error","message":...,"type":...,"code":400}
    c.error = ServerError{has_message ? error_text(legacy_message) : "",
                          has_type ? error_text(legacy_type) : "",
                          has_code ? error_text(legacy_code) : ""};
  }
  if (!c.type.empty()) {
    std::optional<ServerError> failed;
    if (has_response_error) failed = read_error_object(as_object(response_error));
    finish_response_event(c, delta,
                          ServerError{has_message ? error_text(legacy_message) : "", "",
                                      has_code ? error_text(legacy_code) : ""},
                          std::move(failed));
  }
  return nullptr;
}

// simdjson's sentences end with a period; ours go on with ": <payload>".
std::string_view json_reason(simdjson::error_code code) {
  std::string_view text = simdjson::error_message(code);
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.remove_suffix(1);
  return text;
}

core::Error malformed(std::string_view reason, std::string_view payload) {
  std::string message = "malformed chunk: ";
  message.append(reason);
  message.append(": ");
  core::append_json_string(message, payload.substr(0, kSnippetBytes));
  return core::Error{std::move(message)};
}

}  // namespace

struct ChunkDecoder::State {
  dom::parser parser;
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;  // bytes in `buffer`, padding included

  void reserve_buffer(std::size_t bytes) {
    buffer.reset(new char[bytes]);
    capacity = bytes;
  }
};

ChunkDecoder::ChunkDecoder() : state_(std::make_unique<State>()) {
  state_->reserve_buffer(kInitialCapacity + simdjson::SIMDJSON_PADDING);
  if (state_->parser.allocate(kInitialCapacity) != simdjson::SUCCESS) {
    // Not fatal: parse() allocates again and reports MEMALLOC there.
  }
}

ChunkDecoder::~ChunkDecoder() = default;
ChunkDecoder::ChunkDecoder(ChunkDecoder&&) noexcept = default;
ChunkDecoder& ChunkDecoder::operator=(ChunkDecoder&&) noexcept = default;

core::Result<Chunk> ChunkDecoder::decode(std::string_view data) {
  const std::string_view payload = trim(data);
  Chunk chunk;
  if (payload == "[DONE]") {
    chunk.done = true;
    return chunk;
  }
  if (payload.empty()) return malformed("empty payload", data);

  State& s = *state_;
  if (payload.size() <= kInitialCapacity && s.capacity > kShrinkAbove) {
    s.reserve_buffer(kInitialCapacity + simdjson::SIMDJSON_PADDING);
    if (s.parser.allocate(kInitialCapacity) != simdjson::SUCCESS) {
      // parse() below reallocates and reports a failure itself.
    }
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; `data` may end at the edge of a
  // network buffer, so parse a padded copy (a few ns for a ~240-byte chunk; see the bench).
  const std::size_t needed = payload.size() + simdjson::SIMDJSON_PADDING;
  if (needed > s.capacity) s.reserve_buffer(std::max(needed, 2 * s.capacity));
  std::memcpy(s.buffer.get(), payload.data(), payload.size());
  // Zeroed padding: no stale bytes of an earlier, longer payload right after this one.
  std::memset(s.buffer.get() + payload.size(), 0, simdjson::SIMDJSON_PADDING);

  // The DOM parser validates the whole document (syntax, UTF-8, one value only), which the
  // on-demand API does not do for fields it skips, and measured faster on these small
  // chunks (bench/chunk_decoder_bench.cpp): its stage 2 is dispatched to the CPU's best
  // kernel at run time, while on-demand code is compiled for the baseline x86-64 target.
  dom::element root;
  if (auto e = s.parser.parse(s.buffer.get(), payload.size(), /*realloc_if_needed=*/false).get(root)) {
    return malformed(json_reason(e), payload);
  }
  if (root.type() != Type::OBJECT) return malformed("not a JSON object", payload);
  if (auto wrong = read_document(as_object(root), chunk)) return malformed(wrong, payload);
  return chunk;
}

}  // namespace llmload::api
