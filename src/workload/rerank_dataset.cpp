// vLLM's random-rerank dataset (workload/rerank_dataset.hpp).

#include "llmload/workload/rerank_dataset.hpp"

#include "llmload/core/rng.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace llmload::workload {
namespace {

/// vLLM's get_sampling_params rule for one length: uniform in [floor(L(1-r)), ceil(L(1+r))].
std::int64_t sample_len(core::Rng& rng, std::int64_t len, double r) {
  const auto lo = static_cast<std::int64_t>(std::floor(static_cast<double>(len) * (1 - r)));
  const auto hi = static_cast<std::int64_t>(std::ceil(static_cast<double>(len) * (1 + r)));
  return rng.uniform_int(std::max<std::int64_t>(lo, 1), std::max<std::int64_t>(hi, 1));
}

/// `words` random words, and their length as the run counts it (the tokenizer's, else words).
std::pair<std::string, std::int64_t> random_text(core::Rng& rng, std::int64_t words,
                                                 const tokenizer::Tokenizer* tokenizer) {
  std::string text;
  append_random_words(text, words, rng);
  if (tokenizer == nullptr) return {std::move(text), words};
  const auto counted = static_cast<std::int64_t>(tokenizer->encode(text, {.add_special_tokens = false}).size());
  return {std::move(text), counted};
}

core::Result<void> check_options(const DatasetOptions& o, std::int64_t batch, bool reranker) {
  const auto& r = o.random;
  if (!(r.range_ratio >= 0.0 && r.range_ratio < 1.0)) {
    return core::fail("--random-range-ratio must be in [0, 1) (got {})", r.range_ratio);
  }
  if (batch < 1) return core::fail("--random-batch-size must be at least 1 (got {})", batch);
  if (!reranker && (o.num_prompts < 2 || batch < 2)) {
    return core::fail("--no-reranker sends the query once ahead of its documents: --num-prompts and "
                      "--random-batch-size must both be at least 2 (got {} and {})", o.num_prompts, batch);
  }
  if (r.input_len < (reranker ? 4 : 1)) {
    return core::fail("--random-input-len {} is too short for a query and a document (at least {})", r.input_len,
                      reranker ? 4 : 1);
  }
  return {};
}

}  // namespace

core::Result<Dataset> make_random_rerank_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  std::int64_t batch = options.random_batch_size;
  const bool reranker = !options.no_reranker;
  if (auto ok = check_options(options, batch, reranker); !ok) return ok.error();
  const std::int64_t sep = reranker ? 1 : 0;
  const auto& r = options.random;
  core::Rng lengths(options.seed, "random-rerank/lengths");
  core::Rng text(options.seed, "random-rerank/words");
  const std::int64_t query_words = sample_len(lengths, reranker ? r.input_len / 2 - sep : r.input_len, r.range_ratio);
  auto docs = static_cast<std::int64_t>(options.num_prompts);
  if (!reranker) {
    --docs;
    --batch;
  }
  const std::int64_t doc_param = reranker ? std::max<std::int64_t>(r.input_len - query_words - sep, 1) : r.input_len;
  auto [query, query_len] = random_text(text, query_words, tokenizer);
  Dataset out;
  for (std::int64_t first = 0; first < docs; first += batch) {
    RequestSpec spec;
    spec.prompt = query;
    std::int64_t len = 0;
    for (std::int64_t d = first; d < std::min(docs, first + batch); ++d) {
      auto [doc, doc_len] = random_text(text, sample_len(lengths, doc_param, r.range_ratio), tokenizer);
      spec.documents.push_back(std::move(doc));
      len += doc_len;
    }
    const auto n = static_cast<std::int64_t>(spec.documents.size());
    len += reranker ? (query_len + sep) * n : query_len;
    spec.prompt_len = static_cast<std::int32_t>(std::min<std::int64_t>(len, INT32_MAX));
    spec.expected_output_len = 0;
    out.specs.push_back(std::move(spec));
  }
  out.notes.push_back(fmt::format(
      "random-rerank: one query of {} tokens, {} documents of about {} tokens, {} per request ({} requests{}); "
      "texts are words from a built-in list{}",
      query_len, docs, doc_param, batch, out.specs.size(), reranker ? "" : "; --no-reranker: the query is sent once per batch",
      tokenizer != nullptr ? ", counted with the tokenizer" : " (one word per token)"));
  return out;
}

}  // namespace llmload::workload
