// Fuzz target of the OTLP trace receiver: what a hostile exporter controls. The input is an
// OTLP/HTTP body (POST /v1/traces, application/x-protobuf) answered by answer_http_export into
// a SpanStore (the gRPC side decodes the same ExportTraceServiceRequest with the same span
// conversion); the spans it keeps go on through what reads their attributes (server_timing,
// the Joiner against a run's records, the per-category parts and the breakdown's table and
// JSON). Checked: a 200 stores every span and counts an export, a 400 stores none and counts a
// malformed one; decoded spans survive encode → decode unchanged; the join's counts add up;
// server timings are finite, non-negative seconds and token counts non-negative; every part
// is finite or unknown (NaN); the breakdown's JSON is JSON.
#include "llmload/otlp/breakdown.hpp"
#include "llmload/otlp/http_receiver.hpp"
#include "llmload/otlp/receiver.hpp"
#include "llmload/otlp/wire.hpp"
#include "llmload/report/breakdown_report.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace llmload;

void check(bool ok) {
  if (!ok) std::abort();
}

bool same_value(const otlp::AttributeValue& a, const otlp::AttributeValue& b) {
  const auto* x = std::get_if<double>(&a);
  const auto* y = std::get_if<double>(&b);
  if (x != nullptr && y != nullptr) return std::memcmp(x, y, sizeof *x) == 0;  // NaN payloads too
  return a == b;
}

bool same_span(const otlp::Span& a, const otlp::Span& b) {
  if (a.trace_id != b.trace_id || a.span_id != b.span_id || a.parent_span_id != b.parent_span_id ||
      a.name != b.name || a.kind != b.kind || a.start_unix_ns != b.start_unix_ns || a.end_unix_ns != b.end_unix_ns ||
      a.attributes.size() != b.attributes.size()) {
    return false;
  }
  for (std::size_t k = 0; k < a.attributes.size(); ++k) {
    if (a.attributes[k].key != b.attributes[k].key || !same_value(a.attributes[k].value, b.attributes[k].value)) {
      return false;
    }
  }
  return true;
}

/// The answer and the store's counts agree: a 200 keeps every span, a 400 none.
std::vector<otlp::Span> receive(std::string_view body) {
  otlp::SpanStore store;
  const auto answer = otlp::answer_http_export("POST", "/v1/traces", "application/x-protobuf", body, store);
  const auto stats = store.stats();
  std::vector<otlp::Span> spans = store.take();
  if (answer.status == 200) {
    check(stats.exports == 1 && stats.malformed == 0 && answer.body == otlp::encode_export_response());
    check(stats.spans == static_cast<std::int64_t>(spans.size()));
  } else {
    check(answer.status == 400 && stats.exports == 0 && stats.malformed == 1 && spans.empty());
    check(!stats.last_malformed.empty() && answer.body.starts_with(std::string_view("\x08\x03", 2)));
  }
  std::vector<otlp::Span> direct;
  std::string error;
  check(otlp::decode_export_request(body, direct, error) == (answer.status == 200));
  check(direct.size() == spans.size());
  return spans;
}

/// What llmload encodes of the spans decodes to the same spans.
void round_trip(const std::vector<otlp::Span>& spans) {
  std::vector<otlp::Span> back;
  std::string error;
  check(otlp::decode_export_request(otlp::encode_export_request(spans, "svc", "scope"), back, error));
  check(back.size() == spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) check(same_span(spans[i], back[i]));
}

void check_timing(const otlp::Span& span) {
  const otlp::ServerTiming t = otlp::server_timing(span);
  for (const auto& s : {t.queue_s, t.ttft_s, t.e2e_s, t.prefill_s, t.decode_s, t.inference_s}) {
    check(!s || (std::isfinite(*s) && *s >= 0));
  }
  check(!t.prompt_tokens || *t.prompt_tokens >= 0);
  check(!t.completion_tokens || *t.completion_tokens >= 0);
  if (const auto part = otlp::part_of_slo_metric(span.name)) check(otlp::slo_metric_of(*part) == span.name);
}

/// A run's records against the spans: every other one carries its span's trace id (joined by
/// trace id), the rest a trace id of their own that x-request-id "req-<n>" finds.
struct Run {
  std::vector<metrics::RequestRecord> records;
  std::vector<api::TraceParent> parents;
  std::vector<api::TraceParent> warmups;
  std::vector<std::string> categories;
};

Run run_for(const std::vector<otlp::Span>& spans) {
  Run run;
  const std::size_t n = std::min<std::size_t>(spans.size(), 32) + 1;
  run.records.resize(n);
  run.parents = api::make_trace_parents(7, "fuzz", n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = run.records[i];
    const otlp::Span* span = i < spans.size() ? &spans[i] : nullptr;
    if (span != nullptr && i % 2 == 0) run.parents[i].trace_id = span->trace_id;
    r.index = static_cast<std::uint32_t>(i);
    r.trace_id = run.parents[i].trace_id;
    const core::Nanos t0 = 1'000'000'000 + static_cast<core::Nanos>(i) * 1'000'000;
    r.dispatch_ns = t0;
    r.start_ns = t0 + 1'000;
    r.connect_ns = i % 3 == 0 ? 500 : 0;
    r.sent_ns = i % 4 == 3 ? 0 : r.start_ns + 2'000;
    if (span != nullptr && i % 5 != 4) {
      // Client times from the span's, bounded: first chunk 0..1 s, last 0..10 s after it.
      const core::Nanos first = r.start_ns + static_cast<core::Nanos>(span->start_unix_ns % 1'000'000'000);
      r.chunk_ns = {first, first + static_cast<core::Nanos>(span->end_unix_ns % 10'000'000'000ULL)};
    }
    run.categories.push_back(i % 3 == 1 ? "" : (span != nullptr ? span->name.substr(0, 8) : "last"));
  }
  if (spans.size() > n) run.warmups.push_back({spans[n].trace_id, spans[n].span_id});
  return run;
}

void check_parts(const otlp::PartValues& parts) {
  for (const double v : parts) check(std::isnan(v) || std::isfinite(v));
}

void join(const std::vector<otlp::Span>& spans) {
  const Run run = run_for(spans);
  otlp::Joiner joiner(run.records, run.parents, "req-", run.warmups);
  joiner.add(spans);
  otlp::Breakdown b = joiner.finish(1, "http://127.0.0.1:4317");
  check(b.spans_received == static_cast<std::int64_t>(spans.size()));
  check(b.spans_received == b.spans_without_timing + b.spans_warmup + b.spans_unmatched + b.spans_duplicate +
                                b.joined_by_trace_id + b.joined_by_request_id);
  check(b.requests_joined == b.joined_by_trace_id + b.joined_by_request_id && b.requests_joined == joiner.joined());
  check(b.requests_sent == static_cast<std::int64_t>(run.records.size()) && b.requests_joined <= b.requests_sent);
  check(b.per_request.size() == run.records.size());
  std::int64_t present = 0;
  for (const auto& p : b.per_request) {
    if (!p) continue;
    ++present;
    check_parts(*p);
  }
  check(present == b.requests_joined);
  for (const auto& s : b.stats) check(s.count <= static_cast<std::size_t>(b.requests_joined));
  otlp::add_categories(b, run.categories);
  std::int64_t in_categories = 0;
  for (const auto& c : b.per_category) in_categories += c.requests_joined;
  check(in_categories <= b.requests_joined);
  boost::system::error_code ec;
  (void)boost::json::parse(report::breakdown_json(b), ec);
  check(!ec);
  check(!report::format_breakdown(b).empty() && !otlp::no_spans_line(b).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::vector<otlp::Span> spans = receive(body);
  round_trip(spans);
  for (const auto& span : spans) check_timing(span);
  join(spans);
  return 0;
}
