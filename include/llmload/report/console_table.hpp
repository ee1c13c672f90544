#pragma once
/// The console report: vLLM's "Serving Benchmark Result" table byte-for-byte (so scripts that
/// scrape `vllm bench serve` output keep working), its failure preamble, and llmload's own
/// extension block printed after it.

#include "llmload/metrics/run_summary.hpp"
#include "llmload/scrape/server_metrics.hpp"
#include "llmload/scrape/spec_decode.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::report {

/// Run settings the table shows besides the summary (as vLLM's benchmark() has them).
struct TableContext {
  /// --request-rate; +infinity (vLLM's default) leaves the "Request rate configured" row out.
  double request_rate = std::numeric_limits<double>::infinity();
  std::optional<std::int64_t> max_concurrency;  ///< --max-concurrency; row only when set
  bool goodput_configured = false;              ///< --goodput given: adds the goodput row
  /// Metrics to show (subset of ttft, tpot, itl, e2el, client_queue_time,
  /// e2el_including_client_queue; printed in that fixed order). Empty:
  /// the summary's options.percentile_metrics.
  std::vector<std::string> percentile_metrics;
  /// Percentile rows to show. Empty: the summary's options.percentiles. A percentile the
  /// summary did not compute prints as 0.00.
  std::vector<double> percentiles;
  /// false with --skip-tokenizer-init: as vLLM without a tokenizer, no generated-token rows,
  /// no token throughputs and no TTFT/TPOT/ITL sections.
  bool tokenizer = true;
  /// The server's speculative decoding during the run (its /metrics before and after):
  /// vLLM's "Speculative Decoding" section, last in the table. Unset: none.
  std::optional<scrape::SpecDecodeStats> spec_decode;
};

/// Whether vLLM prints (and writes the keys of) the --percentile-metrics section `key` given
/// the selection: client_queue_time only with --max-concurrency, e2el_including_client_queue
/// only with it and a finite request rate, ttft/tpot/itl only with a tokenizer.
bool vllm_metric_shown(std::string_view key, const std::vector<std::string>& selected,
                       std::optional<std::int64_t> max_concurrency, double request_rate, bool tokenizer);

/// vLLM's result table: the "=" banner, the 40/10-column rows, a "-" section per selected
/// metric, the closing "=" line; every line ends with '\n'. Pure; never fails.
std::string format_result_table(const metrics::RunSummary& summary, const TableContext& context);

/// vLLM's failure preamble ("Failed requests during benchmark run detected (capping to 10):"
/// and "Error {i}: {error}" lines), or "" when no request failed. Print before the table.
std::string format_failures(const metrics::RunSummary& summary);

/// llmload's extension block ("llmload extensions (not in vLLM)"), in the table's column
/// style: exact peak concurrency, token-count sources, schedule lag, client queue time, TTFT
/// from the schedule, connect time, streams without [DONE], failures by reason. Print after
/// the table so scrapers of vLLM's table are unaffected.
std::string format_extensions(const metrics::RunSummary& summary);

/// The server's own figures scraped from /metrics during the run (llmload extension), in the
/// table's column style: mean and peak of each gauge, the increase of each counter, the
/// prefix-cache hit rate, and notes (sources that could not be scraped). "" when there is
/// neither a scrape nor a note.
std::string format_server_metrics(const scrape::ServerMetricsSummary& summary);

/// The width of vLLM's result table, its banners and rules.
inline constexpr std::size_t kTableWidth = 50;

/// One banner line of vLLM's table: `title` centred in kTableWidth copies of `fill`, then a
/// newline (also the server-trace breakdown's).
void banner(std::string& out, std::string_view title, char fill);

/// Python's str.center-like "{s:{c}^{n}}": `title` centred in `width` copies of `fill`, the
/// odd pad character on the right (no truncation when the title is wider). Exposed for tests.
std::string centered(std::string_view title, char fill, std::size_t width);

/// How vLLM names a percentile in labels and keys: "99" when integral, else Python's
/// str(float) ("99.9"). Exposed for the JSON writer and tests.
std::string percentile_word(double p);

}  // namespace llmload::report
