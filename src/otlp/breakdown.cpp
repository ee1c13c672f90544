#include "llmload/otlp/breakdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <cmath>
#include <cstring>

namespace llmload::otlp {
namespace {

// A span's numbers come from whoever exports to the receiver: a latency or a count that is
// negative, not finite or beyond these bounds is not one (treated as absent), so that no part
// is infinite and no count wraps.
constexpr double kMaxSeconds = 1e9;     // about 31 years
constexpr double kMaxCount = 0x1p53;    // every integer up to here is a double

std::optional<double> number(const Span& span, std::string_view name, std::string_view other, double max) {
  const AttributeValue* v = span.find(name);
  if (v == nullptr && !other.empty()) v = span.find(other);
  if (v == nullptr) return std::nullopt;
  const auto n = number_of(*v);
  if (!n || !(*n >= 0 && *n <= max)) return std::nullopt;  // NaN fails both
  return n;
}

std::optional<double> seconds(const Span& span, std::string_view name, std::string_view other = {}) {
  return number(span, name, other, kMaxSeconds);
}

std::optional<std::int64_t> count(const Span& span, std::string_view name, std::string_view other) {
  const auto n = number(span, name, other, kMaxCount);
  if (!n) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(*n));
}

constexpr double kNs = 1e-6;  // ns → ms

double ms(std::optional<double> s) { return s ? *s * 1000.0 : NAN; }

}  // namespace

ServerTiming server_timing(const Span& span) {
  ServerTiming t;
  t.queue_s = seconds(span, attr::kTimeInQueue);
  t.ttft_s = seconds(span, attr::kTimeToFirstToken);
  t.e2e_s = seconds(span, attr::kE2e);
  t.prefill_s = seconds(span, attr::kPrefill, attr::kTimeToPrefill);
  t.decode_s = seconds(span, attr::kDecode);
  t.inference_s = seconds(span, attr::kInference);
  t.prompt_tokens = count(span, attr::kPromptTokens, attr::kInputTokens);
  t.completion_tokens = count(span, attr::kCompletionTokens, attr::kOutputTokens);
  if (const auto* id = span.find(attr::kRequestId)) {
    if (const auto* s = std::get_if<std::string>(id)) t.request_id = *s;
  }
  return t;
}

std::string_view part_name(Part part) {
  static constexpr std::array<std::string_view, kPartCount> kNames = {
      "client_queue_ms", "connect_ms",    "request_write_ms",  "server_queue_ms", "prefill_ms",   "first_token_wire_ms",
      "decode_ms",       "last_chunk_ms", "outside_engine_ms", "server_ttft_ms",  "server_e2e_ms"};
  return kNames[static_cast<std::size_t>(part)];
}

std::string_view part_label(Part part) {
  static constexpr std::array<std::string_view, kPartCount> kLabels = {
      "Client queue", "Connect",    "Request written", "Server queue", "Prefill", "First token on the wire",
      "Decode",       "Last chunk", "Outside the engine", "Server TTFT", "Server E2E"};
  return kLabels[static_cast<std::size_t>(part)];
}

std::string slo_metric_of(Part part) {
  std::string name(part_name(part));
  name.resize(name.size() - 3);  // "_ms"
  return part == Part::kServerTtft || part == Part::kServerE2e ? name : name + "_time";
}

std::optional<Part> part_of_slo_metric(std::string_view metric) {
  for (std::size_t k = 0; k < kPartCount; ++k) {
    if (slo_metric_of(static_cast<Part>(k)) == metric) return static_cast<Part>(k);
  }
  return std::nullopt;
}

PartValues request_parts(const metrics::RequestRecord& r, const ServerTiming& server) {
  PartValues p;
  p.fill(NAN);
  auto set = [&p](Part part, double value) { p[static_cast<std::size_t>(part)] = value; };
  if (!r.ok() || r.chunk_ns.empty() || r.start_ns == 0) return p;
  const double ttft = static_cast<double>(r.chunk_ns.front() - r.start_ns) * kNs;
  const double e2el = static_cast<double>(r.chunk_ns.back() - r.start_ns) * kNs;
  const double written = r.sent_ns != 0 ? static_cast<double>(r.sent_ns - r.start_ns) * kNs : NAN;
  const double queue = ms(server.queue_s);
  const double prefill = server.prefill_s ? ms(server.prefill_s) : ms(server.ttft_s) - queue;
  const double decode = server.decode_s ? ms(server.decode_s) : ms(server.e2e_s) - ms(server.ttft_s);
  set(Part::kClientQueue, r.dispatch_ns != 0 ? static_cast<double>(r.start_ns - r.dispatch_ns) * kNs : NAN);
  set(Part::kConnect, static_cast<double>(r.connect_ns) * kNs);
  set(Part::kRequestWrite, written - static_cast<double>(r.connect_ns) * kNs);
  set(Part::kServerQueue, queue);
  set(Part::kPrefill, prefill);
  set(Part::kFirstTokenWire, ttft - written - queue - prefill);
  set(Part::kDecode, decode);
  set(Part::kLastChunk, (e2el - ttft) - decode);
  set(Part::kOutsideEngine, ttft - ms(server.ttft_s));
  set(Part::kServerTtft, ms(server.ttft_s));
  set(Part::kServerE2e, ms(server.e2e_s));
  return p;
}

std::size_t Joiner::IdHash::operator()(const api::TraceId& id) const noexcept {
  std::uint64_t low = 0;
  std::memcpy(&low, id.data() + 8, sizeof low);  // the low half differs between requests
  return static_cast<std::size_t>(low);
}

Joiner::Joiner(std::span<const metrics::RequestRecord> records, std::span<const api::TraceParent> trace_parents,
               std::string request_id_prefix, std::span<const api::TraceParent> warmups)
    : records_(records), trace_parents_(trace_parents), prefix_(std::move(request_id_prefix)),
      timing_(records.size()) {
  counts_.requests_sent = static_cast<std::int64_t>(records.size());
  record_of_trace_.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].trace_id != api::TraceId{}) record_of_trace_.emplace(records[i].trace_id, i);
  }
  for (const auto& w : warmups) warmup_traces_.emplace(w.trace_id, true);
}

std::optional<std::size_t> Joiner::by_request_id(std::string_view id) const {
  if (prefix_.empty() || id.empty()) return std::nullopt;
  // vLLM: "cmpl-<x-request-id>-<prompt index>" for completions, "chatcmpl-<x-request-id>" for chat.
  for (std::string_view api_prefix : {"chatcmpl-", "cmpl-"}) {
    if (id.starts_with(api_prefix)) {
      id.remove_prefix(api_prefix.size());
      break;
    }
  }
  if (!id.starts_with(prefix_)) return std::nullopt;
  id.remove_prefix(prefix_.size());
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec != std::errc() || end == id.data() || (end != id.data() + id.size() && *end != '-')) return std::nullopt;
  if (n >= trace_parents_.size()) return std::nullopt;
  const auto found = record_of_trace_.find(trace_parents_[n].trace_id);
  if (found == record_of_trace_.end()) return std::nullopt;
  return found->second;
}

void Joiner::add(std::span<const Span> spans) {
  for (const Span& span : spans) {
    ++counts_.spans_received;
    ServerTiming timing = server_timing(span);
    if (!timing.has_latency()) {
      ++counts_.spans_without_timing;
      continue;
    }
    std::optional<std::size_t> at;
    bool by_trace = false;
    if (const auto found = record_of_trace_.find(span.trace_id); found != record_of_trace_.end()) {
      at = found->second;
      by_trace = true;
    } else if (warmup_traces_.contains(span.trace_id)) {
      ++counts_.spans_warmup;
      continue;
    } else {
      at = by_request_id(timing.request_id);
    }
    if (!at) {
      ++counts_.spans_unmatched;
    } else if (timing_[*at]) {
      ++counts_.spans_duplicate;
    } else {
      timing_[*at] = std::move(timing);
      ++joined_;
      ++(by_trace ? counts_.joined_by_trace_id : counts_.joined_by_request_id);
    }
  }
}

Breakdown Joiner::finish(std::int64_t exports_malformed, std::string receiver_endpoint) const {
  Breakdown out = counts_;
  out.requests_joined = joined_;
  out.exports_malformed = exports_malformed;
  out.receiver_endpoint = std::move(receiver_endpoint);
  out.per_request.resize(records_.size());
  std::array<std::vector<double>, kPartCount> samples;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (!timing_[i]) continue;
    const PartValues parts = request_parts(records_[i], *timing_[i]);
    out.per_request[i] = parts;
    for (std::size_t k = 0; k < kPartCount; ++k) {
      if (!std::isnan(parts[k])) samples[k].push_back(parts[k]);
    }
  }
  for (std::size_t k = 0; k < kPartCount; ++k) out.stats[k] = metrics::compute_stats(samples[k], kPartPercentiles);
  return out;
}

void add_categories(Breakdown& b, std::span<const std::string> categories) {
  struct Samples {
    std::int64_t joined = 0;
    std::array<std::vector<double>, kPartCount> values;
  };
  std::map<std::string, Samples> groups;
  const std::size_t n = std::min(categories.size(), b.per_request.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (categories[i].empty() || !b.per_request[i]) continue;
    Samples& g = groups[categories[i]];
    ++g.joined;
    for (std::size_t k = 0; k < kPartCount; ++k) {
      if (!std::isnan((*b.per_request[i])[k])) g.values[k].push_back((*b.per_request[i])[k]);
    }
  }
  b.per_category.clear();
  for (const auto& [name, g] : groups) {
    CategoryParts& c = b.per_category.emplace_back();
    c.category = name;
    c.requests_joined = g.joined;
    for (std::size_t k = 0; k < kPartCount; ++k) c.stats[k] = metrics::compute_stats(g.values[k], kPartPercentiles);
  }
}

std::string no_spans_line(const Breakdown& b) {
  return fmt::format("{} of {} requests had a server span: start the server with --otlp-traces-endpoint {}",
                     b.requests_joined, b.requests_sent, b.receiver_endpoint);
}

}  // namespace llmload::otlp
