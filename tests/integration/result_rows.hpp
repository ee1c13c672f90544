#pragma once
// Reading a saved result's request rows (`llmload.requests`, columns named by
// `llmload.request_fields`) in the integration tests.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace llmload::testing_support {

/// The column of `field` in a result's request rows (a test failure when it has none).
inline std::size_t request_field(const boost::json::object& result, std::string_view field) {
  const auto& fields = result.at("llmload").at("request_fields").as_array();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].as_string() == field) return i;
  }
  ADD_FAILURE() << "no request field " << field;
  return fields.size();
}

/// Per request row, `to - from` of two numeric columns (e.g. sent_ms - start_ms), in row order.
inline std::vector<double> request_span_ms(const boost::json::object& result, std::string_view from,
                                           std::string_view to) {
  const std::size_t a = request_field(result, from), b = request_field(result, to);
  std::vector<double> out;
  for (const auto& row : result.at("llmload").at("requests").as_array()) {
    const auto& r = row.as_array();
    if (a >= r.size() || b >= r.size()) continue;
    out.push_back(r.at(b).to_number<double>() - r.at(a).to_number<double>());
  }
  return out;
}

/// numpy.percentile(values, p), method linear: what vLLM computes its percentiles with.
inline double numpy_percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

}  // namespace llmload::testing_support
