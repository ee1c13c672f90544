#include "llmload/api/models_list.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace llmload::api {

core::Result<std::string> first_model_id(std::string_view body) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  const auto* data = obj != nullptr ? obj->if_contains("data") : nullptr;
  const auto* first = data != nullptr && data->is_array() && !data->as_array().empty() ? &data->as_array()[0] : nullptr;
  const auto* id = first != nullptr && first->is_object() ? first->as_object().if_contains("id") : nullptr;
  if (id == nullptr || !id->is_string()) return core::fail("did not list a model");
  const std::string_view name = id->as_string();
  if (name.empty() || name.size() > kMaxModelIdBytes) {
    return core::fail("listed a model id of {} bytes (expected 1..{})", name.size(), kMaxModelIdBytes);
  }
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return core::fail("listed a model id with a control character");
  }
  return core::Result<std::string>(boost::system::in_place_value, std::string(name));
}

}  // namespace llmload::api
