#pragma once
/// Small helpers for simdjson's DOM API shared by the JSON readers (chunk decoder, result
/// reader).

#include <simdjson.h>

namespace llmload::core {

/// The array or object inside `v`, which the caller has checked has that type. Returned by
/// copy, so a range-for over it holds no dangling simdjson_result temporary (GCC warns, and
/// rightly, about `for (x : v.get_array().value_unsafe())`).
inline simdjson::dom::array as_array(simdjson::dom::element v) {
  simdjson::dom::array a = v.get_array().value_unsafe();
  return a;
}
inline simdjson::dom::object as_object(simdjson::dom::element v) {
  simdjson::dom::object o = v.get_object().value_unsafe();
  return o;
}

}  // namespace llmload::core
