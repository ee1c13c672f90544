#include "llmload/api/request_builder.hpp"

#include "llmload/api/multipart.hpp"
#include "llmload/core/json_writer.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace llmload::api {

namespace {

constexpr std::string_view kExtraBodyExample = R"('{"top_k": 50}')";

std::string_view kind_name(boost::json::kind k) {
  switch (k) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "something else";
}

// Writes our fields and lets extra_body replace any of them in place, so that the merged body
// has the key order of Python's dict.update: replaced keys keep their slot, new keys go last.
class BodyWriter {
 public:
  BodyWriter(std::string& out, const boost::json::object* extra) : w_(out), extra_(extra) {}

  core::JsonWriter& writer() { return w_; }

  // Writes `key` with extra_body's value if it has one, else with write_ours().
  template <class WriteOurs>
  void field(std::string_view key, WriteOurs&& write_ours) {
    written_[count_++] = key;
    w_.key(key);
    if (extra_ != nullptr) {
      if (const auto* v = extra_->if_contains(key)) {
        w_.value(*v);
        return;
      }
    }
    write_ours(w_);
  }

  template <class V>
  void simple(std::string_view key, const V& value) {
    field(key, [&](core::JsonWriter& w) { w.value(value); });
  }

  // Appends the extra_body keys not written yet, in extra_body's order.
  void append_remaining_extra() {
    if (extra_ == nullptr) return;
    for (const auto& kv : *extra_) {
      const std::string_view key(kv.key().data(), kv.key().size());
      bool seen = false;
      for (std::size_t i = 0; i < count_ && !seen; ++i) seen = written_[i] == key;
      if (!seen) w_.key(key).value(kv.value());
    }
  }

 private:
  core::JsonWriter w_;
  const boost::json::object* extra_;
  std::array<std::string_view, 24> written_{};
  std::size_t count_ = 0;
};

}  // namespace

core::Result<boost::json::object> parse_extra_body(std::string_view json) {
  const std::size_t first = json.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return core::fail("--extra-body: the value is empty; give a JSON object such as {}",
                      kExtraBodyExample);
  }
  boost::json::parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write(json.data(), json.size(), ec);
  if (ec) {
    return core::fail("--extra-body: invalid JSON at byte {} ({}); give a JSON object such as {}",
                      used, ec.message(), kExtraBodyExample);
  }
  boost::json::value value = parser.release();
  if (!value.is_object()) {
    return core::fail("--extra-body: expected a JSON object, got {}; give an object such as {}",
                      kind_name(value.kind()), kExtraBodyExample);
  }
  return std::move(value.get_object());
}

namespace {

std::string body_with_history(Flavor flavor, const workload::RequestSpec& spec,
                              std::span<const ChatTurn> history, const BodyOptions& options) {
  std::string out;
  std::size_t extra_bytes = 0;
  for (const auto& image : spec.images) extra_bytes += image->size() + 64;
  for (const auto& turn : history) extra_bytes += turn.user.size() + turn.assistant.size() + 64;
  out.reserve(spec.prompt.size() + extra_bytes + 320);
  BodyWriter b(out, options.extra_body ? &*options.extra_body : nullptr);
  b.writer().begin_object();

  b.simple("model", spec.model.empty() ? std::string_view(options.model) : std::string_view(spec.model));
  const SamplingParams& s = options.sampling;
  const bool completions = flavor == Flavor::kCompletions;
  if (completions) {
    b.simple("prompt", spec.prompt);
    // vLLM's completions payload always holds repetition_penalty (1.0 unless given) here.
    b.simple("repetition_penalty", s.repetition_penalty.value_or(1.0));
  } else {
    b.field("messages", [&](core::JsonWriter& w) {
      w.begin_array();
      for (const auto& turn : history) {
        w.begin_object().field("role", "user").field("content", turn.user).end_object();
        w.begin_object().field("role", "assistant").field("content", turn.assistant).end_object();
      }
      if (options.string_content && spec.images.empty()) {
        w.begin_object().field("role", "user").field("content", spec.prompt).end_object().end_array();
        return;
      }
      w.begin_object().field("role", "user").key("content").begin_array();
      w.begin_object().field("type", "text").field("text", spec.prompt).end_object();
      // vLLM appends multimodal parts after the text part.
      for (const auto& image : spec.images) {
        w.begin_object().field("type", "image_url").key("image_url").begin_object();
        w.field("url", *image).end_object().end_object();
      }
      w.end_array().end_object().end_array();
    });
  }

  MaxTokensField max_field = options.max_tokens_field;
  if (max_field == MaxTokensField::kAuto) {
    max_field = flavor == Flavor::kCompletions ? MaxTokensField::kMaxTokens
                                               : MaxTokensField::kMaxCompletionTokens;
  }
  if (max_field == MaxTokensField::kMaxTokens || max_field == MaxTokensField::kBoth) {
    b.simple("max_tokens", spec.expected_output_len);
  }
  if (max_field == MaxTokensField::kMaxCompletionTokens || max_field == MaxTokensField::kBoth) {
    b.simple("max_completion_tokens", spec.expected_output_len);
  }
  if (completions) {
    // ... and logprobs, null unless --logprobs is given.
    b.field("logprobs", [&](core::JsonWriter& w) {
      if (options.logprobs) {
        w.value(*options.logprobs);
      } else {
        w.null();
      }
    });
  }

  b.simple("stream", options.stream);
  if (options.stream) {
    b.field("stream_options", [&](core::JsonWriter& w) {
      w.begin_object().field("include_usage", options.include_usage);
      if (options.continuous_usage_stats) w.field("continuous_usage_stats", true);
      w.end_object();
    });
  }
  if (options.ignore_eos) b.simple("ignore_eos", true);
  if (options.logprobs && !completions) b.simple("logprobs", *options.logprobs);

  if (s.top_p) b.simple("top_p", *s.top_p);
  if (s.top_k) b.simple("top_k", *s.top_k);
  if (s.min_p) b.simple("min_p", *s.min_p);
  if (s.temperature) b.simple("temperature", *s.temperature);
  if (s.frequency_penalty) b.simple("frequency_penalty", *s.frequency_penalty);
  if (s.presence_penalty) b.simple("presence_penalty", *s.presence_penalty);
  if (s.repetition_penalty && !completions) b.simple("repetition_penalty", *s.repetition_penalty);

  b.append_remaining_extra();
  b.writer().end_object();
  return out;
}

std::string_view model_of(const workload::RequestSpec& spec, const BodyOptions& options) {
  return spec.model.empty() ? std::string_view(options.model) : std::string_view(spec.model);
}

std::size_t pooling_reserve(const workload::RequestSpec& spec) {
  std::size_t bytes = spec.prompt.size() + 160;
  for (const auto& d : spec.documents) bytes += d.size() + 8;
  for (const auto& image : spec.images) bytes += image->size() + 64;
  return bytes;
}

// The `input` of a pooling body: the prompt, or with documents (random-rerank --no-reranker)
// the list [query, documents...] (vLLM's prompt list).
void write_input(core::JsonWriter& w, const workload::RequestSpec& spec) {
  if (spec.documents.empty()) {
    w.value(spec.prompt);
    return;
  }
  w.begin_array().value(spec.prompt);
  for (const auto& d : spec.documents) w.value(d);
  w.end_array();
}

// vLLM's async_request_vllm_rerank: query and documents, and no ignore_eos or extra body (it
// does not call _update_payload_common).
std::string rerank_body(const workload::RequestSpec& spec, const BodyOptions& options) {
  std::string out;
  out.reserve(pooling_reserve(spec));
  core::JsonWriter w(out);
  w.begin_object().field("model", model_of(spec, options)).field("query", spec.prompt);
  w.key("documents").begin_array();
  for (const auto& d : spec.documents) w.value(d);
  w.end_array().field("truncate_prompt_tokens", std::int64_t{-1}).end_object();
  return out;
}

// vLLM's async_request_openai_embeddings_chat (and its clip and vlm2vec forms): one user
// message of parts, the media before the text for vlm2vec, after it otherwise.
std::string embeddings_chat_body(Flavor flavor, const workload::RequestSpec& spec, const BodyOptions& options) {
  std::string out;
  out.reserve(pooling_reserve(spec));
  BodyWriter b(out, options.extra_body ? &*options.extra_body : nullptr);
  b.writer().begin_object();
  b.simple("model", model_of(spec, options));
  b.field("messages", [&](core::JsonWriter& w) {
    const auto images = [&] {
      for (const auto& image : spec.images) {
        w.begin_object().field("type", "image_url").key("image_url").begin_object();
        w.field("url", *image).end_object().end_object();
      }
    };
    w.begin_array().begin_object().field("role", "user").key("content").begin_array();
    if (flavor == Flavor::kEmbeddingsVlm2Vec) images();
    w.begin_object().field("type", "text").field("text", spec.prompt).end_object();
    if (flavor != Flavor::kEmbeddingsVlm2Vec) images();
    w.end_array().end_object().end_array();
  });
  b.simple("truncate_prompt_tokens", -1);
  if (options.ignore_eos) b.simple("ignore_eos", true);
  b.append_remaining_extra();
  b.writer().end_object();
  return out;
}

// The pooling backends' bodies, as vLLM's request functions build them: no sampling fields
// (vLLM collects none for pooling tasks), then ignore_eos and extra_body as for generation.
std::string pooling_body(Flavor flavor, const workload::RequestSpec& spec, const BodyOptions& options) {
  if (flavor == Flavor::kRerank) return rerank_body(spec, options);
  if (is_chat_embeddings(flavor)) return embeddings_chat_body(flavor, spec, options);
  std::string out;
  out.reserve(pooling_reserve(spec));
  BodyWriter b(out, options.extra_body ? &*options.extra_body : nullptr);
  b.writer().begin_object();
  b.simple("model", model_of(spec, options));
  // "Many embedding models have short context length": vLLM asks the server to truncate.
  if (flavor == Flavor::kPooling) b.simple("truncate_prompt_tokens", -1);
  const bool infinity = flavor == Flavor::kInfinityEmbeddings || flavor == Flavor::kInfinityEmbeddingsClip;
  if (infinity && spec.prompt.empty() && !spec.images.empty()) {
    // Infinity's image input: the first image's URL and its modality ("image_url" → "image").
    b.simple("input", *spec.images.front());
    b.simple("modality", "image");
  } else {
    b.field("input", [&](core::JsonWriter& w) { write_input(w, spec); });
  }
  if (flavor == Flavor::kEmbeddings) b.simple("truncate_prompt_tokens", -1);
  if (options.ignore_eos) b.simple("ignore_eos", true);
  b.append_remaining_extra();
  b.writer().end_object();
  return out;
}

// The OpenAI Responses API (/v1/responses, not in vLLM's released client): `input` is the
// prompt as a string, or with images one user message of input_text and input_image parts;
// the limit is max_output_tokens; of the sampling fields the API has only top_p and
// temperature (others go through --extra-body). No stream_options: the final
// response.completed event always carries the usage.
std::string responses_body(const workload::RequestSpec& spec, const BodyOptions& options) {
  std::string out;
  out.reserve(pooling_reserve(spec));
  BodyWriter b(out, options.extra_body ? &*options.extra_body : nullptr);
  b.writer().begin_object();
  b.simple("model", model_of(spec, options));
  b.field("input", [&](core::JsonWriter& w) {
    if (spec.images.empty()) {
      w.value(spec.prompt);
      return;
    }
    w.begin_array().begin_object().field("role", "user").key("content").begin_array();
    w.begin_object().field("type", "input_text").field("text", spec.prompt).end_object();
    for (const auto& image : spec.images) {
      w.begin_object().field("type", "input_image").field("image_url", *image).end_object();
    }
    w.end_array().end_object().end_array();
  });
  b.simple("max_output_tokens", spec.expected_output_len);
  b.simple("stream", options.stream);
  if (options.sampling.top_p) b.simple("top_p", *options.sampling.top_p);
  if (options.sampling.temperature) b.simple("temperature", *options.sampling.temperature);
  b.append_remaining_extra();
  b.writer().end_object();
  return out;
}

/// Python's str() of a float: the shortest text that reads back, with ".0" on whole numbers.
std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string out = fmt::format("{}", v);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

/// A form field's text as vLLM's `form.add_field(key, str(value))` gives it: True/False,
/// None, integers, Python floats, strings as they are; arrays and objects as JSON (Python
/// would write its repr).
std::string form_text(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "None";
    case boost::json::kind::bool_: return v.get_bool() ? "True" : "False";
    case boost::json::kind::int64: return std::to_string(v.get_int64());
    case boost::json::kind::uint64: return std::to_string(v.get_uint64());
    case boost::json::kind::double_: return python_float(v.get_double());
    case boost::json::kind::string: return std::string(v.get_string());
    default: return boost::json::serialize(v);
  }
}

/// vLLM's async_request_openai_audio: the file part, then the payload's fields in its order
/// (model, max_completion_tokens, stream, language, stream_include_usage,
/// stream_continuous_usage_stats), ignore_eos, the sampling flags and the extra body (which
/// replaces a field in its slot, as dict.update does), each as str(value).
std::string audio_body(const workload::RequestSpec& spec, const BodyOptions& options) {
  std::vector<std::pair<std::string, std::string>> fields{
      {"model", std::string(model_of(spec, options))},
      {"max_completion_tokens", std::to_string(spec.expected_output_len)},
      {"stream", "True"},
      {"language", "en"},
      {"stream_include_usage", "True"},
      {"stream_continuous_usage_stats", "True"}};
  if (options.ignore_eos) fields.emplace_back("ignore_eos", "True");
  const SamplingParams& s = options.sampling;
  const auto add = [&](const char* key, const std::optional<double>& v) {
    if (v) fields.emplace_back(key, python_float(*v));
  };
  add("top_p", s.top_p);
  if (s.top_k) fields.emplace_back("top_k", std::to_string(*s.top_k));
  add("min_p", s.min_p);
  add("temperature", s.temperature);
  add("frequency_penalty", s.frequency_penalty);
  add("presence_penalty", s.presence_penalty);
  add("repetition_penalty", s.repetition_penalty);
  if (options.extra_body) {
    for (const auto& kv : *options.extra_body) {
      const std::string key(kv.key());
      auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
      if (it != fields.end()) {
        it->second = form_text(kv.value());
      } else {
        fields.emplace_back(key, form_text(kv.value()));
      }
    }
  }
  std::vector<FormPart> parts;
  parts.reserve(fields.size() + 1);
  if (spec.audio) parts.push_back({"file", spec.audio->filename, spec.audio->content_type, spec.audio->bytes});
  for (const auto& [key, value] : fields) parts.push_back({key, std::nullopt, "text/plain; charset=utf-8", value});
  return build_form(parts);
}

}  // namespace

std::string build_body(Flavor flavor, const workload::RequestSpec& spec, const BodyOptions& options) {
  if (flavor == Flavor::kAudio) return audio_body(spec, options);
  if (flavor == Flavor::kResponses) return responses_body(spec, options);
  if (is_pooling(flavor)) return pooling_body(flavor, spec, options);
  return body_with_history(flavor, spec, {}, options);
}

std::string build_chat_body(const workload::RequestSpec& spec, std::span<const ChatTurn> history,
                            const BodyOptions& options) {
  return body_with_history(Flavor::kChat, spec, history, options);
}

std::string_view default_endpoint(Flavor flavor) {
  switch (flavor) {
    case Flavor::kCompletions: return "/v1/completions";
    case Flavor::kChat: return "/v1/chat/completions";
    case Flavor::kEmbeddings:
    case Flavor::kEmbeddingsChat:
    case Flavor::kEmbeddingsClip:
    case Flavor::kEmbeddingsVlm2Vec: return "/v1/embeddings";
    case Flavor::kPooling: return "/pooling";
    case Flavor::kInfinityEmbeddings:
    case Flavor::kInfinityEmbeddingsClip: return "/embeddings";
    case Flavor::kRerank: return "/v1/rerank";
    case Flavor::kResponses: return "/v1/responses";
    case Flavor::kAudio: return "/v1/audio/transcriptions";
  }
  return "/v1/completions";
}

std::int64_t input_sequences(Flavor flavor, const workload::RequestSpec& spec) {
  const auto documents = static_cast<std::int64_t>(spec.documents.size());
  if (flavor == Flavor::kRerank) return documents;
  if (is_chat_embeddings(flavor) || documents == 0) return 1;
  return 1 + documents;
}

void adapt_to_backend(Flavor flavor, workload::RequestSpec& spec, std::size_t index) {
  if (spec.images.empty()) return;
  if (flavor == Flavor::kEmbeddingsClip || flavor == Flavor::kInfinityEmbeddingsClip) {
    spec.prompt.clear();  // vLLM's _preprocess_clip: an image request is the image alone
  } else if (flavor == Flavor::kEmbeddingsVlm2Vec) {
    // vLLM's _preprocess_vlm2vec: even request ids the image alone, odd ones image and question.
    spec.prompt = index % 2 == 0 ? "Represent the given image."
                                 : "Represent the given image with the following question: " + spec.prompt;
  }
}

}  // namespace llmload::api
