// Fuzz target of the /v1/models answer reader: a model id or an error, and an id never holds
// a control character.
#include "llmload/api/models_list.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto id = llmload::api::first_model_id(std::string_view(reinterpret_cast<const char*>(data), size));
  if (id) {
    for (const char c : *id) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();
    }
  }
  return 0;
}
