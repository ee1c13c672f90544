// Fuzz target of the image readers: the MIME sniffing of a dataset's image and the header
// size reader the simulator counts image tokens with.
#include "llmload/sim/image_tokens.hpp"
#include "llmload/workload/image_data.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)llmload::workload::sniff_image_mime(bytes);
  (void)llmload::sim::read_image_size(bytes);
  (void)llmload::sim::data_url_image_size(bytes);
  return 0;
}
