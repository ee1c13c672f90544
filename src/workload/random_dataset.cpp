#include "llmload/workload/random_dataset.hpp"

#include "llmload/core/rng.hpp"

#include <array>
#include <cmath>

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

void append_words(std::string& out, std::int64_t count, core::Rng& rng) {
  constexpr auto kCount = static_cast<std::int64_t>(std::size(kWords));
  for (std::int64_t i = 0; i < count; ++i) {
    if (!out.empty()) out.push_back(' ');
    out.append(kWords[rng.uniform_int(0, kCount - 1)]);
  }
}

}  // namespace

std::span<const std::string_view> builtin_words() { return kWords; }

core::Result<std::vector<RequestSpec>> make_random_dataset(std::size_t count,
                                                           const RandomDatasetOptions& options) {
  if (options.input_len < 1) {
    return core::fail("--random-input-len must be at least 1 (got {})", options.input_len);
  }
  if (options.output_len < 1) {
    return core::fail("--random-output-len must be at least 1 (got {})", options.output_len);
  }
  if (options.prefix_len < 0) {
    return core::fail("--random-prefix-len must not be negative (got {})", options.prefix_len);
  }
  if (!(options.range_ratio >= 0.0 && options.range_ratio < 1.0)) {
    return core::fail("--random-range-ratio must be in [0, 1) (got {})", options.range_ratio);
  }
  const double r = options.range_ratio;
  const auto in_lo = static_cast<std::int64_t>(std::floor(options.input_len * (1 - r)));
  const auto in_hi = static_cast<std::int64_t>(std::ceil(options.input_len * (1 + r)));
  const auto out_lo =
      std::max<std::int64_t>(static_cast<std::int64_t>(std::floor(options.output_len * (1 - r))), 1);
  const auto out_hi = static_cast<std::int64_t>(std::ceil(options.output_len * (1 + r)));

  core::Rng lengths(options.seed, "random-dataset/lengths");
  core::Rng text(options.seed, "random-dataset/text");
  std::string prefix;
  append_words(prefix, options.prefix_len, text);

  std::vector<RequestSpec> specs(count);
  for (auto& spec : specs) {
    // Zero-length inputs are not useful requests; keep at least one word after the prefix.
    const std::int64_t input_len = std::max<std::int64_t>(lengths.uniform_int(in_lo, in_hi), 1);
    const std::int64_t output_len = lengths.uniform_int(out_lo, out_hi);
    spec.prompt.reserve(prefix.size() + static_cast<std::size_t>(input_len) * 7);
    spec.prompt = prefix;
    append_words(spec.prompt, input_len, text);
    spec.prompt_len = static_cast<std::int32_t>(options.prefix_len + input_len);
    spec.expected_output_len = static_cast<std::int32_t>(output_len);
  }
  return specs;
}

}  // namespace llmload::workload
