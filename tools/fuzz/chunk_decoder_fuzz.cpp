// Fuzz target of the chunk decoder: any bytes must decode to a chunk or an error, never a
// crash, a hang or a read outside the input. The input is decoded from an exact-size heap
// copy (so AddressSanitizer catches any read past its end), by one long-lived decoder (so
// state carried between payloads is exercised too), and every view of a success is read.
#include "llmload/api/chunk_decoder.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace {

std::size_t touch(std::string_view s) {
  std::size_t sum = 0;
  for (const char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static llmload::api::ChunkDecoder decoder;
  std::unique_ptr<char[]> exact(new char[size == 0 ? 1 : size]);
  if (size != 0) std::memcpy(exact.get(), data, size);
  auto chunk = decoder.decode(std::string_view(exact.get(), size));
  volatile std::size_t sink = 0;
  if (chunk) {
    sink = sink + touch(chunk->text) + touch(chunk->reasoning) + touch(chunk->finish_reason);
    if (chunk->error) sink = sink + touch(chunk->error->message) + touch(chunk->error->type) + touch(chunk->error->code);
    if (chunk->done && (chunk->has_choices || chunk->usage)) std::abort();  // [DONE] carries nothing else
  } else {
    if (chunk.error().message.rfind("malformed chunk: ", 0) != 0) std::abort();
    sink = sink + chunk.error().message.size();
  }
  return 0;
}
