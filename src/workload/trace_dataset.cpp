// Trace replay: vLLM's timed_trace (JSON Lines with configurable field names, timestamp unit
// and tokens per hash id) and mooncake, which is timed_trace in the Mooncake traces' format.

#include "llmload/workload/trace_dataset.hpp"

#include "llmload/core/rng.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/dataset_file.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace llmload::workload {
namespace {

namespace od = simdjson::ondemand;

struct TraceLine {
  double timestamp = 0;  ///< in the trace's unit
  std::int64_t input_len = 0, output_len = 0;
  std::vector<std::int64_t> hash_ids;
};

std::string example_line(const TimedTraceOptions& f) {
  return fmt::format("{{\"{}\": 0, \"{}\": 700, \"{}\": 20, \"{}\": [0, 1]}}", f.label_timestamp,
                     f.label_input_length, f.label_output_length, f.label_hash_ids);
}

core::Result<void> read_hash_ids(od::value value, std::vector<std::int64_t>& out) {
  od::array ids;
  if (value.get_array().get(ids)) return core::fail("must be an array of integers");
  for (auto id : ids) {
    std::int64_t v = 0;
    if (id.get_int64().get(v)) return core::fail("must be an array of integers");
    out.push_back(v);
  }
  return {};
}

core::Result<TraceLine> parse_trace_line(od::parser& parser, const std::string& buffer, const std::filesystem::path& path,
                                         std::uint32_t line, const TimedTraceOptions& f) {
  const auto bad = [&](std::string_view what) {
    return core::fail("{}: {}; each line must be a JSON object like {}", where(path, line), what, example_line(f));
  };
  od::document doc;
  od::object obj;
  if (auto problem = line_object(parser, buffer, doc, obj)) return bad(*problem);
  TraceLine out;
  bool have_ts = false, have_in = false, have_out = false;
  for (auto field : obj) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) return bad("invalid JSON");
    if (key == f.label_timestamp) {
      if (value.get_double().get(out.timestamp) || !(out.timestamp >= 0) || !std::isfinite(out.timestamp)) {
        return bad(fmt::format("'{}' must be a number >= 0", key));
      }
      have_ts = true;
    } else if (key == f.label_input_length) {
      if (value.get_int64().get(out.input_len) || out.input_len < 1 || out.input_len > (1 << 24)) {
        return bad(fmt::format("'{}' must be an integer >= 1 (and at most {})", key, 1 << 24));
      }
      have_in = true;
    } else if (key == f.label_output_length) {
      if (value.get_int64().get(out.output_len) || out.output_len < 1 || out.output_len > (1 << 24)) {
        return bad(fmt::format("'{}' must be an integer >= 1 (and at most {})", key, 1 << 24));
      }
      have_out = true;
    } else if (key == f.label_hash_ids) {
      if (auto r = read_hash_ids(value, out.hash_ids); !r) return bad(fmt::format("'{}' {}", key, r.error().message));
    }
  }
  if (!have_ts || !have_in || !have_out) {
    return bad(fmt::format("no '{}' (the field names are set by --timed-trace-label-*)",
                           !have_ts ? f.label_timestamp : !have_in ? f.label_input_length : f.label_output_length));
  }
  return out;
}

/// The blocks of a trace: one deterministic stream of random tokens per hash id; a request
/// takes its first `count` tokens, so a partial last block is a prefix of the full one.
class BlockSource {
 public:
  BlockSource(std::uint64_t seed, const tokenizer::Tokenizer* tokenizer) : seed_(seed), tokenizer_(tokenizer) {
    if (tokenizer_ != nullptr) allowed_ = allowed_token_ids(*tokenizer_);
  }

  /// Appends the first `count` tokens of hash id `id`'s block: words to `words`, or ids to `ids`.
  void append_block(std::int64_t id, std::int64_t count, std::string& words, std::vector<std::int32_t>& ids) {
    core::Rng rng(seed_, fmt::format("mooncake/block/{}", id));
    append_random(count, rng, words, ids);
  }
  /// Appends `count` tokens no other request shares (input beyond the hash ids).
  void append_unique(std::int64_t count, std::string& words, std::vector<std::int32_t>& ids) {
    append_random(count, unique_, words, ids);
  }
  /// The generator of the unique tokens (also used to make decoded prompts exact).
  core::Rng& unique_rng() { return unique_; }

 private:
  void append_random(std::int64_t count, core::Rng& rng, std::string& words, std::vector<std::int32_t>& ids) {
    if (tokenizer_ == nullptr) {
      append_random_words(words, count, rng);
      return;
    }
    const auto n = static_cast<std::int64_t>(allowed_.size());
    for (std::int64_t k = 0; k < count; ++k) ids.push_back(allowed_[static_cast<std::size_t>(rng.uniform_int(0, n - 1))]);
  }

  std::uint64_t seed_;
  const tokenizer::Tokenizer* tokenizer_;
  std::vector<std::int32_t> allowed_;
  core::Rng unique_{seed_, "mooncake/unique"};
};

struct ReadTrace {
  std::vector<TraceLine> used;
  std::size_t total = 0;
};

core::Result<ReadTrace> read_trace(const DatasetOptions& options, const TimedTraceOptions& f) {
  const std::filesystem::path path = options.path;
  auto file = open_dataset_file(path);
  if (!file) return file.error();
  od::parser parser;
  ReadTrace out;
  double previous = 0;
  auto scanned = for_each_line(file->get(), path, [&](const std::string& bytes, const JsonElementPos& pos) -> core::Result<void> {
    auto line = parse_trace_line(parser, bytes, path, pos.line, f);
    if (!line) return line.error();
    if (out.total > 0 && line->timestamp < previous) {
      return core::fail("{}: timestamp {} is before the previous line's {}; a trace's lines must be in "
                        "time order", where(path, pos.line), line->timestamp, previous);
    }
    previous = line->timestamp;
    ++out.total;
    if (out.used.size() < options.num_prompts) out.used.push_back(std::move(*line));
    return {};
  });
  if (!scanned) return scanned.error();
  if (out.used.empty()) return core::fail("{}: no lines; expected a JSON Lines trace like {}", path.string(), example_line(f));
  return out;
}

/// Counts what the prompts were made of, for the notes.
struct TraceStats {
  std::unordered_map<std::int64_t, std::size_t> seen;  ///< uses per hash id
  std::size_t shared_blocks = 0;                        ///< block uses after the first
  std::size_t padded_requests = 0;                      ///< hash ids covered less than the input length
  std::int64_t mismatch = 0;                            ///< re-encoded minus asked tokens
};

/// One request's prompt: its hash ids' blocks, then unique tokens up to its input length.
core::Result<void> build_prompt(const TraceLine& t, std::int64_t block_tokens, BlockSource& blocks,
                                const tokenizer::Tokenizer* tokenizer, TraceStats& stats, RequestSpec& spec) {
  std::string words;
  std::vector<std::int32_t> ids;
  std::int64_t left = t.input_len;
  for (const std::int64_t id : t.hash_ids) {
    if (left == 0) break;
    const std::int64_t take = std::min(left, block_tokens);
    blocks.append_block(id, take, words, ids);
    if (stats.seen[id]++ > 0) ++stats.shared_blocks;
    left -= take;
  }
  if (left > 0) {
    blocks.append_unique(left, words, ids);
    ++stats.padded_requests;
  }
  if (tokenizer != nullptr) {
    // Decoded random ids re-encode to a few percent more or fewer tokens; the correction
    // truncates or extends only the end, so prompts keep their shared leading text.
    std::size_t encoded = 0;
    auto text = decode_to_target_len(*tokenizer, ids, static_cast<std::size_t>(t.input_len), blocks.unique_rng(), &encoded);
    if (!text) return text.error();
    spec.prompt = std::move(*text);
    stats.mismatch += static_cast<std::int64_t>(encoded) - t.input_len;
    spec.prompt_len = static_cast<std::int32_t>(encoded);
  } else {
    spec.prompt = std::move(words);
    spec.prompt_len = static_cast<std::int32_t>(t.input_len);
  }
  spec.expected_output_len = static_cast<std::int32_t>(t.output_len);
  return {};
}

void add_trace_notes(const DatasetOptions& options, const TimedTraceOptions& f, const ReadTrace& trace,
                     const TraceStats& stats, bool has_tokenizer, Dataset& out) {
  const std::string& name = options.name;
  out.notes.push_back(fmt::format(
      "{}: replaying {} of the {} lines of {} over {:.3f} s (timestamps x {:g} s, then x {:g} by "
      "--trace-time-scale; --request-rate and --burstiness do not apply); {} distinct hash blocks of {} "
      "tokens, {} block uses shared with an earlier request{}",
      name, trace.used.size(), trace.total, options.path, static_cast<double>(out.send_offsets_ns.back()) / 1e9,
      f.sec_multiplier, options.trace_time_scale, stats.seen.size(), f.chunk_hash_size, stats.shared_blocks,
      has_tokenizer ? "" : "; no tokenizer: one built-in word per token"));
  if (stats.padded_requests > 0) {
    out.notes.push_back(fmt::format(
        "{}: the hash ids of {} requests cover fewer tokens than their input length; the rest is tokens "
        "unique to each request (vLLM sends only the tokens the hash ids cover)", name, stats.padded_requests));
  }
  if (trace.used.size() < options.num_prompts) {
    out.notes.push_back(fmt::format("{}: the trace has only {} lines for --num-prompts {}; sending {}", name,
                                    trace.used.size(), options.num_prompts, trace.used.size()));
  }
  if (stats.mismatch != 0) {
    out.notes.push_back(fmt::format("{}: prompts missed the trace's input lengths by {:+} tokens in total after "
                                    "decode/re-encode retries; prompt_len is the true length", name, stats.mismatch));
  }
}

core::Result<Dataset> replay_trace(const DatasetOptions& options, const TimedTraceOptions& f,
                                   const tokenizer::Tokenizer* tokenizer) {
  if (!(options.trace_time_scale > 0)) {
    return core::fail("--trace-time-scale must be positive (got {})", options.trace_time_scale);
  }
  auto trace = read_trace(options, f);
  if (!trace) return trace.error();
  // A trace is replayed as it is, never oversampled.
  if (auto r = check_no_oversample(trace->used.size(), options.num_prompts, options.no_oversample, options.name); !r) {
    return r.error();
  }
  Dataset out;
  out.specs.resize(trace->used.size());
  out.send_offsets_ns.reserve(trace->used.size());
  BlockSource blocks(options.seed, tokenizer);
  TraceStats stats;
  const double origin = trace->used.front().timestamp;
  const double ns_per_unit = f.sec_multiplier * options.trace_time_scale * 1e9;
  for (std::size_t i = 0; i < trace->used.size(); ++i) {
    const TraceLine& t = trace->used[i];
    if (auto r = build_prompt(t, f.chunk_hash_size, blocks, tokenizer, stats, out.specs[i]); !r) return r.error();
    const double offset_ns = (t.timestamp - origin) * ns_per_unit;
    if (!(offset_ns < 1e18)) {
      return core::fail("{}: line {}'s timestamp {} is too far after the first ({}) for a replay", options.path,
                        i + 1, t.timestamp, origin);
    }
    out.send_offsets_ns.push_back(static_cast<std::int64_t>(std::llround(offset_ns)));
  }
  add_trace_notes(options, f, *trace, stats, tokenizer != nullptr, out);
  return out;
}

}  // namespace

core::Result<void> check_timed_trace_options(const TimedTraceOptions& f) {
  if (f.chunk_hash_size < 1 || f.chunk_hash_size > (1 << 20)) {
    return core::fail("--timed-trace-chunk-hash-size {}: must be in [1, {}]", f.chunk_hash_size, 1 << 20);
  }
  if (!(f.sec_multiplier > 0) || !std::isfinite(f.sec_multiplier)) {
    return core::fail("--timed-trace-sec-multiplier {}: must be positive (0.001 for timestamps in milliseconds)",
                      f.sec_multiplier);
  }
  for (const auto* label : {&f.label_timestamp, &f.label_input_length, &f.label_output_length, &f.label_hash_ids}) {
    if (label->empty() || label->size() > 256) return core::fail("--timed-trace-label-*: a field name of 1 to 256 characters");
  }
  return {};
}

core::Result<Dataset> make_mooncake_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  return replay_trace(options, mooncake_trace_format(), tokenizer);
}

core::Result<Dataset> make_timed_trace_dataset(const DatasetOptions& options, const tokenizer::Tokenizer* tokenizer) {
  if (auto r = check_timed_trace_options(options.timed_trace); !r) return r.error();
  return replay_trace(options, options.timed_trace, tokenizer);
}

}  // namespace llmload::workload
