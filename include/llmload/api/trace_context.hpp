#pragma once
/// W3C trace context for the requests of a run: every request carries a `traceparent` header
/// (`00-<32 hex trace id>-<16 hex parent id>-01`) so that a server exporting OpenTelemetry
/// traces (vLLM with --otlp-traces-endpoint) continues the request's trace, and its spans can
/// be joined to the client's timings by trace id. The ids are drawn from the run's seed: the
/// same seed gives the same ids, and no two requests of a run share one. Built once before
/// the run (never on a request's path). Pure; thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::api {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

/// The trace context one request sends: its ids and the header value, ready to copy.
struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  std::array<char, 55> text{};  ///< "00-<trace id>-<parent id>-01", not NUL-terminated

  std::string_view header() const { return {text.data(), text.size()}; }
};

/// `count` trace contexts for one run: trace id = 8 bytes drawn from (seed, stream) then 8
/// bytes that are a bijective mix of the request's position (so every position gets its own
/// id), parent id likewise; neither is ever all zeros (W3C forbids it). Different `stream`
/// names give unrelated ids (the measured run and the warm-up requests use two).
std::vector<TraceParent> make_trace_parents(std::uint64_t seed, std::string_view stream, std::size_t count);

/// Lower-case hex of a trace or span id.
std::string to_hex(const std::uint8_t* bytes, std::size_t size);
inline std::string to_hex(const TraceId& id) { return to_hex(id.data(), id.size()); }
inline std::string to_hex(const SpanId& id) { return to_hex(id.data(), id.size()); }

/// Parses a `traceparent` header value: version 00 (or a later version, reading its first
/// four fields, as W3C says), lower-case hex, non-zero ids. False when it is not one.
bool parse_traceparent(std::string_view text, TraceId& trace_id, SpanId& parent_id);

}  // namespace llmload::api
