#pragma once
/// vLLM's speculative-decoding figures from a server's /metrics, as `vllm bench serve`
/// computes them (serve.py, fetch_spec_decode_metrics): the spec-decode counters read before
/// and after the measured run, and the acceptance rate, acceptance length and per-position
/// acceptance of their difference. Pure: the caller fetches the text.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace llmload::scrape {

/// The `vllm:spec_decode*_total` counters of one /metrics text, summed over label sets.
struct SpecDecodeCounters {
  std::int64_t drafts = 0;        ///< vllm:spec_decode_num_drafts_total
  std::int64_t draft_tokens = 0;  ///< vllm:spec_decode_num_draft_tokens_total
  std::int64_t accepted = 0;      ///< vllm:spec_decode_num_accepted_tokens_total
  /// vllm:spec_decode_num_accepted_tokens_per_pos_total by its `position` label.
  std::map<std::int64_t, std::int64_t> accepted_per_position;
};

/// The counters, or nullopt when the text has no spec-decode counter (no speculative
/// decoding on that server), as vLLM decides it.
std::optional<SpecDecodeCounters> parse_spec_decode(std::string_view metrics_text);

/// The run's speculative decoding: vLLM's block and its spec_decode_* result keys.
struct SpecDecodeStats {
  std::int64_t drafts = 0, draft_tokens = 0, accepted = 0;
  double acceptance_rate_pct = 0;  ///< accepted / draft tokens × 100
  double acceptance_length = 0;    ///< 1 + accepted / drafts (0 without drafts)
  std::vector<double> per_position;  ///< accepted at position i / drafts (fractions)
};

/// vLLM's figures from the counters before and after the run; nullopt when either is
/// missing or no draft token was proposed in between (vLLM prints no block then).
std::optional<SpecDecodeStats> spec_decode_stats(const std::optional<SpecDecodeCounters>& before,
                                                 const std::optional<SpecDecodeCounters>& after);

}  // namespace llmload::scrape
