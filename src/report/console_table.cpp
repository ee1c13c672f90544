#include "llmload/report/console_table.hpp"

#include "llmload/core/json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>

namespace llmload::report {

namespace {

constexpr std::size_t kMaxErrorChars = 120;

// vLLM's two row shapes: "{:<40} {:<10}" for counts and "{:<40} {:<10.2f}" for the rest.
void int_row(std::string& out, std::string_view label, std::int64_t value) {
  fmt::format_to(std::back_inserter(out), "{:<40} {:<10}\n", label, value);
}

void float_row(std::string& out, std::string_view label, double value) {
  fmt::format_to(std::back_inserter(out), "{:<40} {:<10.2f}\n", label, value);
}

struct MetricSection {
  std::string_view key;     // --percentile-metrics name
  std::string_view name;    // row label word
  std::string_view header;  // section title
  const metrics::SampleStats& stats;
};

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// One line, bounded: error texts can be whole HTML pages.
std::string one_line(std::string_view text) {
  std::string s(text.substr(0, std::min(text.size(), kMaxErrorChars)));
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (text.size() > kMaxErrorChars) s += "...";
  return s;
}

}  // namespace

void banner(std::string& out, std::string_view title, char fill) {
  out += centered(title, fill, kTableWidth);
  out += '\n';
}

std::string centered(std::string_view title, char fill, std::size_t width) {
  if (title.size() >= width) return std::string(title);
  const std::size_t pad = width - title.size();
  const std::size_t left = pad / 2;
  std::string s(left, fill);
  s += title;
  s.append(pad - left, fill);
  return s;
}

std::string percentile_word(double p) {
  if (std::isfinite(p) && std::trunc(p) == p && std::fabs(p) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(p));
  }
  return core::python_float_str(p);
}

bool vllm_metric_shown(std::string_view key, const std::vector<std::string>& selected,
                       std::optional<std::int64_t> max_concurrency, double request_rate, bool tokenizer) {
  if (!contains(selected, key)) return false;
  if (key == "client_queue_time") return max_concurrency.has_value();
  if (key == "e2el_including_client_queue") return max_concurrency.has_value() && std::isfinite(request_rate);
  return tokenizer || key == "e2el";
}

namespace {

/// vLLM's rows above the metric sections of a pooling run (EmbedBenchmarkMetrics): no output
/// rows; "Input throughput" counts input sequences (a rerank request's documents, an embeddings one's inputs).
void pooling_summary_rows(std::string& out, const metrics::RunSummary& s, const TableContext& context) {
  float_row(out, "Request throughput (req/s):", s.request_throughput);
  float_row(out, "Input throughput (inputs/s):",
            s.duration_s > 0 ? static_cast<double>(s.total_input_sequences) / s.duration_s : 0.0);
  if (context.tokenizer) float_row(out, "Total token throughput (tok/s):", s.total_token_throughput);
}

/// vLLM's rows above the metric sections.
void summary_rows(std::string& out, const metrics::RunSummary& s, const TableContext& context) {
  int_row(out, "Successful requests:", s.completed);
  int_row(out, "Failed requests:", s.failed);
  if (context.max_concurrency) {
    int_row(out, "Maximum request concurrency:", *context.max_concurrency);
  }
  if (context.request_rate != std::numeric_limits<double>::infinity()) {
    float_row(out, "Request rate configured (RPS):", context.request_rate);
  }
  float_row(out, "Benchmark duration (s):", s.duration_s);
  int_row(out, "Total input tokens:", s.total_input_tokens);
  if (s.options.input_tokens_from_dataset && s.server_prompt_reports > 0 &&
      s.total_server_prompt_tokens != s.total_input_tokens) {
    int_row(out, "Total image and input tokens:", s.total_server_prompt_tokens);
  }
  if (s.options.pooling) {
    pooling_summary_rows(out, s, context);
    return;
  }
  if (context.tokenizer) int_row(out, "Total generated tokens:", s.total_output_tokens);
  float_row(out, "Request throughput (req/s):", s.request_throughput);
  if (context.goodput_configured) {
    float_row(out, "Request goodput (req/s):", s.request_goodput.value_or(0.0));
  }
  if (context.tokenizer) {
    float_row(out, "Output token throughput (tok/s):", s.output_throughput);
    float_row(out, "Peak output token throughput (tok/s):", s.max_output_tokens_per_s);
  }
  float_row(out, "Peak concurrent requests:", static_cast<double>(s.max_concurrent_requests));
  if (s.rtfx > 0.0) float_row(out, "RTFx (Inverse Real-Time Factor):", s.rtfx);
  if (context.tokenizer) float_row(out, "Total token throughput (tok/s):", s.total_token_throughput);
}

/// vLLM's "Probe Requests" section (--probe-request-rate), right after the rows above the
/// metric sections.
void probe_rows(std::string& out, const metrics::ProbeFigures& p) {
  banner(out, "Probe Requests", '-');
  int_row(out, "Probe requests completed:", p.completed);
  int_row(out, "Probe requests failed:", p.failed);
  float_row(out, "Median probe E2EL (ms):", p.median_e2el_ms);
  float_row(out, "P99 probe E2EL (ms):", p.p99_e2el_ms);
  float_row(out, "Max probe E2EL (ms):", p.max_e2el_ms);
}

/// vLLM's "Speculative Decoding" section.
void spec_decode_rows(std::string& out, const scrape::SpecDecodeStats& s) {
  banner(out, "Speculative Decoding", '-');
  float_row(out, "Acceptance rate (%):", s.acceptance_rate_pct);
  float_row(out, "Acceptance length:", s.acceptance_length);
  int_row(out, "Drafts:", s.drafts);
  int_row(out, "Draft tokens:", s.draft_tokens);
  int_row(out, "Accepted tokens:", s.accepted);
  if (s.per_position.empty()) return;
  out += "Per-position acceptance (%):\n";
  for (std::size_t i = 0; i < s.per_position.size(); ++i) {
    float_row(out, fmt::format("  Position {}:", i), s.per_position[i] * 100.0);
  }
}

}  // namespace

std::string format_result_table(const metrics::RunSummary& s, const TableContext& context) {
  const auto& selected = context.percentile_metrics.empty() ? s.options.percentile_metrics
                                                            : context.percentile_metrics;
  const auto& percentiles =
      context.percentiles.empty() ? s.options.percentiles : context.percentiles;

  std::string out;
  banner(out, " Serving Benchmark Result ", '=');
  summary_rows(out, s, context);
  if (s.probe) probe_rows(out, *s.probe);
  const MetricSection sections[] = {
      {"ttft", "TTFT", "Time to First Token", s.ttft_ms},
      {"tpot", "TPOT", "Time per Output Token (excl. 1st token)", s.tpot_ms},
      {"itl", "ITL", "Inter-token Latency", s.itl_ms},
      {"e2el", "E2EL", "End-to-end Latency", s.e2el_ms},
      {"client_queue_time", "Client Queue Time", "Client-side Queueing", s.client_queue_time_ms},
      {"e2el_including_client_queue", "E2EL incl. Client Queue", "Queue-inclusive End-to-end Latency",
       s.e2el_including_client_queue_ms},
  };
  for (const auto& m : sections) {
    // vLLM prints TTFT, TPOT and ITL for generation runs only.
    const bool generation_rows = context.tokenizer && !s.options.pooling;
    if (!vllm_metric_shown(m.key, selected, context.max_concurrency, context.request_rate, generation_rows)) continue;
    banner(out, m.header, '-');
    float_row(out, fmt::format("Mean {} (ms):", m.name), m.stats.mean);
    float_row(out, fmt::format("Median {} (ms):", m.name), m.stats.median);
    for (double p : percentiles) {
      float_row(out, fmt::format("P{} {} (ms):", percentile_word(p), m.name),
                m.stats.percentile_or(p, 0.0));
    }
  }
  if (context.spec_decode) spec_decode_rows(out, *context.spec_decode);
  out.append(kTableWidth, '=');
  out += '\n';
  return out;
}

std::string format_failures(const metrics::RunSummary& s) {
  if (s.failed == 0) return {};
  std::string out = "Failed requests during benchmark run detected (capping to 10):\n";
  for (std::size_t i = 0; i < s.first_errors.size(); ++i) {
    fmt::format_to(std::back_inserter(out), "Error {}: {}\n", i, s.first_errors[i]);
  }
  return out;
}

/// Accuracy against the references, and degenerate outputs when any occurred.
void answer_rows(std::string& out, const metrics::RunSummary& s) {
  if (!s.answers) return;
  const auto& a = *s.answers;
  if (!a.score.empty()) {
    banner(out, fmt::format("Answer accuracy ({})", a.score), '-');
    int_row(out, "Requests scored:", a.overall.scored);
    float_row(out, "Accuracy (%):", 100.0 * a.overall.accuracy);
    for (const auto& g : a.per_category) {
      float_row(out, fmt::format("Accuracy, {} (%):", g.category), 100.0 * g.accuracy);
    }
  }
  if (a.degenerate > 0) {
    banner(out, "Degenerate outputs", '-');
    int_row(out, "Requests checked:", a.checked);
    int_row(out, "Empty answers:", a.empty);
    int_row(out, "Stopped by the length cap:", a.length_capped);
    int_row(out, "Repetition loops:", a.repetition_loop);
  }
}

/// The client's self-check: its own event-loop delay and the verdict on every late figure.
void client_check_rows(std::string& out, const metrics::RunSummary& s) {
  if (!s.client_check.checked) return;
  banner(out, "Client self-check", '-');
  if (s.loop_delay_ms.count > 0) {
    float_row(out, "P99 event-loop delay (ms):", s.loop_delay_ms.percentile_or(99, 0.0));
    float_row(out, "Max event-loop delay (ms):", s.loop_delay_ms.max);
  }
  fmt::format_to(std::back_inserter(out), "{:<40} {:<10}\n", "Client saturated:", s.client_check.saturated ? "YES" : "no");
  fmt::format_to(std::back_inserter(out), "{:<40} {:<10}\n", "Connections opened before the clock:",
                 s.preconnect ? fmt::format("{} of {}", s.preconnect->opened, s.preconnect->wanted) : "no (in TTFT)");
  for (const auto& f : s.client_check.findings) fmt::format_to(std::back_inserter(out), "  {}\n", f.text);
}

/// Several replicas as targets: each one's requests, failures, latencies and throughput.
void per_target_rows(std::string& out, const metrics::RunSummary& s) {
  if (s.per_target.empty()) return;
  banner(out, "Per target (not in vLLM)", '-');
  for (std::size_t t = 0; t < s.per_target.size(); ++t) {
    const auto& f = s.per_target[t];
    fmt::format_to(std::back_inserter(out), "Target {}: {}\n", t + 1, f.url);
    int_row(out, "  Requests sent:", f.requests);
    int_row(out, "  Completed requests:", f.completed);
    int_row(out, "  Failed requests:", f.failed);
    for (const auto& [kind, count] : f.failures) int_row(out, fmt::format("    {}:", kind), count);
    float_row(out, "  Output token throughput (tok/s):", f.output_throughput);
    for (const auto& [name, stats] : {std::pair{"TTFT", &f.ttft_ms}, std::pair{"TPOT", &f.tpot_ms},
                                      std::pair{"ITL", &f.itl_ms}, std::pair{"E2EL", &f.e2el_ms}}) {
      fmt::format_to(std::back_inserter(out), "{:<40} {:.2f} / {:.2f}\n", fmt::format("  P50 / P99 {} (ms):", name),
                     stats->percentile_or(50, 0.0), stats->percentile_or(99, 0.0));
    }
  }
}

/// Multi-turn figures by turn, and figures by LoRA adapter, when the run had them.
void breakdown_rows(std::string& out, const metrics::RunSummary& s) {
  per_target_rows(out, s);
  if (!s.per_turn.empty()) {
    banner(out, "Multi-turn conversations, by turn", '-');
    for (const auto& t : s.per_turn) {
      int_row(out, fmt::format("Completed requests, {}:", t.category), t.completed);
      float_row(out, fmt::format("Mean input tokens, {}:", t.category),
                t.completed > 0 ? static_cast<double>(t.input_tokens) / static_cast<double>(t.completed) : 0.0);
      float_row(out, fmt::format("Mean TTFT, {} (ms):", t.category), t.ttft_ms.mean);
      float_row(out, fmt::format("P99 TTFT, {} (ms):", t.category), t.ttft_ms.percentile_or(99, 0.0));
    }
  }

  if (!s.per_adapter.empty()) {
    banner(out, "By LoRA adapter (--lora-modules)", '-');
    for (const auto& a : s.per_adapter) {
      int_row(out, fmt::format("Completed requests, {}:", a.category), a.completed);
      int_row(out, fmt::format("Failed requests, {}:", a.category), a.failed);
      float_row(out, fmt::format("Mean TTFT, {} (ms):", a.category), a.ttft_ms.mean);
      float_row(out, fmt::format("Mean E2EL, {} (ms):", a.category), a.e2el_ms.mean);
    }
  }

}

std::string format_extensions(const metrics::RunSummary& s) {
  std::string out;
  banner(out, " llmload extensions (not in vLLM) ", '=');
  int_row(out, "Peak concurrent requests (exact):", s.peak_concurrency_exact);
  // vLLM's "Peak output token throughput" counts token chunks, not tokens.
  fmt::format_to(std::back_inserter(out), "{:<40} {:<10}\n", "Peak output throughput counts:",
                 "chunks");
  int_row(out, "Input tokens (dataset count):", s.dataset_input_tokens);
  int_row(out, "Output tokens from usage (requests):", s.output_tokens_from_usage);
  int_row(out, "Output tokens from chunks (requests):", s.output_tokens_from_chunks);
  int_row(out, "Requests without [DONE]:", s.requests_without_done);
  if (s.total_audio_duration_s > 0) float_row(out, "Total audio duration (s):", s.total_audio_duration_s);

  banner(out, "Schedule lag (dispatch - scheduled)", '-');
  float_row(out, "Mean schedule lag (ms):", s.schedule_lag_ms.mean);
  float_row(out, "P99 schedule lag (ms):", s.schedule_lag_ms.percentile_or(99, 0.0));
  float_row(out, "Max schedule lag (ms):", s.schedule_lag_ms.max);

  if (s.client_queue_ms.count > 0 && s.client_queue_ms.max > 0) {
    banner(out, "Client queue time (max-concurrency wait)", '-');
    float_row(out, "Mean client queue time (ms):", s.client_queue_ms.mean);
    float_row(out, "P99 client queue time (ms):", s.client_queue_ms.percentile_or(99, 0.0));
    float_row(out, "Max client queue time (ms):", s.client_queue_ms.max);
  }

  banner(out, "TTFT from scheduled send", '-');
  float_row(out, "Mean TTFT from schedule (ms):", s.ttft_from_schedule_ms.mean);
  float_row(out, "Median TTFT from schedule (ms):", s.ttft_from_schedule_ms.median);
  float_row(out, "P99 TTFT from schedule (ms):", s.ttft_from_schedule_ms.percentile_or(99, 0.0));

  if (s.connect_ms.count > 0) {
    banner(out, "Connect time (new connections)", '-');
    int_row(out, "Connections opened:", static_cast<std::int64_t>(s.connect_ms.count));
    float_row(out, "Mean connect time (ms):", s.connect_ms.mean);
    float_row(out, "P99 connect time (ms):", s.connect_ms.percentile_or(99, 0.0));
  }

  if (s.requests_with_chunk_tokens > 0) {
    banner(out, fmt::format("Per-token figures ({})", s.chunk_tokens_source), '-');
    int_row(out, "Requests with tokens per chunk:", s.requests_with_chunk_tokens);
    float_row(out, "Peak output throughput (tokens/s):", s.max_output_tokens_per_s_tokens);
    float_row(out, "Mean per-token ITL (ms):", s.itl_per_token_ms.mean);
    float_row(out, "Median per-token ITL (ms):", s.itl_per_token_ms.median);
    float_row(out, "P99 per-token ITL (ms):", s.itl_per_token_ms.percentile_or(99, 0.0));
  }

  if (s.receive_delay_ms.count > 0) {
    banner(out, "Receive delay (arrival - server send)", '-');
    float_row(out, "Median receive delay (ms):", s.receive_delay_ms.median);
    float_row(out, "P99 receive delay (ms):", s.receive_delay_ms.percentile_or(99, 0.0));
    float_row(out, "Max receive delay (ms):", s.receive_delay_ms.max);
  }

  client_check_rows(out, s);

  breakdown_rows(out, s);
  answer_rows(out, s);

  if (!s.failures_by_reason.empty()) {
    banner(out, "Failures by reason", '-');
    for (const auto& g : s.failures_by_reason) {
      int_row(out, fmt::format("{}:", g.reason), g.count);
      if (!g.first_error.empty()) {
        fmt::format_to(std::back_inserter(out), "  first: {}\n", one_line(g.first_error));
      }
    }
  }
  out.append(kTableWidth, '=');
  out += '\n';
  return out;
}

namespace {

/// Each watched figure of a summary: a counter's increase, a gauge's mean and peak.
void server_metric_rows(std::string& out, const scrape::ServerMetricsSummary& summary, std::string_view indent) {
  for (const auto& m : summary.metrics) {
    if (m.counter) {
      std::string label = m.label;
      if (!label.empty()) label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
      int_row(out, fmt::format("{}{}:", indent, label), std::llround(m.increase));
    } else {
      float_row(out, fmt::format("{}Mean {}:", indent, m.label), m.mean);
      float_row(out, fmt::format("{}Peak {}:", indent, m.label), m.max);
    }
  }
  if (summary.prefix_cache_hit_rate_pct >= 0) {
    float_row(out, fmt::format("{}Prefix-cache hit rate (%):", indent), summary.prefix_cache_hit_rate_pct);
  }
  for (const auto& l : summary.latencies) {
    float_row(out, fmt::format("{}Server mean {} (ms):", indent, l.label), l.mean_ms);
  }
}

}  // namespace

std::string format_server_metrics(const scrape::ServerMetricsSummary& summary) {
  std::string out;
  if (summary.scrapes == 0 && summary.notes.empty()) return out;
  banner(out, " Server metrics (scraped, not in vLLM) ", '=');
  int_row(out, "Scrapes of /metrics:", static_cast<std::int64_t>(summary.scrapes));
  float_row(out, "Scrape interval (s):", summary.interval_s);
  server_metric_rows(out, summary, "");
  if (!summary.per_target.empty()) {
    // The figures above are the sum over every target; each one's own follow.
    banner(out, "Per target", '-');
    for (std::size_t t = 0; t < summary.per_target.size(); ++t) {
      const auto& one = summary.per_target[t];
      fmt::format_to(std::back_inserter(out), "Target {}: {} ({} scrapes)\n", t + 1, one.source, one.scrapes);
      server_metric_rows(out, one, "  ");
    }
  }
  for (const auto& note : summary.notes) fmt::format_to(std::back_inserter(out), "note: {}\n", one_line(note));
  out.append(kTableWidth, '=');
  out += '\n';
  return out;
}

}  // namespace llmload::report
