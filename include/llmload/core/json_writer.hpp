#pragma once
/// A small streaming JSON writer: request bodies, result files, JSONL and simulator responses
/// all go through it, so escaping and number formatting are the same everywhere.

#include <boost/json/fwd.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::core {

/// Appends `s` to `out` as a JSON string literal (quotes included). Invalid UTF-8 bytes are
/// replaced by U+FFFD so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

/// Appends a double the way Python's json.dump does for finite values (shortest round-trip
/// digits, "1.0" not "1"); NaN and infinities, which JSON cannot hold, become null.
void append_json_double(std::string& out, double v);

/// Formats a double as Python's str() does ("16.0", "0.5", "inf", "nan"): used where vLLM
/// prints floats into text (file names, "Traffic request rate: 16.0").
std::string python_float_str(double v);

/// Writes JSON into a caller-owned string. Commas and nesting are tracked; keys and values
/// must alternate inside objects. Not thread-safe. Misuse (a value where a key is due) is a
/// programming error caught by assertions in debug builds.
class JsonWriter final {
 public:
  /// Appends to `out`, which must outlive the writer.
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// Object key; the next call writes its value.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  JsonWriter& value(I i) {
    return integer(static_cast<std::int64_t>(i));
  }
  JsonWriter& null();
  /// Writes an already-serialized JSON value verbatim (caller guarantees validity).
  JsonWriter& raw(std::string_view json);
  /// Writes a Boost.JSON value (objects keep their insertion order).
  JsonWriter& value(const boost::json::value& v);

  /// Convenience: key followed by value.
  template <class V>
  JsonWriter& field(std::string_view k, const V& v) {
    key(k);
    return value(v);
  }

 private:
  JsonWriter& integer(std::int64_t i);
  void before_value();

  std::string& out_;
  // One entry per open container: true while no element has been written yet.
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace llmload::core
