#include "llmload/workload/random_dataset.hpp"

#include "llmload/core/rng.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace llmload::workload {

namespace {

// Common English words. Each is one token for the built-in simulator and, for the frequent
// ones, usually one token for real BPE tokenizers too, so lengths stay close without one.
constexpr std::string_view kWords[] = {
    "the", "of", "and", "to", "in", "is", "was", "for", "that", "with", "on", "as", "by", "at",
    "from", "his", "her", "he", "she", "it", "they", "them", "this", "which", "be", "are", "were",
    "been", "has", "have", "had", "not", "but", "or", "an", "all", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "more", "most", "some", "many", "much", "few",
    "any", "each", "every", "other", "another", "such", "only", "own", "same", "so", "than",
    "too", "very", "can", "will", "just", "should", "now", "new", "old", "good", "great", "small",
    "large", "long", "little", "big", "high", "low", "early", "late", "young", "right", "left",
    "first", "last", "next", "best", "better", "world", "life", "time", "year", "day", "week",
    "month", "hour", "minute", "way", "work", "part", "place", "case", "point", "group", "number",
    "fact", "hand", "eye", "head", "face", "home", "house", "room", "door", "city", "town",
    "country", "state", "nation", "people", "man", "woman", "child", "family", "friend", "school",
    "student", "teacher", "book", "paper", "story", "word", "name", "idea", "question", "answer",
    "problem", "system", "program", "service", "market", "company", "business", "money", "price",
    "cost", "value", "rate", "level", "line", "side", "end", "water", "food", "air", "fire",
    "earth", "light", "sound", "color", "music", "art", "game", "team", "player", "river",
    "mountain", "sea", "ocean", "island", "forest", "tree", "flower", "garden", "road", "street",
    "bridge", "car", "train", "plane", "ship", "boat", "machine", "engine", "power", "energy",
    "model", "data", "network", "signal", "image", "picture", "camera", "screen", "window",
    "table", "chair", "bed", "kitchen", "field", "farm", "village", "valley", "desert", "winter",
    "spring", "summer", "autumn", "morning", "evening", "night", "today", "history", "science",
    "nature", "language", "voice", "letter", "message", "report", "record", "result", "reason",
    "method", "process", "plan", "project", "design", "theory", "order", "rule", "law", "court",
    "government", "policy", "party", "member", "leader", "office", "officer", "army", "war",
    "peace", "health", "body", "heart", "mind", "memory", "feeling", "thought", "dream", "hope",
    "fear", "love", "anger", "joy", "news", "event", "moment", "season", "center", "corner",
    "edge", "surface", "shape", "size", "weight", "speed", "distance", "direction", "position",
    "area", "region", "space", "star", "planet", "moon", "sun", "cloud", "rain", "snow", "wind",
    "storm", "weather", "stone", "metal", "glass", "wood", "cloth", "cotton", "plastic", "oil",
    "gas", "salt", "sugar", "bread", "milk", "coffee", "tea", "fruit", "apple", "orange", "rice",
    "animal", "bird", "fish", "horse", "dog", "cat", "cow", "sheep", "insect", "bee", "leaf",
    "root", "seed", "grass", "cheese", "meat", "make", "take", "give", "find", "tell", "ask",
    "seem", "feel", "try", "leave", "call", "keep", "let", "begin", "show", "hear", "play", "run",
    "move", "live", "believe", "bring", "happen", "write", "provide", "sit", "stand", "lose",
    "pay", "meet", "include", "continue", "set", "learn", "change", "lead", "understand", "watch",
    "follow", "stop", "create", "speak", "read", "allow", "add", "spend", "grow", "open", "walk",
    "win", "offer", "remember", "consider", "appear", "buy", "wait", "serve", "die", "send",
    "expect", "build", "stay", "fall", "cut", "reach", "kill", "remain", "suggest", "raise",
    "pass", "sell", "require", "decide", "return", "explain", "develop", "carry", "break",
    "receive", "agree", "support", "hit", "produce", "eat", "cover", "catch", "draw", "choose",
    "cause", "compute", "measure", "test", "stream", "token", "batch", "request", "server",
    "client", "latency", "throughput", "cache", "queue", "kernel", "device", "cluster", "node",
    "layer", "quickly", "slowly", "carefully", "simply", "clearly", "really", "always", "never",
    "often", "sometimes", "usually", "together", "already", "still", "yet", "again", "almost",
    "enough", "perhaps", "maybe", "indeed", "quite", "rather", "nearly", "soon", "later", "blue",
    "green", "red", "yellow", "white", "black", "brown", "gray", "purple", "silver", "golden",
    "bright", "dark", "warm", "cold", "hot", "cool", "dry", "wet", "soft", "hard", "heavy",
    "strong", "weak", "rich", "poor", "happy", "sad", "calm", "quiet", "loud", "clean",
};

}  // namespace

void append_random_words(std::string& out, std::int64_t count, core::Rng& rng) {
  constexpr auto kCount = static_cast<std::int64_t>(std::size(kWords));
  for (std::int64_t i = 0; i < count; ++i) {
    if (!out.empty()) out.push_back(' ');
    out.append(kWords[rng.uniform_int(0, kCount - 1)]);
  }
}

std::span<const std::string_view> builtin_words() { return kWords; }

std::int64_t count_words(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::vector<std::int32_t> allowed_token_ids(const tokenizer::Tokenizer& tokenizer) {
  std::vector<std::int32_t> ids;
  const auto n = static_cast<std::int32_t>(tokenizer.model_vocab_size());
  ids.reserve(static_cast<std::size_t>(n));
  for (std::int32_t id = 0; id < n; ++id) {
    if (!tokenizer.is_special(id) && tokenizer.id_to_token(id)) ids.push_back(id);
  }
  return ids;
}

core::Result<std::string> decode_to_target_len(const tokenizer::Tokenizer& tokenizer, std::vector<std::int32_t> ids,
                                               std::size_t target_len, core::Rng& rng,
                                               std::size_t* encoded_len, int max_retry) {
  const auto vocab = static_cast<std::int64_t>(tokenizer.model_vocab_size());
  std::string text;
  for (int tries_left = max_retry;; --tries_left) {
    auto decoded = tokenizer.decode(ids);
    if (!decoded) return decoded.error();
    text = std::move(*decoded);
    ids.clear();
    tokenizer.encode_into(text, ids);
    if (tries_left <= 0 || ids.size() == target_len) break;
    if (ids.size() > target_len) {
      ids.resize(target_len);
    } else {
      while (ids.size() < target_len) {
        auto id = static_cast<std::int32_t>(rng.uniform_int(0, vocab - 1));
        // Unassigned ids (holes in a vocabulary) cannot be decoded; draw again.
        while (!tokenizer.id_to_token(id)) id = static_cast<std::int32_t>(rng.uniform_int(0, vocab - 1));
        ids.push_back(id);
      }
    }
  }
  *encoded_len = ids.size();
  return core::Result<std::string>(boost::system::in_place_value, std::move(text));
}

/// The flags both random paths share; errors name the flag.
static core::Result<void> check_lengths(const RandomDatasetOptions& options) {
  if (options.output_len < 1) {
    return core::fail("--random-output-len must be at least 1 (got {})", options.output_len);
  }
  if (options.prefix_len < 0) {
    return core::fail("--random-prefix-len must not be negative (got {})", options.prefix_len);
  }
  if (!(options.range_ratio >= 0.0 && options.range_ratio < 1.0)) {
    return core::fail("--random-range-ratio must be in [0, 1) (got {})", options.range_ratio);
  }
  return {};
}

core::Result<Dataset> make_random_dataset(std::size_t count, const RandomDatasetOptions& options,
                                          const tokenizer::Tokenizer& tokenizer) {
  if (auto valid = check_lengths(options); !valid) return valid.error();
  const double r = options.range_ratio;
  const auto num_special = static_cast<std::int64_t>(tokenizer.encode("", {.add_special_tokens = true}).size());
  const std::int64_t real_input_len = std::max<std::int64_t>(0, options.input_len - num_special);
  const auto in_lo = static_cast<std::int64_t>(std::floor(static_cast<double>(real_input_len) * (1 - r)));
  const auto in_hi = static_cast<std::int64_t>(std::ceil(static_cast<double>(real_input_len) * (1 + r)));
  const auto out_lo = std::max<std::int64_t>(
      static_cast<std::int64_t>(std::floor(static_cast<double>(options.output_len) * (1 - r))), 1);
  const auto out_hi = std::max<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(static_cast<double>(options.output_len) * (1 + r))), 1);
  if (options.prefix_len + in_lo < 1) {
    return core::fail("--random-input-len {} with --random-prefix-len {}: prompts could have no "
                      "tokens (the tokenizer adds {} special tokens); raise --random-input-len",
                      options.input_len, options.prefix_len, num_special);
  }
  const std::vector<std::int32_t> allowed = allowed_token_ids(tokenizer);
  if (allowed.empty()) return core::fail("the tokenizer has no usable (non-special) tokens");
  const auto allowed_count = static_cast<std::int64_t>(allowed.size());

  core::Rng lengths(options.seed, "random-dataset/lengths");
  core::Rng text(options.seed, "random-dataset/tokens");
  std::vector<std::int64_t> input_lens(count), output_lens(count), offsets(count);
  for (auto& v : input_lens) v = lengths.uniform_int(in_lo, in_hi);
  for (auto& v : output_lens) v = lengths.uniform_int(out_lo, out_hi);
  for (auto& v : offsets) v = lengths.uniform_int(0, static_cast<std::int64_t>(tokenizer.model_vocab_size()) - 1);
  std::vector<std::int32_t> prefix(static_cast<std::size_t>(options.prefix_len));
  for (auto& id : prefix) id = allowed[static_cast<std::size_t>(text.uniform_int(0, allowed_count - 1))];

  Dataset out;
  out.specs.resize(count);
  std::int64_t mismatch_tokens = 0, mismatched_prompts = 0;
  std::vector<std::int32_t> ids;
  for (std::size_t i = 0; i < count; ++i) {
    ids = prefix;
    for (std::int64_t k = 0; k < input_lens[i]; ++k) {
      ids.push_back(allowed[static_cast<std::size_t>((offsets[i] + static_cast<std::int64_t>(i) + k) % allowed_count)]);
    }
    const auto target = static_cast<std::size_t>(options.prefix_len + input_lens[i]);
    std::size_t encoded = 0;
    auto prompt = decode_to_target_len(tokenizer, ids, target, text, &encoded);
    if (!prompt) return prompt.error();
    if (encoded != target) {
      ++mismatched_prompts;
      mismatch_tokens += static_cast<std::int64_t>(encoded) - static_cast<std::int64_t>(target);
    }
    auto& spec = out.specs[i];
    spec.prompt = std::move(*prompt);
    spec.prompt_len = static_cast<std::int32_t>(encoded);
    spec.expected_output_len = static_cast<std::int32_t>(output_lens[i]);
  }
  out.notes.push_back(fmt::format(
      "random dataset: exact token lengths with the tokenizer; input length sampled from [{}, {}] "
      "tokens plus {} shared prefix tokens ({} special tokens added by the server's template are "
      "not counted), output length from [{}, {}]",
      in_lo, in_hi, options.prefix_len, num_special, out_lo, out_hi));
  if (mismatched_prompts > 0) {
    out.notes.push_back(fmt::format(
        "random dataset: {} of {} prompts missed their target length after decode/re-encode "
        "retries ({:+} tokens in total, as vLLM warns); their prompt_len is their true length",
        mismatched_prompts, count, mismatch_tokens));
  }
  return out;
}

core::Result<std::vector<RequestSpec>> make_random_dataset(std::size_t count,
                                                           const RandomDatasetOptions& options) {
  if (options.input_len < 1) {
    return core::fail("--random-input-len must be at least 1 (got {})", options.input_len);
  }
  if (auto valid = check_lengths(options); !valid) return valid.error();
  const double r = options.range_ratio;
  const auto in_lo = static_cast<std::int64_t>(std::floor(options.input_len * (1 - r)));
  const auto in_hi = static_cast<std::int64_t>(std::ceil(options.input_len * (1 + r)));
  const auto out_lo =
      std::max<std::int64_t>(static_cast<std::int64_t>(std::floor(options.output_len * (1 - r))), 1);
  const auto out_hi = static_cast<std::int64_t>(std::ceil(options.output_len * (1 + r)));

  core::Rng lengths(options.seed, "random-dataset/lengths");
  core::Rng text(options.seed, "random-dataset/text");
  std::string prefix;
  append_random_words(prefix, options.prefix_len, text);

  std::vector<RequestSpec> specs(count);
  for (auto& spec : specs) {
    // Zero-length inputs are not useful requests; keep at least one word after the prefix.
    const std::int64_t input_len = std::max<std::int64_t>(lengths.uniform_int(in_lo, in_hi), 1);
    const std::int64_t output_len = lengths.uniform_int(out_lo, out_hi);
    spec.prompt.reserve(prefix.size() + static_cast<std::size_t>(input_len) * 7);
    spec.prompt = prefix;
    append_random_words(spec.prompt, input_len, text);
    spec.prompt_len = static_cast<std::int32_t>(options.prefix_len + input_len);
    spec.expected_output_len = static_cast<std::int32_t>(output_len);
  }
  return specs;
}

namespace {

/// Removes the last `count` words of `text` (and the spaces before them).
void drop_last_words(std::string& text, std::int64_t count) {
  for (; count > 0 && !text.empty(); --count) {
    const auto space = text.find_last_of(' ');
    text.resize(space == std::string::npos ? 0 : space);
  }
}

/// A server's count of `text`'s tokens is untrusted: it must lie in [0, bytes + 64] (a token
/// is at least one byte, beside a few special tokens) before any arithmetic uses it.
core::Result<void> check_token_count(std::int64_t count, std::string_view text) {
  const auto most = static_cast<std::int64_t>(text.size()) + 64;
  if (count >= 0 && count <= most) return {};
  return core::fail("POST /tokenize answered a count of {} for a prompt of {} bytes (expected 0..{})", count,
                    text.size(), most);
}

}  // namespace

core::Result<Dataset> make_random_dataset(std::size_t count, const RandomDatasetOptions& options,
                                          const TokenCounter& count_tokens, int max_rounds) {
  auto words = make_random_dataset(count, options);
  if (!words) return words.error();
  Dataset out;
  out.specs = std::move(*words);
  core::Rng fill(options.seed, "random-dataset/tokenize-fill");
  std::size_t missed = 0;
  std::int64_t missed_tokens = 0, requests = 0;
  for (auto& spec : out.specs) {
    const std::int64_t target = spec.prompt_len;  // prefix + sampled input length
    std::int64_t n = 0;
    for (int round = 0;; ++round) {
      auto counted = count_tokens(spec.prompt);
      ++requests;
      if (!counted) return counted.error();
      if (auto plausible = check_token_count(*counted, spec.prompt); !plausible) return plausible.error();
      n = *counted;
      if (n == target || round + 1 >= max_rounds) break;
      const std::int64_t have_words = count_words(spec.prompt);
      if (n < target) {
        append_random_words(spec.prompt, target - n, fill);
        continue;
      }
      // Too long: drop about as many words as there are extra tokens at this words-per-token
      // ratio, at least one, keeping the shared prefix and one more word.
      const std::int64_t removable = have_words - options.prefix_len - 1;
      if (removable <= 0) break;
      const auto estimate = static_cast<std::int64_t>(static_cast<double>(n - target) *
                                                      static_cast<double>(have_words) / static_cast<double>(n));
      drop_last_words(spec.prompt, std::clamp<std::int64_t>(estimate, 1, removable));
    }
    if (n != target) {
      ++missed;
      missed_tokens += n - target;
    }
    spec.prompt_len = static_cast<std::int32_t>(n);
  }
  out.notes.push_back(fmt::format(
      "random dataset: no tokenizer given, so input lengths were made exact with the server's "
      "/tokenize ({} requests to it); prompts are words from a built-in list", requests));
  if (missed > 0) {
    out.notes.push_back(fmt::format(
        "random dataset: {} of {} prompts missed their length after {} /tokenize rounds ({:+} tokens in "
        "total); their prompt_len is the server's count", missed, out.specs.size(), max_rounds, missed_tokens));
  }
  return out;
}

}  // namespace llmload::workload
