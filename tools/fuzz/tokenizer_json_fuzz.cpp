// Fuzz target of the tokenizer.json loader: a tokenizer or an error, never a crash; a loaded
// one encodes and decodes a fixed text.
#include "llmload/tokenizer/tokenizer.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto tokenizer = llmload::tokenizer::Tokenizer::from_json(std::string_view(reinterpret_cast<const char*>(data), size),
                                                            "fuzz.json");
  if (tokenizer) {
    const auto ids = tokenizer->encode("Hello, world! 123 héllo");
    (void)tokenizer->decode(ids);
  }
  return 0;
}
