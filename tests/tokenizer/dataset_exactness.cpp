// Token exactness of the datasets with a real tokenizer (a tokenizer.json from npm, see
// CMakeLists.txt): random prompts re-encode to exactly their prompt_len within vLLM's length
// bounds, the same seed gives the same prompts, prefix_repetition lengths, vLLM's ShareGPT
// length filters, mooncake's shared hash blocks and burstgpt's exact lengths.
// Usage: dataset_exactness TOKENIZER_JSON WORK_DIR. Exit 0 when all hold.
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/random_dataset.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace llmload;
using workload::DatasetOptions;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    fmt::print("FAIL: {}\n", what);
  }
}

/// Writes `text` to `path` and builds dataset `name` with `num_prompts` requests from it.
llmload::core::Result<workload::Dataset> file_dataset(const std::string& name, const std::filesystem::path& path,
                                                      const std::string& text, std::size_t num_prompts,
                                                      const tokenizer::Tokenizer& tok) {
  std::ofstream(path) << text;
  DatasetOptions o;
  o.name = name;
  o.path = path.string();
  o.num_prompts = num_prompts;
  return workload::make_dataset(o, &tok);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: dataset_exactness TOKENIZER_JSON WORK_DIR\n");
    return 2;
  }
  auto tok = tokenizer::Tokenizer::load(argv[1]);
  if (!tok) {
    fmt::print(stderr, "{}\n", tok.error().message);
    return 2;
  }
  const auto num_special = tok->encode("", {.add_special_tokens = true}).size();

  // ---- random: every prompt encodes to its prompt_len, within vLLM's bounds ----
  for (const double ratio : {0.0, 0.3}) {
    DatasetOptions o;
    o.name = "random";
    o.num_prompts = 200;
    o.seed = 7;
    o.random = {.input_len = 256, .output_len = 32, .prefix_len = 17, .range_ratio = ratio, .seed = 7};
    auto d = workload::make_dataset(o, &*tok);
    if (!d) {
      fmt::print("FAIL: random: {}\n", d.error().message);
      return 1;
    }
    const auto real = static_cast<double>(256 - num_special);
    const auto lo = 17 + static_cast<std::int64_t>(std::floor(real * (1 - ratio)));
    const auto hi = 17 + static_cast<std::int64_t>(std::ceil(real * (1 + ratio)));
    std::size_t exact_len = 0, in_bounds = 0;
    for (const auto& s : d->specs) {
      exact_len += tok->encode(s.prompt).size() == static_cast<std::size_t>(s.prompt_len);
      in_bounds += s.prompt_len >= lo && s.prompt_len <= hi;
    }
    const bool mismatch_note = d->notes.size() > 1;
    fmt::print("random (range ratio {}): {}/{} prompts encode to exactly prompt_len, {}/{} within "
               "[{}, {}] tokens; {}\n", ratio, exact_len, d->specs.size(), in_bounds, d->specs.size(),
               lo, hi, mismatch_note ? d->notes.back() : std::string("every prompt hit its target"));
    check(exact_len == d->specs.size(), "random: a prompt does not encode to its prompt_len");
    // vLLM tolerates a few misses after its 10 retries; more than 2% would mean a bug.
    check(in_bounds * 50 >= d->specs.size() * 49, "random: too many prompts outside the length bounds");
    if (ratio == 0.0) {
      std::size_t on_target = 0;
      for (const auto& s : d->specs) on_target += s.prompt_len == lo;
      fmt::print("random: {}/{} prompts have exactly {} tokens (+{} special = {})\n", on_target,
                 d->specs.size(), lo, num_special, lo + static_cast<std::int64_t>(num_special));
      check(on_target * 50 >= d->specs.size() * 49, "random: too many prompts off their exact length");
    }
    auto again = workload::make_dataset(o, &*tok);
    bool same = again && again->specs.size() == d->specs.size();
    for (std::size_t i = 0; same && i < d->specs.size(); ++i) same = again->specs[i].prompt == d->specs[i].prompt;
    check(same, "random: the same seed gave different prompts");
  }

  // ---- prefix_repetition: prefix + suffix ids ----
  {
    DatasetOptions o;
    o.name = "prefix_repetition";
    o.num_prompts = 20;
    o.prefix_repetition_prefix_len = 40;
    o.prefix_repetition_suffix_len = 10;
    o.prefix_repetition_num_prefixes = 4;
    auto d = workload::make_dataset(o, &*tok);
    check(d && d->specs.size() == 20, "prefix_repetition: expected 20 requests");
    std::size_t exact = 0;
    if (d) {
      for (const auto& s : d->specs) exact += s.prompt_len == 50;
      fmt::print("prefix_repetition: {}/{} prompts of 40 + 10 tokens\n", exact, d->specs.size());
      check(exact * 10 >= d->specs.size() * 9, "prefix_repetition: lengths off");
    }
  }

  // ---- sharegpt: vLLM's length filters with the tokenizer ----
  {
    const std::filesystem::path dir = argv[2];
    std::filesystem::create_directories(dir);
    const auto path = dir / "sharegpt_exactness.json";
    std::string long_prompt;
    for (int i = 0; i < 1500; ++i) long_prompt += "word ";
    std::ofstream(path) << "[\n"
        R"({"conversations": [{"value": "Hi"}, {"value": "a reasonably long reply here"}]},)" "\n"
        R"({"conversations": [{"value": "Explain the theory of relativity in simple terms please."}, {"value": "ok"}]},)" "\n"
        R"({"conversations": [{"value": ")" << long_prompt << R"("}, {"value": "a reply that is long enough"}]},)" "\n"
        R"({"conversations": [{"value": "What is the tallest mountain on Earth?"}, {"value": "Mount Everest is the tallest mountain above sea level."}]})" "\n]\n";
    DatasetOptions o;
    o.name = "sharegpt";
    o.path = path.string();
    o.num_prompts = 1;
    o.no_oversample = true;
    o.disable_shuffle = true;
    auto d = workload::make_dataset(o, &*tok);
    check(d.has_value(), d ? "" : "sharegpt: " + d.error().message);
    if (d) {
      const std::string kept = "What is the tallest mountain on Earth?";
      check(d->specs.size() == 1 && d->specs[0].prompt == kept,
            fmt::format("sharegpt: expected only the valid conversation, got {}", d->specs.size()));
      if (!d->specs.empty()) {
        check(static_cast<std::size_t>(d->specs[0].prompt_len) == tok->encode(kept, {.add_special_tokens = true}).size(),
              "sharegpt: prompt_len is not the tokenizer's count with special tokens");
      }
      fmt::print("sharegpt: kept {} of 4 conversations ({})\n", d->specs.size(), d->notes.front());
    }
    o.sharegpt_output_len = 100;  // fixed output: the short reply no longer disqualifies
    o.num_prompts = 2;
    d = workload::make_dataset(o, &*tok);
    check(d && d->specs.size() == 2, "sharegpt: with --sharegpt-output-len the short-reply entry is kept");
    std::filesystem::remove(path);
  }
  // ---- mooncake: hash blocks decode to shared text prefixes; lengths near the trace's ----
  {
    const std::filesystem::path path = std::filesystem::path(argv[2]) / "mooncake.jsonl";
    auto d = file_dataset("mooncake", path,
                          R"({"timestamp": 0, "input_length": 1000, "output_length": 5, "hash_ids": [0, 1]})" "\n"
                          R"({"timestamp": 10, "input_length": 700, "output_length": 5, "hash_ids": [0, 2]})" "\n"
                          R"({"timestamp": 20, "input_length": 512, "output_length": 5, "hash_ids": [0]})" "\n",
                          3, *tok);
    check(d && d->specs.size() == 3, "mooncake: expected 3 requests");
    if (d && d->specs.size() == 3) {
      const auto common = [](const std::string& a, const std::string& b) {
        return static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
      };
      const auto& p0 = d->specs[0].prompt;
      const auto& p2 = d->specs[2].prompt;  // hash id 0 alone
      const std::size_t shared01 = common(p0, d->specs[1].prompt);
      const std::size_t shared02 = common(p0, p2), shared12 = common(d->specs[1].prompt, p2);
      fmt::print("mooncake: prompts of {}, {}, {} bytes; 0 and 1 share {} bytes, 0 and 2 share {}, 1 and 2 "
                 "share {}; prompt lengths {}, {}, {} for 1000, 700, 512\n", p0.size(), d->specs[1].prompt.size(),
                 p2.size(), shared01, shared02, shared12, d->specs[0].prompt_len, d->specs[1].prompt_len,
                 d->specs[2].prompt_len);
      // Hash id 0's text leads all three (the last character or two may be cut differently).
      check(shared02 + 8 >= p2.size() && shared12 + 8 >= p2.size(),
            "mooncake: requests with hash id 0 first do not share block 0's text");
      check(shared01 * 10 < p0.size() * 7, "mooncake: different second hash ids share too much text");
      const int want[] = {1000, 700, 512};
      for (std::size_t i = 0; i < 3; ++i) {
        check(static_cast<std::size_t>(d->specs[i].prompt_len) == tok->encode(d->specs[i].prompt).size(),
              "mooncake: prompt_len is not the prompt's encoded length");
        check(d->specs[i].prompt_len == want[i], fmt::format("mooncake: prompt {} has {} tokens for an "
                                                             "input_length of {}", i, d->specs[i].prompt_len, want[i]));
      }
    }
    std::filesystem::remove(path);
  }

  // ---- burstgpt: prompts of exactly "Request tokens" tokens ----
  {
    const std::filesystem::path path = std::filesystem::path(argv[2]) / "burstgpt.csv";
    auto d = file_dataset("burstgpt", path,
                          "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                          "1,GPT-4,300,20,320,Conversation log\n2,GPT-4,40,5,45,API log\n",
                          2, *tok);
    check(d && d->specs.size() == 2, "burstgpt: expected 2 requests");
    if (d && d->specs.size() == 2) {
      for (const auto& s : d->specs) {
        const auto encoded = static_cast<std::int64_t>(tok->encode(s.prompt).size());
        fmt::print("burstgpt: {} request tokens, the prompt encodes to {}\n", s.prompt_len, encoded);
        check(s.prompt_len == 300 || s.prompt_len == 40, "burstgpt: prompt_len is not the row's Request tokens");
        check(encoded == s.prompt_len, "burstgpt: the prompt does not encode to its prompt_len");
      }
    }
    std::filesystem::remove(path);
  }

  fmt::print("{}\n", failures == 0 ? "dataset exactness: all checks passed" : "dataset exactness: FAILED");
  return failures == 0 ? 0 : 1;
}
