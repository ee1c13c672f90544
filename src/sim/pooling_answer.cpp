#include "llmload/sim/pooling_answer.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/sim/request_parser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmload::sim {
namespace {

namespace json = boost::json;

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ULL;

// One input of the "input" field: its token count and hash, or an error.
ApiResult<bool> add_input(const json::value& item, std::size_t index, PoolingRequest& r) {
  if (item.is_string()) {
    const auto& s = item.get_string();
    const std::string_view text(s.data(), s.size());
    r.prompt_tokens += count_words(text);
    r.inputs.push_back(fnv1a(kFnvBasis, text));
    return true;
  }
  if (!item.is_array() || item.get_array().empty()) {
    return bad_request(fmt::format("'input[{}]' must be a string or a non-empty array of token ids.", index));
  }
  std::uint64_t h = kFnvBasis;
  for (const auto& id : item.get_array()) {
    if (!id.is_int64() && !id.is_uint64()) {
      return bad_request(fmt::format("'input[{}]' must hold integer token ids.", index));
    }
    const std::uint64_t value = id.is_int64() ? static_cast<std::uint64_t>(id.get_int64()) : id.get_uint64();
    h = (h ^ value) * 0x100000001b3ULL;
  }
  r.prompt_tokens += static_cast<std::int64_t>(item.get_array().size());
  r.inputs.push_back(h);
  return true;
}

// A string or an array of strings (not empty), each text seen once by `each`.
template <class Each>
ApiResult<bool> read_texts(const json::value* v, std::string_view name, Each&& each) {
  if (v == nullptr || v->is_null()) return bad_request(fmt::format("'{}' is required.", name));
  if (v->is_string()) {
    each(std::string_view(v->get_string().data(), v->get_string().size()));
    return true;
  }
  if (!v->is_array() || v->get_array().empty()) {
    return bad_request(fmt::format("'{}' must be a string or a non-empty array of strings.", name));
  }
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return bad_request(fmt::format("'{}' must hold strings only.", name));
    each(std::string_view(item.get_string().data(), item.get_string().size()));
  }
  return true;
}

// vLLM's /rerank: a query and its documents. Each pair costs the query, one separator and
// the document (the count vLLM's random-rerank dataset gives); one score per document.
ApiResult<bool> read_rerank(const json::object& o, PoolingRequest& r) {
  const auto* query = o.if_contains("query");
  if (query == nullptr || !query->is_string()) return bad_request("'query' must be a string.");
  const std::string_view q(query->get_string().data(), query->get_string().size());
  const std::int64_t query_tokens = count_words(q);
  const std::uint64_t query_hash = fnv1a(kFnvBasis, q);
  return read_texts(o.if_contains("documents"), "documents", [&](std::string_view doc) {
    r.prompt_tokens += query_tokens + 1 + count_words(doc);
    r.inputs.push_back(fnv1a(query_hash, doc));
    r.documents.emplace_back(doc);
  });
}

// vLLM's /score: text_1 (one text or as many as text_2) scored against each text_2.
ApiResult<bool> read_score(const json::object& o, PoolingRequest& r) {
  std::vector<std::string_view> first;
  auto read = read_texts(o.if_contains("text_1"), "text_1", [&](std::string_view t) { first.push_back(t); });
  if (!read) return read.error();
  std::size_t k = 0;
  bool mismatch = false;
  read = read_texts(o.if_contains("text_2"), "text_2", [&](std::string_view t) {
    const std::string_view a = first.size() == 1 ? first.front() : k < first.size() ? first[k] : std::string_view();
    mismatch = mismatch || (first.size() != 1 && k >= first.size());
    r.prompt_tokens += count_words(a) + 1 + count_words(t);
    r.inputs.push_back(fnv1a(fnv1a(kFnvBasis, a), t));
    ++k;
  });
  if (!read) return read.error();
  if (mismatch || (first.size() != 1 && k != first.size())) {
    return bad_request("'text_1' must be one text or as many as 'text_2'.");
  }
  return true;
}

// vLLM's chat form of /v1/embeddings: "messages" counted as a chat prompt (text words and
// image tokens), one vector.
ApiResult<bool> read_messages(std::string_view body, std::string_view served_model,
                              std::span<const std::string> lora_modules, PoolingRequest& r) {
  ParseOptions options;
  options.image_tokens = true;
  options.lora_modules = lora_modules;
  auto parsed = parse_generation_request(api::Flavor::kChat, body, served_model, 1, options);
  if (!parsed) return parsed.error();
  r.prompt_tokens = parsed->prompt_tokens;
  r.inputs.push_back(fnv1a(kFnvBasis, body));
  return true;
}

ApiResult<bool> read_input(const json::object& o, PoolingRequest& r) {
  const auto* input = o.if_contains("input");
  if (input == nullptr || input->is_null()) return bad_request("'input' is required.");
  if (input->is_string()) return add_input(*input, 0, r);
  if (!input->is_array() || input->get_array().empty()) {
    return bad_request("'input' must be a string or a non-empty array.");
  }
  const auto& items = input->get_array();
  if (items.front().is_int64() || items.front().is_uint64()) return add_input(*input, 0, r);  // one id list
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto added = add_input(items[i], i, r); !added) return added.error();
  }
  return true;
}

// Component k of the unit vector seeded by `seed` (splitmix64 draws in [-1, 1), normalised).
void write_vector(core::JsonWriter& w, std::uint64_t seed) {
  double v[kSimEmbeddingDims];
  double norm = 0;
  for (std::size_t k = 0; k < kSimEmbeddingDims; ++k) {
    std::uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    v[k] = static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
    norm += v[k] * v[k];
  }
  norm = std::sqrt(std::max(norm, 1e-30));
  w.begin_array();
  for (const double x : v) w.value(std::round(x / norm * 1e6) / 1e6);
  w.end_array();
}

}  // namespace

ApiResult<PoolingRequest> parse_pooling_request(api::Flavor flavor, std::string_view body,
                                                std::string_view served_model,
                                                std::span<const std::string> lora_modules, bool score) {
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec);
  if (ec) return bad_request(fmt::format("The request body is not valid JSON: {}.", ec.message()));
  if (!root.is_object()) return bad_request("The request body must be a JSON object.");
  const auto& o = root.get_object();
  if (const auto* model = o.if_contains("model"); model != nullptr && !model->is_null()) {
    if (!model->is_string()) return bad_request("'model' must be a string.");
    const std::string_view name(model->get_string().data(), model->get_string().size());
    if (name != served_model && std::find(lora_modules.begin(), lora_modules.end(), name) == lora_modules.end()) {
      return ApiError{404, fmt::format("The model `{}` does not exist.", name)};
    }
  }
  PoolingRequest r;
  r.flavor = flavor;
  r.score = score;
  const bool chat = flavor == api::Flavor::kEmbeddings && o.if_contains("input") == nullptr &&
                    o.if_contains("messages") != nullptr;
  const auto read = score                              ? read_score(o, r)
                    : flavor == api::Flavor::kRerank ? read_rerank(o, r)
                    : chat                           ? read_messages(body, served_model, lora_modules, r)
                                                     : read_input(o, r);
  if (!read) return read.error();
  return r;
}

namespace {

// A relevance score in (0, 1) from the pair's hash (deterministic, not a model's).
double pair_score(std::uint64_t h) {
  h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return std::round((static_cast<double>(h >> 11) * 0x1.0p-53 * 0.98 + 0.01) * 1e6) / 1e6;
}

// vLLM's RerankResponse: results sorted by relevance (highest first), each with its document.
std::string rerank_answer(const PoolingRequest& request, std::string_view model, std::string_view id) {
  std::vector<std::size_t> order(request.inputs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return pair_score(request.inputs[a]) > pair_score(request.inputs[b]);
  });
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().field("id", id).field("model", model);
  w.key("usage").begin_object().field("prompt_tokens", request.prompt_tokens);
  w.field("total_tokens", request.prompt_tokens).end_object();
  w.key("results").begin_array();
  for (const std::size_t i : order) {
    w.begin_object().field("index", static_cast<std::int64_t>(i));
    w.key("document").begin_object().field("text", request.documents[i]);
    w.key("multi_modal").null().end_object();
    w.field("relevance_score", pair_score(request.inputs[i])).end_object();
  }
  w.end_array().end_object();
  return out;
}

// vLLM's ScoreResponse: one score per pair, in order.
std::string score_answer(const PoolingRequest& request, std::string_view model, std::string_view id,
                         std::int64_t created) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().field("id", id).field("object", "list").field("created", created).field("model", model);
  w.key("data").begin_array();
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    w.begin_object().field("index", static_cast<std::int64_t>(i)).field("object", "score");
    w.field("score", pair_score(request.inputs[i])).end_object();
  }
  w.end_array();
  w.key("usage").begin_object().field("prompt_tokens", request.prompt_tokens);
  w.field("total_tokens", request.prompt_tokens).field("completion_tokens", std::int64_t{0});
  w.end_object().end_object();
  return out;
}

}  // namespace

std::string pooling_answer_body(const PoolingRequest& request, std::string_view model, std::string_view id,
                                std::int64_t created) {
  if (request.score) return score_answer(request, model, id, created);
  if (request.flavor == api::Flavor::kRerank) return rerank_answer(request, model, id);
  std::string out;
  out.reserve(256 + request.inputs.size() * (kSimEmbeddingDims * 11 + 48));
  core::JsonWriter w(out);
  const bool vllm_pooling = request.flavor == api::Flavor::kPooling;
  w.begin_object().field("id", id).field("object", "list").field("created", created).field("model", model);
  w.key("data").begin_array();
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    w.begin_object().field("index", static_cast<std::int64_t>(i));
    w.field("object", vllm_pooling ? "pooling" : "embedding");
    w.key(vllm_pooling ? "data" : "embedding");
    write_vector(w, request.inputs[i]);
    w.end_object();
  }
  w.end_array();
  w.key("usage").begin_object().field("prompt_tokens", request.prompt_tokens);
  w.field("total_tokens", request.prompt_tokens);
  if (request.flavor != api::Flavor::kInfinityEmbeddings) w.field("completion_tokens", std::int64_t{0});
  w.end_object().end_object();
  return out;
}

}  // namespace llmload::sim
