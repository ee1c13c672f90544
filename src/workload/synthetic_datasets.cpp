#include "llmload/workload/synthetic_datasets.hpp"

#include "llmload/core/rng.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/image_data.hpp"
#include "llmload/workload/py_random.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace llmload::workload {
namespace {

/// Random text of `count` words from the built-in list.
std::string random_words(std::int64_t count, core::Rng& rng) {
  std::string out;
  append_random_words(out, count, rng);
  return out;
}

struct Parser {
  std::string_view s;
  std::size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  template <class T>
  bool number(T& out) {
    ws();
    const auto* begin = s.data() + i;
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), out);
    if (ec != std::errc{}) return false;
    i += static_cast<std::size_t>(ptr - begin);
    return true;
  }
};

}  // namespace

core::Result<std::vector<MmBucket>> parse_bucket_config(std::string_view text) {
  const auto bad = [&](std::string_view what) {
    return core::fail("--random-mm-bucket-config '{}': {}; write e.g. '{{(256, 256, 1): 0.5, "
                      "(720, 1280, 1): 0.5}}' (height, width, frames): probability", text, what);
  };
  Parser p{text};
  std::vector<MmBucket> buckets;
  if (!p.eat('{')) return bad("expected '{'");
  if (!p.eat('}')) {
    do {
      MmBucket b;
      if (!p.eat('(') || !p.number(b.height) || !p.eat(',') || !p.number(b.width) || !p.eat(',') ||
          !p.number(b.frames) || !p.eat(')') || !p.eat(':') || !p.number(b.probability)) {
        return bad(fmt::format("cannot read an entry at character {}", p.i));
      }
      if (b.height < 1 || b.width < 1 || b.frames < 1) return bad("sizes and frames must be >= 1");
      if (!(b.probability >= 0)) return bad("probabilities must be >= 0");
      buckets.push_back(b);
    } while (p.eat(','));
    if (!p.eat('}')) return bad(fmt::format("expected ',' or '}}' at character {}", p.i));
  }
  p.ws();
  if (p.i != text.size()) return bad("text after '}'");
  std::erase_if(buckets, [](const MmBucket& b) { return b.probability == 0; });
  double sum = 0;
  for (const auto& b : buckets) sum += b.probability;
  if (buckets.empty() || sum <= 0) return bad("no bucket has a positive probability");
  for (auto& b : buckets) b.probability /= sum;
  return buckets;
}

core::Result<std::map<std::string, std::int64_t>> parse_limit_mm_per_prompt(std::string_view text) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(text, ec);
  std::map<std::string, std::int64_t> out;
  bool ok = !ec && value.is_object();
  if (ok) {
    for (const auto& kv : value.as_object()) {
      if (!kv.value().is_int64() || kv.value().as_int64() < 0) {
        ok = false;
        break;
      }
      out[std::string(kv.key())] = kv.value().as_int64();
    }
  }
  if (!ok) {
    return core::fail("--random-mm-limit-mm-per-prompt '{}': expected a JSON object of counts, e.g. "
                      "'{{\"image\": 3, \"video\": 0}}'", text);
  }
  return out;
}

core::Result<Dataset> make_prefix_repetition_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  const auto num_prefixes = options.prefix_repetition_num_prefixes;
  if (num_prefixes < 1) return core::fail("--prefix-repetition-num-prefixes must be at least 1");
  if (options.prefix_repetition_prefix_len < 0 || options.prefix_repetition_suffix_len < 0 ||
      options.prefix_repetition_prefix_len + options.prefix_repetition_suffix_len < 1) {
    return core::fail("--prefix-repetition-prefix-len and --prefix-repetition-suffix-len must be >= 0 "
                      "and not both 0");
  }
  const auto per_prefix = static_cast<std::int64_t>(options.num_prompts) / num_prefixes;
  if (per_prefix == 0) {
    return core::fail("--num-prompts {} must be at least --prefix-repetition-num-prefixes {}",
                      options.num_prompts, num_prefixes);
  }
  core::Rng rng(options.seed, "prefix-repetition");
  Dataset out;
  std::int64_t mismatch = 0;
  // A part of `len` tokens: random ids made exact (tokenizer) or random words.
  auto part = [&](std::int64_t len, std::vector<std::int32_t>& ids) -> core::Result<std::string> {
    ids.clear();
    if (tokenizer == nullptr) return core::Result<std::string>(boost::system::in_place_value, random_words(len, rng));
    const auto vocab = static_cast<std::int64_t>(tokenizer->model_vocab_size());
    for (std::int64_t k = 0; k < len; ++k) {
      auto id = static_cast<std::int32_t>(rng.uniform_int(0, vocab - 1));
      while (!tokenizer->id_to_token(id)) id = static_cast<std::int32_t>(rng.uniform_int(0, vocab - 1));
      ids.push_back(id);
    }
    std::size_t encoded = 0;
    auto text = decode_to_target_len(*tokenizer, ids, static_cast<std::size_t>(len), rng, &encoded);
    if (!text) return text.error();
    mismatch += static_cast<std::int64_t>(encoded) - len;
    ids.clear();
    tokenizer->encode_into(*text, ids);
    return text;
  };
  std::vector<std::int32_t> prefix_ids, suffix_ids;
  for (std::int64_t p = 0; p < num_prefixes; ++p) {
    auto prefix = part(options.prefix_repetition_prefix_len, prefix_ids);
    if (!prefix) return prefix.error();
    for (std::int64_t s = 0; s < per_prefix; ++s) {
      auto suffix = part(options.prefix_repetition_suffix_len, suffix_ids);
      if (!suffix) return suffix.error();
      RequestSpec spec;
      if (tokenizer != nullptr) {
        // vLLM decodes prefix + suffix ids together; the prompt length is their count.
        std::vector<std::int32_t> both = prefix_ids;
        both.insert(both.end(), suffix_ids.begin(), suffix_ids.end());
        auto text = tokenizer->decode(both);
        if (!text) return text.error();
        spec.prompt = std::move(*text);
        spec.prompt_len = static_cast<std::int32_t>(both.size());
      } else {
        spec.prompt = *prefix + (prefix->empty() || suffix->empty() ? "" : " ") + *suffix;
        spec.prompt_len = static_cast<std::int32_t>(options.prefix_repetition_prefix_len +
                                                    options.prefix_repetition_suffix_len);
      }
      spec.expected_output_len = static_cast<std::int32_t>(options.prefix_repetition_output_len);
      out.specs.push_back(std::move(spec));
    }
  }
  PyRandom shuffler(options.seed);
  shuffler.shuffle(out.specs);
  out.notes.push_back(fmt::format("prefix_repetition: {} prefixes x {} suffixes = {} requests{}{}",
                                  num_prefixes, per_prefix, out.specs.size(),
                                  out.specs.size() < options.num_prompts ? " (vLLM's count: fewer than --num-prompts)" : "",
                                  tokenizer != nullptr ? "" : " (no tokenizer: lengths in words)"));
  if (mismatch != 0) {
    out.notes.push_back(fmt::format("prefix_repetition: parts missed their target by {:+} tokens in "
                                    "total after decode/re-encode retries", mismatch));
  }
  return out;
}

core::Result<Dataset> make_random_mm_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  if (!options.chat) {
    return core::fail("--dataset-name random-mm sends images, which only chat requests carry; use "
                      "--backend openai-chat (endpoint /v1/chat/completions)");
  }
  const auto& mm = options.random_mm;
  if (!(mm.num_mm_items_range_ratio >= 0 && mm.num_mm_items_range_ratio <= 1)) {
    return core::fail("--random-mm-num-mm-items-range-ratio must be in [0, 1] (got {})", mm.num_mm_items_range_ratio);
  }
  if (mm.base_items_per_request < 0) return core::fail("--random-mm-base-items-per-request must be >= 0");
  for (const auto& b : mm.buckets) {
    if (b.frames > 1) {
      return core::fail("--random-mm-bucket-config: ({}, {}, {}) is a video bucket; llmload sends "
                        "images only (frames = 1)", b.height, b.width, b.frames);
    }
  }
  if (mm.image_format != "jpeg" && mm.image_format != "png") {
    return core::fail("--random-mm-image-format {}: choose jpeg (vLLM's) or png", mm.image_format);
  }
  const bool jpeg = mm.image_format == "jpeg";
  if (!mm.limit_mm_per_prompt.contains("image")) {
    return core::fail("--random-mm-limit-mm-per-prompt has no \"image\" entry, but the buckets are images");
  }
  std::int64_t limit_sum = 0;
  for (const auto& [name, n] : mm.limit_mm_per_prompt) limit_sum += n;
  const double b = static_cast<double>(mm.base_items_per_request), r = mm.num_mm_items_range_ratio;
  const auto min_items = static_cast<std::int64_t>(std::floor(b * (1 - r)));
  const auto max_items = std::min(limit_sum, static_cast<std::int64_t>(std::ceil(b * (1 + r))));
  if (min_items > max_items) {
    return core::fail("random-mm: at least {} images per request are asked for but the limits allow {}; "
                      "raise --random-mm-limit-mm-per-prompt or lower --random-mm-base-items-per-request",
                      min_items, max_items);
  }
  Dataset out;
  if (tokenizer != nullptr) {
    auto text = make_random_dataset(options.num_prompts, options.random, *tokenizer);
    if (!text) return text.error();
    out = std::move(*text);
  } else {
    auto text = make_random_dataset(options.num_prompts, options.random);
    if (!text) return text.error();
    out.specs = std::move(*text);
  }
  core::Rng rng(options.seed, "random-mm");
  const std::int64_t image_limit = mm.limit_mm_per_prompt.at("image");
  std::vector<std::uint8_t> pixels;
  std::size_t total_bytes = 0, total_images = 0;
  for (auto& spec : out.specs) {
    const std::int64_t n = rng.uniform_int(min_items, max_items);
    // All buckets are images: once the image limit is reached no bucket is left (vLLM zeroes
    // the modality's buckets and stops when all are zero).
    const std::int64_t count = std::min(n, image_limit);
    for (std::int64_t k = 0; k < count; ++k) {
      double u = rng.uniform01();
      const MmBucket* bucket = &mm.buckets.back();
      for (const auto& candidate : mm.buckets) {
        if (u < candidate.probability) {
          bucket = &candidate;
          break;
        }
        u -= candidate.probability;
      }
      pixels.resize(static_cast<std::size_t>(bucket->width * bucket->height * 3));
      for (std::size_t i = 0; i < pixels.size(); i += 8) {
        const std::uint64_t v = rng.next_u64();
        for (std::size_t j = 0; j < 8 && i + j < pixels.size(); ++j) pixels[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
      }
      const auto w = static_cast<std::uint32_t>(bucket->width), h = static_cast<std::uint32_t>(bucket->height);
      std::string bytes;
      if (jpeg) {
        auto encoded = encode_jpeg(w, h, pixels);
        if (!encoded) return encoded.error();
        bytes = std::move(*encoded);
      } else {
        bytes = encode_png(w, h, pixels);
      }
      auto url = std::make_shared<const std::string>(image_data_url(jpeg ? "image/jpeg" : "image/png", bytes));
      total_bytes += url->size();
      ++total_images;
      spec.images.push_back(std::move(url));
    }
  }
  out.notes.push_back(fmt::format("random-mm: {} images of random RGB pixels ({} to {} per request), "
                                  "{} data URLs, {:.1f} MB held in memory",
                                  total_images, min_items, max_items, jpeg ? "JPEG" : "PNG",
                                  static_cast<double>(total_bytes) / 1e6));
  return out;
}

}  // namespace llmload::workload
