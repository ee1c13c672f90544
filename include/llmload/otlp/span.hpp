#pragma once
/// The span model: what llmload keeps of an OpenTelemetry span (an OTLP Span without events,
/// links or status), as the receiver decodes it and the simulator's exporter encodes it.
/// Plain values, header-only (the protobuf-backed wire code, otlp/wire.hpp, shares it).

#include "llmload/api/trace_context.hpp"

#include <charconv>
#include <cstdint>
#include <system_error>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmload::otlp {

/// An attribute value: OTLP's AnyValue reduced to its scalar kinds (arrays, maps and bytes
/// are kept as monostate: llmload reads none of them).
using AttributeValue = std::variant<std::monostate, std::string, bool, std::int64_t, double>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

/// OTLP's SpanKind values.
enum class SpanKind : std::int32_t { kUnspecified = 0, kInternal = 1, kServer = 2, kClient = 3 };

struct Span {
  api::TraceId trace_id{};
  api::SpanId span_id{};
  api::SpanId parent_span_id{};  ///< all zeros: a root span
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;
  std::vector<Attribute> attributes;

  /// The first attribute named `key`, or null.
  const AttributeValue* find(std::string_view key) const {
    for (const auto& a : attributes) {
      if (a.key == key) return &a.value;
    }
    return nullptr;
  }
};

/// A number attribute as a double (an int, a double, or a string holding a decimal number, as
/// some exporters write them); nullopt otherwise.
inline std::optional<double> number_of(const AttributeValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&value)) {
    double out = 0;
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && end == s->data() + s->size() && !s->empty()) return out;
  }
  return std::nullopt;
}

}  // namespace llmload::otlp
