#pragma once
/// Where each request's time went: the server's spans (vLLM's `llm_request`, with its
/// gen_ai.latency.* attributes) joined to the client's records by trace id, or by the
/// x-request-id the server echoes in gen_ai.request.id, and each request's latency split into
/// parts (not in vLLM). Pure and synchronous: the caller feeds it the spans a Receiver took.

#include "llmload/api/trace_context.hpp"
#include "llmload/metrics/request_record.hpp"
#include "llmload/metrics/sample_stats.hpp"
#include "llmload/otlp/span.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmload::otlp {

/// vLLM's span attribute names (vllm/tracing.py, SpanAttributes), each with the other names
/// servers and older OpenTelemetry conventions used for the same value; the first present wins.
namespace attr {
inline constexpr std::string_view kRequestId = "gen_ai.request.id";
inline constexpr std::string_view kTimeInQueue = "gen_ai.latency.time_in_queue";
inline constexpr std::string_view kTimeToFirstToken = "gen_ai.latency.time_to_first_token";
inline constexpr std::string_view kE2e = "gen_ai.latency.e2e";
inline constexpr std::string_view kPrefill = "gen_ai.latency.time_in_model_prefill";
inline constexpr std::string_view kDecode = "gen_ai.latency.time_in_model_decode";
inline constexpr std::string_view kInference = "gen_ai.latency.time_in_model_inference";
inline constexpr std::string_view kPromptTokens = "gen_ai.usage.prompt_tokens";
inline constexpr std::string_view kCompletionTokens = "gen_ai.usage.completion_tokens";
// Older or alternative names of the same values.
inline constexpr std::string_view kInputTokens = "gen_ai.usage.input_tokens";    // semconv >= 1.27
inline constexpr std::string_view kOutputTokens = "gen_ai.usage.output_tokens";  // semconv >= 1.27
inline constexpr std::string_view kTimeToPrefill = "gen_ai.latency.time_to_prefill";
}  // namespace attr

/// A server span's timings in seconds (as vLLM writes them); unset when absent or not a time:
/// a latency outside [0, 10^9] s or a count outside [0, 2^53] (NaN included) is not kept.
struct ServerTiming {
  std::optional<double> queue_s, ttft_s, e2e_s, prefill_s, decode_s, inference_s;
  std::optional<std::int64_t> prompt_tokens, completion_tokens;
  std::string request_id;
  /// Has any latency attribute: a span that can be joined (others are counted apart).
  bool has_latency() const { return queue_s || ttft_s || e2e_s || prefill_s || decode_s; }
};
ServerTiming server_timing(const Span& span);

/// The parts of one request's latency, in milliseconds, in the order they happen.
enum class Part : std::uint8_t {
  kClientQueue,     ///< dispatch → start: the --max-concurrency wait
  kConnect,         ///< TCP (and TLS) connect; 0 on a kept-alive connection
  kRequestWrite,    ///< start → request written, less the connect
  kServerQueue,     ///< gen_ai.latency.time_in_queue
  kPrefill,         ///< gen_ai.latency.time_in_model_prefill (else server TTFT − queue)
  kFirstTokenWire,  ///< the rest of the client's TTFT: network, API server, tokenization, delivery
  kDecode,          ///< gen_ai.latency.time_in_model_decode (else server e2e − server TTFT)
  kLastChunk,       ///< client first → last chunk, less the server's decode
  kOutsideEngine,   ///< client TTFT − server TTFT
  kServerTtft,      ///< gen_ai.latency.time_to_first_token
  kServerE2e,       ///< gen_ai.latency.e2e
};
inline constexpr std::size_t kPartCount = 11;
/// Snake-case names with their unit ("server_queue_ms", ...), in Part order.
std::string_view part_name(Part part);
/// Human labels for the console ("Server queue", ...), in Part order.
std::string_view part_label(Part part);

/// The part a profile SLO names ("server_queue_time", "prefill_time", "server_ttft", ...: the
/// part's name without "_ms", "_time" for the ones that are not already a latency), if any.
std::optional<Part> part_of_slo_metric(std::string_view metric);
/// The SLO metric name of a part (the inverse).
std::string slo_metric_of(Part part);
/// Percentiles computed for each part (SLOs may name these, with mean and median).
inline constexpr double kPartPercentiles[] = {50, 90, 95, 99, 99.9};

using PartValues = std::array<double, kPartCount>;  ///< NaN where a part is unknown

/// A request's parts from its record (a successful one with token chunks) and its span.
PartValues request_parts(const metrics::RequestRecord& record, const ServerTiming& server);

/// The parts of one workload category's joined requests.
struct CategoryParts {
  std::string category;
  std::int64_t requests_joined = 0;
  std::array<metrics::SampleStats, kPartCount> stats;  ///< mean, median, P99 over its joined requests
};

/// The joined run.
struct Breakdown {
  std::int64_t requests_sent = 0;
  std::int64_t requests_joined = 0;
  std::int64_t joined_by_trace_id = 0;
  std::int64_t joined_by_request_id = 0;
  std::int64_t spans_received = 0;
  std::int64_t spans_unmatched = 0;       ///< timing spans that matched no request (other traffic)
  std::int64_t spans_warmup = 0;          ///< the initial test run's and warm-ups' spans (ignored)
  std::int64_t spans_without_timing = 0;  ///< spans with no gen_ai.latency attribute (ignored)
  std::int64_t spans_duplicate = 0;       ///< a second timing span for a joined request (ignored)
  std::int64_t exports_malformed = 0;     ///< export requests the receiver refused
  std::string receiver_endpoint;          ///< what the server's exporter should be given
  /// One entry per record (same order): its parts, or nullopt when not joined.
  std::vector<std::optional<PartValues>> per_request;
  std::array<metrics::SampleStats, kPartCount> stats;  ///< mean, median, P99 over joined requests
  /// Per workload category (add_categories), by name; empty when the workload has none.
  std::vector<CategoryParts> per_category;
};

/// Fills `breakdown.per_category` from `categories`, each record's workload category (same
/// order as per_request; "" for none): the parts' statistics over each category's joined
/// requests. Left empty when no record has a category.
void add_categories(Breakdown& breakdown, std::span<const std::string> categories);

/// Joins spans to the records of one measured run as they arrive.
class Joiner final {
 public:
  /// `records`: the measured run's (kept alive by the caller). `trace_parents`: what request i
  /// of the send order carried (records hold their trace id). `request_id_prefix`: the
  /// x-request-id prefix sent ("" when none was sent: no fallback). `warmups`: the initial
  /// test run's and warm-ups' contexts.
  Joiner(std::span<const metrics::RequestRecord> records, std::span<const api::TraceParent> trace_parents,
         std::string request_id_prefix, std::span<const api::TraceParent> warmups);

  void add(std::span<const Span> spans);
  bool all_joined() const { return joined_ == static_cast<std::int64_t>(records_.size()); }
  std::int64_t joined() const { return joined_; }
  /// The parts and their statistics (P50 and P99 computed).
  Breakdown finish(std::int64_t exports_malformed, std::string receiver_endpoint) const;

 private:
  struct IdHash {
    std::size_t operator()(const api::TraceId& id) const noexcept;
  };
  std::optional<std::size_t> by_request_id(std::string_view request_id) const;

  std::span<const metrics::RequestRecord> records_;
  std::span<const api::TraceParent> trace_parents_;
  std::string prefix_;
  std::unordered_map<api::TraceId, std::size_t, IdHash> record_of_trace_;
  std::unordered_map<api::TraceId, bool, IdHash> warmup_traces_;
  std::vector<std::optional<ServerTiming>> timing_;
  Breakdown counts_;
  std::int64_t joined_ = 0;
};

/// The line said when no span joined: "0 of N requests had a server span: start the server
/// with --otlp-traces-endpoint ENDPOINT".
std::string no_spans_line(const Breakdown& breakdown);

}  // namespace llmload::otlp
