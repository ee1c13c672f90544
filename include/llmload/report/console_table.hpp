#pragma once
/// The console report: vLLM's "Serving Benchmark Result" table byte-for-byte (so scripts that
/// scrape `vllm bench serve` output keep working), its failure preamble, and llmload's own
/// extension block printed after it.

#include "llmload/metrics/run_summary.hpp"
#include "llmload/scrape/server_metrics.hpp"

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
  /// Metrics to show (subset of ttft, tpot, itl, e2el; printed in that fixed order). Empty:
  /// the summary's options.percentile_metrics.
  std::vector<std::string> percentile_metrics;
  /// Percentile rows to show. Empty: the summary's options.percentiles. A percentile the
  /// summary did not compute prints as 0.00.
  std::vector<double> percentiles;
};

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

/// Python's str.center-like "{s:{c}^{n}}": `title` centred in `width` copies of `fill`, the
/// odd pad character on the right (no truncation when the title is wider). Exposed for tests.
std::string centered(std::string_view title, char fill, std::size_t width);

/// How vLLM names a percentile in labels and keys: "99" when integral, else Python's
/// str(float) ("99.9"). Exposed for the JSON writer and tests.
std::string percentile_word(double p);

}  // namespace llmload::report
